// hello.cc: a program outside netrpc that uses only its installed API; tests/consumer/run.sh builds
// it each way a user takes netrpc. It serves Arith on 127.0.0.1 and calls it: exit 0 iff 6*7 is 42.
#include <netrpc/netrpc.h>

#include <iostream>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply);

int main() {
  Arith arith;
  netrpc::Server server;
  if (netrpc::Error err = server.Register(arith)) {
    std::cerr << "register: " << err.message() << '\n';
    return 1;
  }
  if (netrpc::Error err = server.Listen("tcp", "127.0.0.1:0")) {
    std::cerr << "listen: " << err.message() << '\n';
    return 1;
  }
  auto client = netrpc::Dial("tcp", server.Address());
  if (!client) {
    std::cerr << "dial: " << client.error() << '\n';
    return 1;
  }
  int64_t product = 0;
  if (netrpc::Error err = client->Call("Arith.Multiply", Args{6, 7}, &product)) {
    std::cerr << "call: " << err.message() << '\n';
    return 1;
  }
  std::cout << "Arith.Multiply 6*7 = " << product << " (C++ " << __cplusplus << ")\n";
  return product == 42 ? 0 : 1;
}
