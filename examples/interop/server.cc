// server.cc: serves SPEC.md's Interop service on one port for every protocol netrpc speaks
// (native, gob, JSON-RPC, HTTP CONNECT, GeeRPC's Option), in plaintext or inside TLS. Usage:
//   interop_server [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]] [HOST:PORT]
// --tls-client-ca requires a client certificate of that CA (mTLS).
#include <netrpc/tls.h>

#include <iostream>

#include "interop.h"

int main(int argc, char** argv) {
  std::string address = "127.0.0.1:0";
  netrpc::TlsConfig tls;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    bool has_value = i + 1 < argc;
    if (flag == "--tls-cert" && has_value) {
      tls.certificate.cert_file = argv[++i];
    } else if (flag == "--tls-key" && has_value) {
      tls.certificate.key_file = argv[++i];
    } else if (flag == "--tls-client-ca" && has_value) {
      tls.client_ca_file = argv[++i];
      tls.client_auth = netrpc::ClientAuth::kRequire;
    } else if (flag.starts_with("-")) {
      std::cerr << "usage: interop_server [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]"
                   " [HOST:PORT]\n";
      return 2;
    } else {
      address = flag;
    }
  }
  interop::Interop service;
  // Default options: Sleep blocks a worker for as long as it is asked to, and the pool grows
  // so that other calls do not wait behind it, as Go's goroutine per call.
  netrpc::Server server;
  if (netrpc::Error err = server.Register(service)) {
    std::cerr << "register: " << err.message() << '\n';
    return 1;
  }
  netrpc::Error err = tls.certificate.cert_file.empty() ? server.Listen("tcp", address)
                                                        : server.ListenTLS("tcp", address, tls);
  if (err) {
    std::cerr << "listen: " << err.message() << '\n';
    return 1;
  }
  // Scripts wait for this line to learn the port when the address asked for port 0.
  std::cout << "listening on " << server.Address() << std::endl;
  server.Serve();
}
