// main.cc: netrpc_registry runs the built-in registry alone (GeeRPC's registry protocol at
// /_geerpc_/registry), for clusters whose servers should not host it themselves.
//
//   netrpc_registry [--listen 127.0.0.1:9999] [--ttl-seconds 300] [--max-servers 10000]
//                   [--seconds N]
//
// It prints `registry=http://ADDR/_geerpc_/registry` once listening and serves until SIGINT
// or SIGTERM (or for N seconds, for smoke tests).
#include <netrpc/netrpc.h>
#include <netrpc/registry.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:9999";
  netrpc::RegistryOptions options;
  long seconds = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--listen") {
      listen = argv[i + 1];
    } else if (flag == "--ttl-seconds") {
      options.ttl = std::chrono::seconds(std::atol(argv[i + 1]));
    } else if (flag == "--max-servers") {
      options.max_servers = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (flag == "--seconds") {
      seconds = std::atol(argv[i + 1]);
    } else {
      std::fprintf(stderr, "netrpc_registry: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr,
                 "usage: netrpc_registry [--listen HOST:PORT] [--ttl-seconds N] "
                 "[--max-servers N] [--seconds N]\n");
    return 2;
  }
  // Block the stop signals before any thread starts, so that only sigwait takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  netrpc::Server server;
  netrpc::Registry registry(options);
  if (netrpc::Error err = registry.HandleHTTP(server)) {
    std::fprintf(stderr, "netrpc_registry: %s\n", err.message().c_str());
    return 1;
  }
  if (netrpc::Error err = server.Listen("tcp", listen)) {
    std::fprintf(stderr, "netrpc_registry: listen %s: %s\n", listen.c_str(), err.message().c_str());
    return 1;
  }
  std::printf("registry=http://%s%s\n", server.Address().c_str(),
              std::string(netrpc::DefaultRegistryPath).c_str());
  std::fflush(stdout);
  if (seconds > 0) {
    timespec wait{seconds, 0};
    sigtimedwait(&stop, nullptr, &wait);
  } else {
    int sig = 0;
    sigwait(&stop, &sig);
  }
  server.Shutdown();
  return 0;
}
