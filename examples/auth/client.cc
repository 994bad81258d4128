// client.cc: calls the auth example's server without a token, then with one, on one
// connection. Usage: AUTH_TOKEN=... auth_client [addr]
#include <cstdlib>
#include <iostream>
#include <string>

#include "../arith/arith.h"

int main(int argc, char** argv) {
  const char* secret = std::getenv("AUTH_TOKEN");
  auto client = netrpc::Dial("tcp", argc > 1 ? argv[1] : "127.0.0.1:1234");
  if (!client) {
    std::cerr << "dialing: " << client.error() << '\n';
    return 1;
  }
  int64_t product = 0;
  netrpc::Error err = client->Call("Arith.Multiply", Args{7, 8}, &product);
  std::cout << "without a token: " << err.message() << '\n';
  if (err.code() != netrpc::ErrorCode::kServerError) return 1;

  // The token travels in the call's metadata (native protocol only).
  netrpc::CallOptions with_token{
      .metadata = {{"authorization", std::string("Bearer ") + (secret ? secret : "")}}};
  if (netrpc::Error err = client->Call("Arith.Multiply", Args{7, 8}, &product, with_token)) {
    std::cerr << "with the token: " << err.message() << '\n';
    return 1;
  }
  std::cout << "with the token: 7*8=" << product << '\n';
}
