// server.cc: serves SPEC.md's Interop service on one port for every protocol netrpc speaks
// (native, gob, JSON-RPC, HTTP CONNECT, GeeRPC's Option). Usage: interop_server [HOST:PORT]
#include <iostream>

#include "interop.h"

int main(int argc, char** argv) {
  interop::Interop service;
  // Default options: Sleep blocks a worker for as long as it is asked to, and the pool grows
  // so that other calls do not wait behind it, as Go's goroutine per call.
  netrpc::Server server;
  if (netrpc::Error err = server.Register(service)) {
    std::cerr << "register: " << err.message() << '\n';
    return 1;
  }
  if (netrpc::Error err = server.Listen("tcp", argc > 1 ? argv[1] : "127.0.0.1:0")) {
    std::cerr << "listen: " << err.message() << '\n';
    return 1;
  }
  // Scripts wait for this line to learn the port when the address asked for port 0.
  std::cout << "listening on " << server.Address() << std::endl;
  server.Serve();
}
