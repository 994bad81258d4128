// registry_test.cc: the built-in registry (GeeRPC's protocol on a netrpc server's port), its
// discovery and heartbeats, end to end with an XClient over real 127.0.0.1 servers.
#include <gtest/gtest.h>
#include <netrpc/netrpc.h>
#include <netrpc/registry.h>
#include <netrpc/xclient.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
