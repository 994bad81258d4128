// server.cc: serves Arith, as net/rpc's documentation example does. Usage: arith_server [addr]
#include <iostream>

#include "arith.h"

int main(int argc, char** argv) {
  Arith arith;
  netrpc::Server server;
  server.Register(arith);
  if (netrpc::Error err = server.Listen("tcp", argc > 1 ? argv[1] : "127.0.0.1:1234")) {
    std::cerr << "listen: " << err.message() << '\n';
    return 1;
  }
  std::cout << "serving Arith on " << server.Address() << std::endl;
  server.Serve();
}
