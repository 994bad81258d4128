// grpc_server.cc: serves Arith and Echo with gRPC C++'s callback API, answering inline from
// the callback as netrpc's inline handlers do. Usage: grpc_server [--addr host:port].
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>

#include "bench.grpc.pb.h"

namespace netrpc::bench {
namespace {

class ArithService final : public netrpcbench::Arith::CallbackService {
  grpc::ServerUnaryReactor* Multiply(grpc::CallbackServerContext* context,
                                     const netrpcbench::Args* args,
                                     netrpcbench::Product* product) override {
    product->set_c(args->a() * args->b());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class EchoService final : public netrpcbench::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const netrpcbench::Blob* in,
                                 netrpcbench::Blob* out) override {
    out->set_data(in->data());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace
}  // namespace netrpc::bench

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:7004";
  if (argc == 3 && std::string(argv[1]) == "--addr") addr = argv[2];
  netrpc::bench::ArithService arith;
  netrpc::bench::EchoService echo;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(addr, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(8 << 20);
  builder.SetMaxSendMessageSize(8 << 20);
  builder.RegisterService(&arith);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "listen %s failed\n", addr.c_str());
    return 1;
  }
  std::printf("listening %s:%d\n", addr.substr(0, addr.rfind(':')).c_str(), port);
  std::fflush(stdout);
  server->Wait();
}
