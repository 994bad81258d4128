// client.cc: calls Arith synchronously and asynchronously. Usage: arith_client [addr]
#include <iostream>

#include "arith.h"

int main(int argc, char** argv) {
  auto client = netrpc::Dial("tcp", argc > 1 ? argv[1] : "127.0.0.1:1234");
  if (!client) {
    std::cerr << "dialing: " << client.error() << '\n';
    return 1;
  }
  Args args{7, 8};
  int64_t product = 0;
  if (netrpc::Error err = client->Call("Arith.Multiply", args, &product)) {
    std::cerr << "arith error: " << err.message() << '\n';
    return 1;
  }
  std::cout << "Arith: " << args.A << "*" << args.B << "=" << product << '\n';

  Quotient quo;
  auto call = client->Go("Arith.Divide", Args{17, 5}, &quo);  // asynchronous
  if (netrpc::Error err = call->Wait()) {
    std::cerr << "arith error: " << err.message() << '\n';
    return 1;
  }
  std::cout << "Arith: 17/5=" << quo.Quo << " remainder " << quo.Rem << '\n';

  netrpc::Error err = client->Call("Arith.Divide", Args{1, 0}, &quo);
  std::cout << "Arith: 1/0 -> error \"" << err.message() << "\"\n";
  return err.code() == netrpc::ErrorCode::kServerError ? 0 : 1;
}
