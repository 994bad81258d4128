// netrpc_server.cc: serves Arith and Echo over netrpc for the load clients, handlers inline.
// Usage: netrpc_server [--addr 127.0.0.1:7001] [--io-threads 1] [--tls-cert F --tls-key F];
// prints "listening ADDR".
#include <netrpc/tls.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bench_service.h"

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:7001";
  netrpc::ServerOptions options;
  netrpc::TlsConfig tls;
  options.worker_threads = 1;  // handlers run inline; the pool only idles
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view k = argv[i];
    if (k == "--addr") {
      addr = argv[i + 1];
    } else if (k == "--io-threads") {
      options.io_threads = static_cast<size_t>(std::atoi(argv[i + 1]));
    } else if (k == "--tls-cert") {
      tls.certificate.cert_file = argv[i + 1];
    } else if (k == "--tls-key") {
      tls.certificate.key_file = argv[i + 1];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--addr host:port] [--io-threads N] [--tls-cert F --tls-key F]\n",
                   argv[0]);
      return 2;
    }
  }
  netrpc::bench::Arith arith;
  netrpc::bench::EchoService echo;
  netrpc::Server server(options);
  netrpc::RegisterOptions inline_dispatch{.dispatch = netrpc::Dispatch::kInline};
  if (netrpc::Error err = server.Register(arith, inline_dispatch)) {
    std::fprintf(stderr, "register: %s\n", err.message().c_str());
    return 1;
  }
  if (netrpc::Error err = server.RegisterName("Echo", echo, inline_dispatch)) {
    std::fprintf(stderr, "register: %s\n", err.message().c_str());
    return 1;
  }
  netrpc::Error listen_err = tls.certificate.cert_file.empty() ? server.Listen("tcp", addr)
                                                               : server.ListenTLS("tcp", addr, tls);
  if (netrpc::Error err = listen_err) {
    std::fprintf(stderr, "listen: %s\n", err.message().c_str());
    return 1;
  }
  std::printf("listening %s\n", server.Address().c_str());
  std::fflush(stdout);
  server.Serve();
}
