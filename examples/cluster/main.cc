// main.cc: a cluster in one process: the built-in registry, three servers that keep themselves
// listed with Heartbeat, and an XClient that finds them through RegistryDiscovery.
// It prints the same lines every run (ctest cluster_example compares them with expected.txt).
#include <netrpc/netrpc.h>
#include <netrpc/registry.h>
#include <netrpc/xclient.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Node is one server of the cluster: Greeter.Hello answers "hello WHO from NAME".
struct Node {
  std::string name;
  netrpc::Server server;
  std::unique_ptr<netrpc::Heartbeat> beat;
};

// Who is the server's name at the end of a Greeter.Hello reply.
std::string Who(const std::string& reply) { return reply.substr(reply.rfind(' ') + 1); }

int main() {
  // The registry, on a server of its own. A 1 s TTL makes a silent server leave quickly.
  netrpc::Server home;
  netrpc::Registry registry({.ttl = 1s});
  if (netrpc::Error err = registry.HandleHTTP(home)) return std::cerr << err << '\n', 1;
  if (netrpc::Error err = home.Listen("tcp", "127.0.0.1:0")) return std::cerr << err << '\n', 1;
  std::string url = "http://" + home.Address() + std::string(netrpc::DefaultRegistryPath);

  // Three servers on free ports; each registers tcp@ADDR and renews it every 200 ms.
  std::map<std::string, std::unique_ptr<Node>> nodes;
  for (std::string name : {"alpha", "beta", "gamma"}) {
    auto node = std::make_unique<Node>();
    node->name = name;
    node->server.RegisterFunc("Greeter.Hello", [name](const std::string& who, std::string* reply) {
      *reply = "hello " + who + " from " + name;
      return netrpc::Error{};
    });
    if (netrpc::Error err = node->server.Listen("tcp", "127.0.0.1:0")) {
      return std::cerr << err << '\n', 1;
    }
    auto beat = netrpc::Heartbeat::Start(url, "tcp@" + node->server.Address(), 200ms);
    if (!beat.ok()) return std::cerr << beat.error() << '\n', 1;
    node->beat = std::move(*beat);
    nodes[name] = std::move(node);
  }
  std::cout << "registry lists " << registry.Alive().size() << " servers\n";

  // The client: it polls the registry every 100 ms; a server found gone is failed over.
  netrpc::RegistryDiscovery servers(url, 100ms);
  netrpc::XClient xc(servers, {.select = netrpc::SelectMode::kRoundRobin,
                               .fail = netrpc::FailMode::kFailover,
                               .idempotent_methods = {"Greeter.Hello"}});
  std::map<std::string, int> served;
  for (int i = 0; i < 9; ++i) {
    std::string reply;
    if (netrpc::Error err = xc.Call("Greeter.Hello", "client", &reply, {.timeout = 2s})) {
      return std::cerr << err << '\n', 1;
    }
    ++served[Who(reply)];
  }
  std::cout << "round-robin, 9 calls:";
  for (auto& [name, n] : served) std::cout << ' ' << name << '=' << n;
  std::cout << '\n';

  std::string reply;
  std::vector<netrpc::EndpointError> outcomes;
  netrpc::Error err = xc.Broadcast("Greeter.Hello", "everyone", &reply, {.timeout = 2s}, &outcomes);
  int answered = 0;
  for (auto& o : outcomes) answered += o.error ? 0 : 1;
  std::cout << "broadcast: " << answered << " of " << outcomes.size() << " servers answered"
            << (err ? ": " + err.message() : "") << '\n';

  // gamma leaves: it stops beating and shuts down. Failover hides it from the next calls,
  // before the registry has even noticed.
  nodes["gamma"]->beat.reset();
  nodes["gamma"]->server.Shutdown();
  std::cout << "gamma left\n";
  std::set<std::string> after;
  int failed = 0;
  for (int i = 0; i < 9; ++i) {
    if (xc.Call("Greeter.Hello", "client", &reply, {.timeout = 2s})) {
      ++failed;
    } else {
      after.insert(Who(reply));
    }
  }
  std::cout << "9 calls, " << failed << " failed, served by";
  for (auto& name : after) std::cout << ' ' << name;
  std::cout << '\n';

  // Within the TTL and a poll, the registry and then the client list two servers.
  size_t listed = 0;
  for (int i = 0; i < 100; ++i) {  // 5 s at most
    auto list = servers.Endpoints();
    listed = list.ok() ? list->size() : 0;
    if (listed == 2) break;
    std::this_thread::sleep_for(50ms);
  }
  std::cout << "the client lists " << listed << " servers\n";

  // An asynchronous call: Go returns at once, Wait gives the reply.
  auto call = xc.Go("Greeter.Hello", std::string("async"), &reply);
  if (netrpc::Error err = call->Wait()) return std::cerr << err << '\n', 1;
  std::cout << "go: " << reply.substr(0, reply.rfind(' ')) << " ...\n";
  return failed == 0 && listed == 2 ? 0 : 1;
}
