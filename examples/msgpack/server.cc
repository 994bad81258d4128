// server.cc: serves net/rpc's Arith over HashiCorp's msgpackrpc codec, so that Go's
// msgpackrpc.Dial can call it. Usage: msgpack_server [HOST:PORT] (prints "listening on ADDR")
#include <netrpc/conn.h>
#include <netrpc/netrpc.h>

#include <iostream>
#include <memory>

#include "arith.h"
#include "msgpack_codec.h"

int main(int argc, char** argv) {
  Arith arith;
  netrpc::Server server;
  if (netrpc::Error err = server.Register(arith)) {
    std::cerr << "register: " << err.message() << '\n';
    return 1;
  }
  auto listener = netrpc::Listen("tcp", argc > 1 ? argv[1] : "127.0.0.1:0");
  if (!listener.ok()) {
    std::cerr << "listen: " << listener.error().message() << '\n';
    return 1;
  }
  std::cout << "listening on " << listener->Address() << std::endl;
  for (;;) {
    auto conn = listener->Accept();
    if (!conn.ok()) {
      std::cerr << "accept: " << conn.error().message() << '\n';
      return 1;
    }
    // Go's rpc.ServeCodec(msgpackrpc.NewServerCodec(conn)), served in the background.
    auto codec = std::make_unique<msgpackrpc::MsgpackServerCodec>(std::move(*conn));
    if (netrpc::Error err = server.ServeCodec(std::move(codec))) {
      std::cerr << "serve: " << err.message() << '\n';
    }
  }
}
