// registry_test.cc: the built-in registry (GeeRPC's protocol on a netrpc server's port), its
// discovery and heartbeats, end to end with an XClient over real 127.0.0.1 servers: balancers,
// failover, joins and leaves, Broadcast and Fork through the registry.
#include <gtest/gtest.h>
#include <netrpc/netrpc.h>
#include <netrpc/registry.h>
#include <netrpc/xclient.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "run_go.h"
#include "xclient/http_request.h"

namespace {

using namespace std::chrono_literals;

// Host is a netrpc server that answers Who.Name with its name and may host a registry.
class Host {
 public:
  explicit Host(std::string name) : name_(std::move(name)) {
    EXPECT_FALSE(server_.RegisterFunc("Who.Name", [this](int64_t, std::string* reply) {
      *reply = name_;
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server_.Listen("tcp", "127.0.0.1:0"));
  }
  netrpc::Server& server() { return server_; }
  std::string Endpoint() const { return "tcp@" + server_.Address(); }
  std::string RegistryUrl() const {
    return "http://" + server_.Address() + std::string(netrpc::DefaultRegistryPath);
  }

 private:
  std::string name_;
  netrpc::Server server_;
};

netrpc::xclient::HttpAnswer Ask(const std::string& method, const std::string& url,
                                std::vector<std::pair<std::string, std::string>> header = {}) {
  auto a = netrpc::xclient::HttpRequest(method, url, header, 2000ms);
  EXPECT_TRUE(a.ok()) << a.error();
  return a.ok() ? *a : netrpc::xclient::HttpAnswer{};
}

TEST(Registry, SpeaksGeeRpcsProtocolOnTheRpcPort) {
  Host host("h");
  netrpc::Registry registry;
  ASSERT_FALSE(registry.HandleHTTP(host.server()));
  std::string url = host.RegistryUrl();
  EXPECT_EQ(Ask("GET", url).Header("X-Geerpc-Servers"), "");
  EXPECT_EQ(Ask("POST", url, {{"X-Geerpc-Server", "tcp@127.0.0.1:9002"}}).status, 200);
  EXPECT_EQ(Ask("POST", url, {{"X-Geerpc-Server", "tcp@127.0.0.1:9001"}}).status, 200);
  EXPECT_EQ(Ask("POST", url, {{"X-Geerpc-Server", "tcp@127.0.0.1:9001"}}).status, 200);  // renew
  auto got = Ask("GET", url);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.Header("X-Geerpc-Servers"), "tcp@127.0.0.1:9001,tcp@127.0.0.1:9002");
  EXPECT_EQ(Ask("POST", url).status, 400);  // no X-Geerpc-Server
  EXPECT_EQ(Ask("POST", url, {{"X-Geerpc-Server", "tcp@a:1,tcp@b:2"}}).status, 400);
  // The RPC port still serves RPC.
  auto c = netrpc::Dial("tcp", host.Endpoint().substr(4));
  ASSERT_TRUE(c.ok());
  std::string who;
  EXPECT_FALSE(c->Call("Who.Name", int64_t{0}, &who));
  EXPECT_EQ(who, "h");
}

TEST(Registry, ServersExpireAfterTheTtl) {
  netrpc::Registry registry({.ttl = 200ms});
  EXPECT_FALSE(registry.Put("tcp@127.0.0.1:1"));
  EXPECT_EQ(registry.Alive(), std::vector<std::string>{"tcp@127.0.0.1:1"});
  std::this_thread::sleep_for(120ms);
  EXPECT_FALSE(registry.Put("tcp@127.0.0.1:2"));
  std::this_thread::sleep_for(120ms);  // 1 is 240 ms old, 2 is 120 ms old
  EXPECT_EQ(registry.Alive(), std::vector<std::string>{"tcp@127.0.0.1:2"});
}

TEST(Registry, AFullRegistryRefusesNewServers) {
  Host host("h");
  netrpc::Registry registry({.max_servers = 3});
  ASSERT_FALSE(registry.HandleHTTP(host.server()));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(registry.Put("tcp@127.0.0.1:" + std::to_string(i)));
  netrpc::Error err = registry.Put("tcp@127.0.0.1:9");
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kTooLarge);
  EXPECT_EQ(err.message(), "registry: full (3 servers)");
  EXPECT_FALSE(registry.Put("tcp@127.0.0.1:1"));  // a renewal is no new server
  EXPECT_EQ(Ask("POST", host.RegistryUrl(), {{"X-Geerpc-Server", "tcp@127.0.0.1:9"}}).status, 503);
  EXPECT_EQ(registry.Alive().size(), 3u);
}

TEST(RegistryDiscovery, ServersJoinAndLeaveThroughHeartbeats) {
  Host home("registry");
  netrpc::Registry registry({.ttl = 300ms});
  ASSERT_FALSE(registry.HandleHTTP(home.server()));
  Host a("a"), b("b");
  auto beat_a = netrpc::Heartbeat::Start(home.RegistryUrl(), a.Endpoint(), 50ms);
  ASSERT_TRUE(beat_a.ok()) << beat_a.error();
  auto beat_b = netrpc::Heartbeat::Start(home.RegistryUrl(), b.Endpoint(), 50ms);
  ASSERT_TRUE(beat_b.ok()) << beat_b.error();

  netrpc::RegistryDiscovery discovery(home.RegistryUrl(), 50ms);
  netrpc::XClient xc(discovery, {.select = netrpc::SelectMode::kRoundRobin});
  std::string seq;
  for (int i = 0; i < 4; ++i) {
    std::string who;
    EXPECT_FALSE(xc.Call("Who.Name", int64_t{0}, &who));
    seq += who;
  }
  EXPECT_TRUE(seq == "abab" || seq == "baba") << seq;

  // b stops beating: gone from the registry after the TTL, from the client one poll later.
  beat_b.value().reset();
  auto start = std::chrono::steady_clock::now();
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(20ms);
    auto list = discovery.Endpoints();
    gone = list.ok() && list->size() == 1 && (*list)[0].address == a.Endpoint();
  }
  EXPECT_TRUE(gone);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms + 50ms + 500ms);
  for (int i = 0; i < 4; ++i) {
    std::string who;
    EXPECT_FALSE(xc.Call("Who.Name", int64_t{0}, &who));
    EXPECT_EQ(who, "a");
  }
}

TEST(RegistryDiscovery, AnUnreachableRegistryIsAClearError) {
  Host gone("gone");
  std::string url = gone.RegistryUrl();
  gone.server().Shutdown();
  netrpc::RegistryDiscovery discovery(url, 1000ms);
  auto list = discovery.Endpoints();
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code(), netrpc::ErrorCode::kConnect);
  netrpc::XClient xc(discovery);
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kConnect);
  EXPECT_EQ(err.message().rfind("xclient: discovery: registry 127.0.0.1:", 0), 0u) << err;
  auto beat = netrpc::Heartbeat::Start(url, "tcp@127.0.0.1:1", 1000ms);
  EXPECT_EQ(beat.error().code(), netrpc::ErrorCode::kConnect);
  EXPECT_EQ(netrpc::RegistryDiscovery("ftp://x/", 1000ms).Endpoints().error().message(),
            "registry url \"ftp://x/\": want http://host:port/path");
}

TEST(RegistryDiscovery, MalformedAddressesAreSkippedAndReported) {
  Host home("registry");
  netrpc::Registry registry;
  ASSERT_FALSE(registry.HandleHTTP(home.server()));
  ASSERT_FALSE(registry.Put("tcp@127.0.0.1:7"));
  ASSERT_FALSE(registry.Put("127.0.0.1:8"));  // GeeRPC would take it; XDial would refuse it
  netrpc::RegistryDiscovery discovery(home.RegistryUrl(), 1000ms);
  netrpc::Error err = discovery.Refresh();
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kProtocol);
  EXPECT_NE(err.message().find("\"127.0.0.1:8\" is not proto@addr"), std::string::npos) << err;
  auto list = discovery.Endpoints();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<netrpc::Endpoint>{"tcp@127.0.0.1:7"});
}

// Cluster is a registry and servers that keep themselves on it with heartbeats every 50 ms,
// and a discovery that polls it every 50 ms: the registry route of issue 15's test list.
class Cluster {
 public:
  explicit Cluster(std::chrono::milliseconds ttl) : registry_({.ttl = ttl}) {
    EXPECT_FALSE(registry_.HandleHTTP(home_.server()));
  }
  // Join starts a server named name and its heartbeat; it returns the server.
  Host& Join(const std::string& name) {
    hosts_[name] = std::make_unique<Host>(name);
    auto beat = netrpc::Heartbeat::Start(home_.RegistryUrl(), hosts_[name]->Endpoint(), 50ms);
    EXPECT_TRUE(beat.ok()) << beat.error();
    if (beat.ok()) beats_[name] = std::move(*beat);
    return *hosts_[name];
  }
  // Kill stops name's heartbeat and shuts the server down, as a crash would.
  void Kill(const std::string& name) {
    beats_.erase(name);
    hosts_[name]->server().Shutdown();
  }
  std::string Url() const { return home_.RegistryUrl(); }

 private:
  Host home_{"registry"};
  netrpc::Registry registry_;
  std::map<std::string, std::unique_ptr<Host>> hosts_;
  std::map<std::string, std::unique_ptr<netrpc::Heartbeat>> beats_;
};

// Listed waits up to 2 s for discovery to list n servers; it returns how long that took.
std::chrono::milliseconds Listed(netrpc::RegistryDiscovery& discovery, size_t n) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 400; ++i) {
    auto list = discovery.Endpoints();
    if (list.ok() && list->size() == n) break;
    std::this_thread::sleep_for(5ms);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

std::string Name(netrpc::XClient& xc, netrpc::XCallOptions options = {}) {
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who, options);
  EXPECT_FALSE(err) << err;
  return who;
}

TEST(RegistryCluster, EveryBalancerSpreadsOverFourServersFromTheRegistry) {
  Cluster cluster(5s);
  for (const char* n : {"a", "b", "c", "d"}) cluster.Join(n);
  netrpc::RegistryDiscovery discovery(cluster.Url(), 50ms);
  ASSERT_EQ(discovery.Endpoints()->size(), 4u);
  using Counts = std::map<std::string, int>;
  const Counts even{{"a", 100}, {"b", 100}, {"c", 100}, {"d", 100}};
  auto run = [&](netrpc::SelectMode mode, bool keyed) {
    netrpc::XClient xc(discovery, {.select = mode});
    Counts count;
    for (int i = 0; i < 400; ++i) {
      ++count[Name(xc, {.hash_key = keyed ? "user-" + std::to_string(i) : ""})];
    }
    return count;
  };
  // Round-robin and smooth weighted round-robin (the registry carries no weights: all 1) are
  // exact; random and consistent hash are within a stated tolerance of 100 each.
  EXPECT_EQ(run(netrpc::SelectMode::kRoundRobin, false), even);
  EXPECT_EQ(run(netrpc::SelectMode::kWeightedRoundRobin, false), even);
  Counts random = run(netrpc::SelectMode::kRandom, false);
  for (auto& [name, n] : random) {
    // binomial(400, 1/4): sd 8.7, so 100 +- 45 is beyond 5 sd.
    EXPECT_GT(n, 55) << name;
    EXPECT_LT(n, 145) << name;
  }
  EXPECT_EQ(random.size(), 4u);
  Counts hashed = run(netrpc::SelectMode::kConsistentHash, true);
  for (auto& [name, n] : hashed) {
    // 160 points per server on the ring: every server holds between 40% and 180% of its share.
    EXPECT_GT(n, 40) << name;
    EXPECT_LT(n, 180) << name;
  }
  EXPECT_EQ(hashed.size(), 4u);
  // Least outstanding, with calls 8 at a time: each server has 2 of each batch in flight.
  netrpc::XClient xc(discovery, {.select = netrpc::SelectMode::kLeastOutstanding});
  Counts least;
  for (int batch = 0; batch < 5; ++batch) {
    std::vector<std::string> who(8);
    std::vector<std::shared_ptr<netrpc::Call>> calls;
    for (auto& w : who) calls.push_back(xc.Go("Who.Name", int64_t{0}, &w));
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_FALSE(calls[i]->Wait());
      ++least[who[i]];
    }
  }
  for (auto& [name, n] : least) {
    EXPECT_GE(n, 5) << name;  // 10 each when no call ends before the batch is sent
    EXPECT_LE(n, 15) << name;
  }
  EXPECT_EQ(least.size(), 4u);
}

TEST(RegistryCluster, AServerKilledMidRunFailsNoCallUnderFailover) {
  Cluster cluster(300ms);
  for (const char* n : {"a", "b", "c"}) cluster.Join(n);
  netrpc::RegistryDiscovery discovery(cluster.Url(), 50ms);
  netrpc::XClient xc(discovery, {.select = netrpc::SelectMode::kRoundRobin,
                                 .fail = netrpc::FailMode::kFailover,
                                 .idempotent_methods = {"Who.Name"}});
  int failed = 0;
  std::map<std::string, int> count;
  for (int i = 0; i < 300; ++i) {
    if (i == 60) cluster.Kill("b");
    std::string who;
    if (xc.Call("Who.Name", int64_t{i}, &who)) {
      ++failed;
    } else {
      ++count[who];
    }
    if (i % 10 == 0) std::this_thread::sleep_for(5ms);  // the run outlasts b's TTL
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(count["b"], 20);  // its turns until it died, and none after
  EXPECT_EQ(count["a"] + count["c"], 280);
  // b has left the registry, and the client's list, by now.
  EXPECT_LT(Listed(discovery, 2), 1000ms);
}

TEST(RegistryCluster, AJoinAndALeaveAreSeenWithinTheStatedTime) {
  // The bounds: a join within one poll (50 ms) and a leave within the TTL and a poll
  // (300 + 50 ms), each with 500 ms to spare for a loaded machine.
  Cluster cluster(300ms);
  cluster.Join("a");
  cluster.Join("b");
  netrpc::RegistryDiscovery discovery(cluster.Url(), 50ms);
  netrpc::XClient xc(discovery, {.select = netrpc::SelectMode::kRoundRobin});
  std::string seq;
  for (int i = 0; i < 4; ++i) seq += Name(xc);
  EXPECT_TRUE(seq == "abab" || seq == "baba") << seq;

  cluster.Join("c");
  EXPECT_LT(Listed(discovery, 3), 50ms + 500ms);
  std::map<std::string, int> count;
  for (int i = 0; i < 6; ++i) ++count[Name(xc)];
  EXPECT_EQ(count, (std::map<std::string, int>{{"a", 2}, {"b", 2}, {"c", 2}}));

  cluster.Kill("a");
  EXPECT_LT(Listed(discovery, 2), 300ms + 50ms + 500ms);
  count.clear();
  for (int i = 0; i < 6; ++i) ++count[Name(xc)];
  EXPECT_EQ(count, (std::map<std::string, int>{{"b", 3}, {"c", 3}}));
}

TEST(RegistryCluster, BroadcastAndForkReachEveryListedServer) {
  Cluster cluster(5s);
  for (const char* n : {"a", "b", "c", "d", "e"}) cluster.Join(n);
  netrpc::RegistryDiscovery discovery(cluster.Url(), 50ms);
  netrpc::XClient xc(discovery);
  std::string who;
  std::vector<netrpc::EndpointError> outcomes;
  EXPECT_FALSE(xc.Broadcast("Who.Name", int64_t{0}, &who, {}, &outcomes));
  EXPECT_EQ(outcomes.size(), 5u);
  for (auto& o : outcomes) EXPECT_FALSE(o.error) << o.endpoint;
  EXPECT_EQ(who.size(), 1u);
  EXPECT_NE(std::string("abcde").find(who), std::string::npos) << who;

  cluster.Kill("c");  // c is still listed (TTL 5 s): Broadcast names it, Fork still succeeds
  outcomes.clear();
  netrpc::Error err = xc.Broadcast("Who.Name", int64_t{0}, &who, {}, &outcomes);
  EXPECT_EQ(err.message().rfind("xclient: broadcast: 1 of 5 endpoints failed: ", 0), 0u) << err;
  int failed = 0;
  for (auto& o : outcomes) failed += o.error ? 1 : 0;
  EXPECT_EQ(failed, 1);
  who.clear();
  EXPECT_FALSE(xc.Fork("Who.Name", int64_t{0}, &who));
  EXPECT_NE(std::string("abde").find(who), std::string::npos) << who;
  EXPECT_EQ(who.size(), 1u);
}

// A Go program using GeeRPC's registry protocol registers with netrpc's registry and reads
// the list back (tests/interop/go/geeregistry, run here).
TEST(Registry, GoSpeakingGeeRpcsProtocolRegistersAndDiscovers) {
  Host home("registry");
  netrpc::Registry registry;
  ASSERT_FALSE(registry.HandleHTTP(home.server()));
  ASSERT_FALSE(registry.Put("tcp@127.0.0.1:7001"));
  int status = -1;
  std::string out = testgo::RunGo(
      "geeregistry", "-registry " + home.RegistryUrl() + " -server tcp@127.0.0.1:7002", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "servers=tcp@127.0.0.1:7001,tcp@127.0.0.1:7002\n");
  EXPECT_EQ(registry.Alive(),
            (std::vector<std::string>{"tcp@127.0.0.1:7001", "tcp@127.0.0.1:7002"}));
}

}  // namespace
