// xclient_test.cc: XClient over several real netrpc servers on 127.0.0.1 in this process: each
// balancer's choices, each fail mode, Broadcast and Fork (and their concurrent dials), Go,
// pooling, set-aside and draining.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netrpc/asio.h>
#include <netrpc/netrpc.h>
#include <netrpc/xclient.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Node is one server; its handlers answer with its name, so a test sees where a call went.
class Node {
 public:
  explicit Node(std::string name, std::string address = "127.0.0.1:0") : name_(std::move(name)) {
    server_ = std::make_unique<netrpc::Server>();
    EXPECT_FALSE(server_->RegisterFunc("Who.Name", [this](int64_t, std::string* reply) {
      calls_.fetch_add(1);
      *reply = name_;
      return netrpc::Error{};
    }));
    // Slow waits delay_ms_ (this node's), then answers; in_flight_ says it is running.
    EXPECT_FALSE(server_->RegisterFunc("Who.Slow", [this](int64_t, std::string* reply) {
      in_flight_.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
      in_flight_.fetch_sub(1);
      *reply = name_;
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server_->RegisterFunc("Who.Maybe", [this](int64_t, std::string* reply) {
      if (failing_.load()) return netrpc::Error("node " + name_ + " is failing");
      *reply = name_;
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server_->Listen("tcp", address));
  }
  ~Node() { Kill(); }
  std::string Endpoint() const { return "tcp@" + server_->Address(); }
  const std::string& name() const { return name_; }
  void Kill() {
    if (server_) server_->Shutdown();
  }
  int calls() const { return calls_.load(); }
  int in_flight() const { return in_flight_.load(); }
  void SetDelay(int ms) { delay_ms_ = ms; }
  void SetFailing(bool f) { failing_ = f; }

 private:
  std::string name_;
  std::unique_ptr<netrpc::Server> server_;
  std::atomic<int> calls_{0}, in_flight_{0}, delay_ms_{0};
  std::atomic<bool> failing_{false};
};

// Slammer accepts TCP connections and closes each once the client has written to it: a
// server that dies after the request was sent. Its loop is bounded by its stop flag and polls.
class Slammer {
 public:
  Slammer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) <= 0) continue;
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        pollfd q{c, POLLIN, 0};
        for (int i = 0; i < 100 && !stop_ && poll(&q, 1, 20) == 0; ++i) {
          q.revents = 0;
        }
        char sink[4096];
        if (q.revents & POLLIN) (void)!read(c, sink, sizeof sink);  // a FIN, not a reset
        accepted_.fetch_add(1);
        close(c);
      }
    });
  }
  ~Slammer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string Endpoint() const { return "tcp@127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// Silent accepts TCP connections and never writes a byte: an http@ endpoint whose dial (the
// CONNECT handshake) never finishes. It records how many calls the nodes it watches had
// completed when the client gave up and closed the connection, which orders the two events.
class Silent {
 public:
  explicit Silent(std::vector<const Node*> watched) : watched_(std::move(watched)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = -1;
      for (int i = 0; i < 1500 && !stop_ && c < 0; ++i) {  // 30 s at most
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) c = accept(fd_, nullptr, nullptr);
      }
      if (c < 0) return;
      accepted_ = true;
      char sink[4096];
      for (int i = 0; i < 1500 && !stop_; ++i) {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 20) <= 0) continue;
        if (read(c, sink, sizeof sink) > 0) continue;  // the CONNECT request: no answer
        int done = 0;
        for (const Node* n : watched_) done += n->calls();
        calls_when_closed_ = done;
        break;
      }
      close(c);
    });
  }
  ~Silent() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string Endpoint() const { return "http@127.0.0.1:" + std::to_string(port_); }
  bool accepted() const { return accepted_.load(); }
  // calls_when_closed is -1 while the client holds the connection open.
  int calls_when_closed() const { return calls_when_closed_.load(); }

 private:
  std::vector<const Node*> watched_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false}, accepted_{false};
  std::atomic<int> calls_when_closed_{-1};
  std::thread thread_;
};

// DeadEndpoint is a 127.0.0.1 port nothing listens on: a server's, after it shut down.
std::string DeadEndpoint() {
  Node n("dead");
  std::string e = n.Endpoint();
  n.Kill();
  return e;
}

std::unique_ptr<netrpc::StaticDiscovery> Discover(const std::vector<netrpc::Endpoint>& list) {
  auto d = std::make_unique<netrpc::StaticDiscovery>();
  EXPECT_FALSE(d->Update(list));
  return d;
}

// Reaches waits up to 1 s for n to reach want, and says whether it is exactly want then: as
// with Client::Go, Wait may return before the done callback has run.
bool Reaches(const std::atomic<int>& n, int want) {
  for (int i = 0; i < 500 && n.load() < want; ++i) std::this_thread::sleep_for(2ms);
  std::this_thread::sleep_for(10ms);  // and no second run
  return n.load() == want;
}

std::string Name(netrpc::XClient& xc, netrpc::XCallOptions o = {}) {
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who, o);
  EXPECT_FALSE(err) << err;
  return who;
}

TEST(Endpoint, ParsesGeeRpcsProtoAtAddr) {
  auto tcp = netrpc::ParseEndpoint("tcp@127.0.0.1:8001");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->network, "tcp");
  EXPECT_EQ(tcp->address, "127.0.0.1:8001");
  EXPECT_FALSE(tcp->gee_http);
  auto unix_ep = netrpc::ParseEndpoint("unix@/tmp/x.sock");
  ASSERT_TRUE(unix_ep.ok());
  EXPECT_EQ(unix_ep->network, "unix");
  EXPECT_EQ(unix_ep->address, "/tmp/x.sock");
  auto http = netrpc::ParseEndpoint("http@[::1]:9");
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->network, "tcp");
  EXPECT_EQ(http->address, "[::1]:9");
  EXPECT_TRUE(http->gee_http);

  EXPECT_EQ(netrpc::ParseEndpoint("127.0.0.1:8001").error().message(),
            "xclient: endpoint \"127.0.0.1:8001\" is not proto@addr (tcp@, unix@, http@ or tls@)");
  EXPECT_EQ(netrpc::ParseEndpoint("tcp@").error().message(),
            "xclient: endpoint \"tcp@\" has no address after '@'");
  auto bad = netrpc::ParseEndpoint("quic@1.2.3.4:5");
  EXPECT_EQ(bad.error().code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(bad.error().message(),
            "xclient: unknown endpoint scheme \"quic\" in \"quic@1.2.3.4:5\" (want tcp@, tcp4@, "
            "tcp6@, unix@, http@ or tls@)");
}

TEST(StaticDiscovery, RejectsABadListAndKeepsTheOld) {
  netrpc::StaticDiscovery d;
  EXPECT_FALSE(d.Update({"tcp@127.0.0.1:1"}));
  EXPECT_EQ(d.Version(), 1u);
  EXPECT_TRUE(d.Update({"tcp@127.0.0.1:2", "ftp@x"}));
  EXPECT_EQ(d.Version(), 1u);
  EXPECT_EQ(*d.Endpoints(), std::vector<netrpc::Endpoint>{"tcp@127.0.0.1:1"});
}

TEST(XClient, NoEndpointsIsAnError) {
  netrpc::StaticDiscovery d;
  netrpc::XClient xc(d);
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(err.message(), "xclient: no endpoints in discovery");
  EXPECT_EQ(xc.Broadcast("Who.Name", int64_t{0}, &who).message(),
            "xclient: no endpoints in discovery");
}

TEST(XClient, ArgsAreTakenAsClientCallTakesThem) {
  netrpc::Server server;
  ASSERT_FALSE(server.RegisterFunc("Echo.Say", [](const std::string& s, std::string* reply) {
    *reply = "said " + s;
    return netrpc::Error{};
  }));
  ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  auto d = Discover({"tcp@" + server.Address()});
  netrpc::XClient xc(*d);
  std::string reply;
  EXPECT_FALSE(xc.Call("Echo.Say", "literal", &reply));
  EXPECT_EQ(reply, "said literal");
  std::string text = "pointed";
  EXPECT_FALSE(xc.Call("Echo.Say", &text, &reply));  // Go's &args
  EXPECT_EQ(reply, "said pointed");
  const std::string* none = nullptr;
  netrpc::Error err = xc.Call("Echo.Say", none, &reply);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(err.message(), "netrpc: the args of Echo.Say are a null pointer");
  EXPECT_FALSE(xc.Broadcast("Echo.Say", "to all", &reply));
  EXPECT_EQ(reply, "said to all");

  // Go copies them: the buffer and the string may change or go before the call is sent.
  std::string reply1, reply2;
  std::shared_ptr<netrpc::Call> c1, c2;
  {
    char buffer[16] = "buffer";
    std::string later = "copied";
    c1 = xc.Go("Echo.Say", buffer, &reply1);
    c2 = xc.Go("Echo.Say", &later, &reply2);
    buffer[0] = 'X';
    later = "changed";
  }
  EXPECT_FALSE(c1->Wait());
  EXPECT_FALSE(c2->Wait());
  EXPECT_EQ(reply1, "said buffer");
  EXPECT_EQ(reply2, "said copied");
  EXPECT_EQ(xc.Go("Echo.Say", none, &reply)->error().message(),
            "netrpc: the args of Echo.Say are a null pointer");
}

TEST(Balancer, RoundRobinGoesInDiscoveryOrder) {
  Node a("a"), b("b"), c("c");
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin});
  std::string seq;
  for (int i = 0; i < 9; ++i) seq += Name(xc);
  EXPECT_EQ(seq, "abcabcabc");
}

TEST(Balancer, RandomSpreadsEvenly) {
  Node a("a"), b("b"), c("c");
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRandom});
  std::map<std::string, int> count;
  for (int i = 0; i < 600; ++i) ++count[Name(xc)];
  // 200 expected each; a binomial(600, 1/3) is outside 200 +- 60 with odds below 1e-6.
  for (const char* n : {"a", "b", "c"}) {
    EXPECT_GT(count[n], 140) << n;
    EXPECT_LT(count[n], 260) << n;
  }
}

TEST(Balancer, SmoothWeightedRoundRobinIsNginxs) {
  Node a("a"), b("b"), c("c");
  auto d = Discover({{a.Endpoint(), 5}, {b.Endpoint(), 1}, {c.Endpoint(), 1}});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kWeightedRoundRobin});
  std::string seq;
  for (int i = 0; i < 14; ++i) seq += Name(xc);
  // nginx's own example for weights 5, 1, 1 (ngx_http_upstream_round_robin.c's comment).
  EXPECT_EQ(seq, "aabacaaaabacaa");
}

TEST(Balancer, ConsistentHashIsStablePerKeyAndMovesOnlyTheLeaversKeys) {
  Node a("a"), b("b"), c("c"), e("e");
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint(), e.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kConsistentHash});
  constexpr int kKeys = 400;
  std::vector<std::string> before(kKeys);
  std::map<std::string, int> count;
  for (int k = 0; k < kKeys; ++k) {
    before[k] = Name(xc, {.hash_key = "user-" + std::to_string(k)});
    ++count[before[k]];
    EXPECT_EQ(Name(xc, {.hash_key = "user-" + std::to_string(k)}), before[k]);
  }
  for (const char* n : {"a", "b", "c", "e"}) {  // 100 expected each
    EXPECT_GT(count[n], 40) << n;
    EXPECT_LT(count[n], 180) << n;
  }
  ASSERT_FALSE(d->Update({a.Endpoint(), b.Endpoint(), e.Endpoint()}));  // c leaves
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    std::string now = Name(xc, {.hash_key = "user-" + std::to_string(k)});
    if (before[k] == "c") {
      ++moved;
      EXPECT_NE(now, "c");
    } else {
      EXPECT_EQ(now, before[k]) << "key " << k << " moved though its endpoint stayed";
    }
  }
  EXPECT_EQ(moved, count["c"]);  // exactly c's keys: about 1/4 of them
}

TEST(Balancer, LeastOutstandingPicksTheIdleOne) {
  Node a("a"), b("b");
  a.SetDelay(500);
  b.SetDelay(500);
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kLeastOutstanding});
  std::string slow;
  std::thread busy([&] { EXPECT_FALSE(xc.Call("Who.Slow", int64_t{0}, &slow)); });
  for (int i = 0; i < 200 && a.in_flight() + b.in_flight() == 0; ++i) {
    std::this_thread::sleep_for(2ms);
  }
  std::string idle = a.in_flight() ? "b" : "a";
  for (int i = 0; i < 6; ++i) EXPECT_EQ(Name(xc), idle);
  busy.join();
  EXPECT_NE(slow, idle);
}

TEST(FailMode, FailfastReturnsTheFirstError) {
  Node a("a"), b("b");
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin});
  EXPECT_EQ(Name(xc), "a");
  EXPECT_EQ(Name(xc), "b");
  a.Kill();
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);  // a's turn: a is gone
  EXPECT_TRUE(err.code() == netrpc::ErrorCode::kConnect ||
              err.code() == netrpc::ErrorCode::kShutdown ||
              err.code() == netrpc::ErrorCode::kUnexpectedEof)
      << err;
}

TEST(FailMode, FailoverLosesNoCallWhenAServerDies) {
  Node a("a"), b("b"), c("c");
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin,
                          .fail = netrpc::FailMode::kFailover,
                          .idempotent_methods = {"Who.Name"}});
  int failed = 0;
  std::map<std::string, int> count;
  for (int i = 0; i < 60; ++i) {
    if (i == 20) b.Kill();
    std::string who;
    if (xc.Call("Who.Name", int64_t{i}, &who)) {
      ++failed;
    } else {
      ++count[who];
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(count["a"] + count["c"], 60 - count["b"]);
  EXPECT_LE(count["b"], 7);  // b took its turns until it died, then none
}

TEST(FailMode, FailoverRetriesAfterSendOnlyForIdempotentMethods) {
  Node a("a");
  Slammer dies;  // reads the request, then hangs up
  auto d = Discover({dies.Endpoint(), a.Endpoint()});
  netrpc::XClientOptions plain{.select = netrpc::SelectMode::kRoundRobin,
                               .fail = netrpc::FailMode::kFailover};
  {
    netrpc::XClient xc(*d, plain);
    std::string who;
    netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);  // sent, then lost
    EXPECT_EQ(err.code(), netrpc::ErrorCode::kUnexpectedEof) << err;
  }
  netrpc::XClientOptions idem = plain;
  idem.idempotent_methods = {"Who.Name"};
  netrpc::XClient xc(*d, idem);
  std::string who;
  EXPECT_FALSE(xc.Call("Who.Name", int64_t{0}, &who));
  EXPECT_EQ(who, "a");
  EXPECT_GE(dies.accepted(), 2);
}

TEST(FailMode, FailtryRetriesTheSameEndpointWithBackoff) {
  std::string dead = DeadEndpoint();
  auto d = Discover({dead});
  netrpc::XClient xc(*d, {.fail = netrpc::FailMode::kFailtry, .retries = 3, .retry_backoff = 20ms});
  std::string who;
  auto start = Clock::now();
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  auto took = Clock::now() - start;
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kConnect) << err;
  EXPECT_EQ(xc.Dials(), 4u);  // the first try and 3 retries
  EXPECT_GE(took, 20ms + 40ms + 80ms);
  EXPECT_LT(took, 2s);
}

TEST(FailMode, FailtryReachesAServerThatComesBack) {
  std::string dead = DeadEndpoint();
  auto d = Discover({dead});
  netrpc::XClient xc(*d, {.fail = netrpc::FailMode::kFailtry, .retries = 6, .retry_backoff = 20ms});
  std::unique_ptr<Node> back;
  std::thread restart([&] {
    std::this_thread::sleep_for(30ms);
    back = std::make_unique<Node>("back", dead.substr(4));
  });
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  restart.join();
  EXPECT_FALSE(err) << err;
  EXPECT_EQ(who, "back");
  EXPECT_GE(xc.Dials(), 2u);
}

TEST(FailMode, TheDeadlineSpansTheRetries) {
  std::string dead = DeadEndpoint();
  auto d = Discover({dead});
  netrpc::XClient xc(*d,
                     {.fail = netrpc::FailMode::kFailtry, .retries = 100, .retry_backoff = 30ms});
  std::string who;
  auto start = Clock::now();
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who, {.timeout = 150ms});
  auto took = Clock::now() - start;
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kTimeout) << err;
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 400ms);
  EXPECT_LE(xc.Dials(), 4u);  // 0, 30, 90 ms: the 210 ms retry is past the deadline

  // A slow server: the one attempt gets what is left of the deadline.
  Node slow("slow");
  slow.SetDelay(400);
  auto d2 = Discover({slow.Endpoint()});
  netrpc::XClient xc2(*d2,
                      {.fail = netrpc::FailMode::kFailover, .idempotent_methods = {"Who.Slow"}});
  start = Clock::now();
  err = xc2.Call("Who.Slow", int64_t{0}, &who, {.timeout = 100ms});
  EXPECT_EQ(err, netrpc::ErrTimeout);
  EXPECT_LT(Clock::now() - start, 500ms);
}

TEST(FailMode, BackupRequestBeatsASlowServer) {
  Node a("a"), b("b");
  a.SetDelay(600);
  b.SetDelay(0);
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin,
                          .fail = netrpc::FailMode::kFailbackup,
                          .backup_delay = 30ms});
  std::string who;
  auto start = Clock::now();
  EXPECT_FALSE(xc.Call("Who.Slow", int64_t{0}, &who));  // a first, then b after 30 ms
  auto took = Clock::now() - start;
  EXPECT_EQ(who, "b");
  EXPECT_GE(took, 30ms);
  EXPECT_LT(took, 400ms);

  // A fast first reply sends no backup.
  a.SetDelay(0);
  int before = a.calls() + b.calls();
  EXPECT_FALSE(xc.Call("Who.Name", int64_t{0}, &who));
  EXPECT_EQ(a.calls() + b.calls(), before + 1);
}

TEST(Broadcast, AllMustSucceedAndEachErrorIsReported) {
  Node a("a"), b("b"), c("c");
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  std::vector<netrpc::EndpointError> outcomes;
  EXPECT_FALSE(xc.Broadcast("Who.Maybe", int64_t{0}, &who, {}, &outcomes));
  EXPECT_TRUE(who == "a" || who == "b" || who == "c") << who;
  ASSERT_EQ(outcomes.size(), 3u);
  for (auto& o : outcomes) EXPECT_FALSE(o.error) << o.endpoint;

  b.SetFailing(true);
  c.SetFailing(true);
  outcomes.clear();
  netrpc::Error err = xc.Broadcast("Who.Maybe", int64_t{0}, &who, {}, &outcomes);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kServerError);
  EXPECT_EQ(err.message(), "xclient: broadcast: 2 of 3 endpoints failed: " + b.Endpoint() +
                               ": node b is failing; " + c.Endpoint() + ": node c is failing");
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_FALSE(outcomes[0].error);
  EXPECT_EQ(outcomes[1].error, netrpc::ServerError("node b is failing"));
  EXPECT_EQ(outcomes[2].endpoint, c.Endpoint());
}

TEST(Fork, TheFirstSuccessWins) {
  Node a("a"), b("b"), c("c");
  a.SetDelay(500);
  b.SetDelay(10);
  c.SetDelay(500);
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  std::vector<netrpc::EndpointError> outcomes;
  auto start = Clock::now();
  EXPECT_FALSE(xc.Fork("Who.Slow", int64_t{0}, &who, {}, &outcomes));
  EXPECT_LT(Clock::now() - start, 400ms);
  EXPECT_EQ(who, "b");
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].error, netrpc::ErrCanceled);
  EXPECT_FALSE(outcomes[1].error);

  for (Node* n : {&a, &b, &c}) n->SetFailing(true);
  netrpc::Error err = xc.Fork("Who.Maybe", int64_t{0}, &who);
  EXPECT_EQ(err.message(), "xclient: fork: 3 of 3 endpoints failed: " + a.Endpoint() +
                               ": node a is failing; " + b.Endpoint() + ": node b is failing; " +
                               c.Endpoint() + ": node c is failing");
}

TEST(Broadcast, DialsItsEndpointsConcurrently) {
  Node a("a"), b("b");
  Silent silent({&a, &b});  // first in the list: a sequential dial would wait for it first
  auto d = Discover({silent.Endpoint(), a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  std::vector<netrpc::EndpointError> outcomes;
  netrpc::Error err = xc.Broadcast("Who.Name", int64_t{0}, &who, {.timeout = 300ms}, &outcomes);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_FALSE(outcomes[1].error) << outcomes[1].error;
  EXPECT_FALSE(outcomes[2].error) << outcomes[2].error;
  // The silent endpoint's dial ends with the deadline: as the dial's own timeout (kConnect)
  // or the call's (kTimeout), whichever fires first at that instant.
  auto code = outcomes[0].error.code();
  EXPECT_TRUE(code == netrpc::ErrorCode::kConnect || code == netrpc::ErrorCode::kTimeout)
      << outcomes[0].error;
  EXPECT_EQ(err.message().rfind(
                "xclient: broadcast: 1 of 3 endpoints failed: " + silent.Endpoint() + ": ", 0),
            0u)
      << err;
  EXPECT_EQ(who, "");  // a failed Broadcast leaves the reply alone
  // The order of events: a's and b's calls were both done before the client gave up on the
  // silent dial and closed it. Dialed one after another, neither would have been called.
  for (int i = 0; i < 500 && silent.calls_when_closed() < 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_TRUE(silent.accepted());
  EXPECT_EQ(silent.calls_when_closed(), 2);
}

TEST(Fork, ASilentEndpointDelaysNoOther) {
  Node a("a"), b("b");
  Silent silent({&a, &b});
  auto d = Discover({silent.Endpoint(), a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  std::vector<netrpc::EndpointError> outcomes;
  EXPECT_FALSE(xc.Fork("Who.Name", int64_t{0}, &who, {.timeout = 5s}, &outcomes));
  EXPECT_TRUE(who == "a" || who == "b") << who;
  // Fork had its winner while the silent dial was still waiting on its handshake.
  EXPECT_EQ(silent.calls_when_closed(), -1);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].error, netrpc::ErrCanceled);  // still dialing when the winner came
}

TEST(Go, ReturnsAtOnceAndWaitGivesTheReply) {
  Node a("a");
  a.SetDelay(300);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  std::atomic<int> done_runs{0};
  auto call = xc.Go("Who.Slow", int64_t{0}, &who, {},
                    [&](netrpc::Call& c) { done_runs += c.error() ? 100 : 1; });
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->ServiceMethod(), "Who.Slow");
  EXPECT_FALSE(call->Done());  // the server is still sleeping
  EXPECT_EQ(who, "");
  EXPECT_FALSE(call->Wait());
  EXPECT_TRUE(call->Done());
  EXPECT_FALSE(call->error());
  EXPECT_EQ(who, "a");
  EXPECT_TRUE(Reaches(done_runs, 1));
}

TEST(Go, ManyCallsInFlightSpreadAsTheBalancerSays) {
  Node a("a"), b("b"), c("c");
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin});
  constexpr int kCalls = 30;
  std::vector<std::string> replies(kCalls);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  std::atomic<int> completed{0};
  for (int i = 0; i < kCalls; ++i) {
    int64_t args = i;  // copied by Go: it may go out of scope at once
    calls.push_back(xc.Go("Who.Name", args, &replies[i], {}, [&](netrpc::Call&) { ++completed; }));
  }
  std::map<std::string, int> count;
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_FALSE(calls[i]->Wait()) << i;
    ++count[replies[i]];
  }
  EXPECT_TRUE(Reaches(completed, kCalls));
  EXPECT_EQ(count, (std::map<std::string, int>{{"a", 10}, {"b", 10}, {"c", 10}}));
}

TEST(Go, FailsOverAsCallDoes) {
  std::string dead = DeadEndpoint();
  Node a("a");
  auto d = Discover({dead, a.Endpoint()});
  netrpc::XClient xc(
      *d, {.select = netrpc::SelectMode::kRoundRobin, .fail = netrpc::FailMode::kFailover});
  std::string who;
  auto call = xc.Go("Who.Name", int64_t{0}, &who);
  EXPECT_FALSE(call->Wait());
  EXPECT_EQ(who, "a");
  EXPECT_EQ(xc.Dials(), 2u);  // the dead one, then a
}

TEST(Go, TheDeadlineCountsFromGo) {
  Node a("a");
  a.SetDelay(500);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who = "untouched";
  std::atomic<int> done_runs{0};
  auto call =
      xc.Go("Who.Slow", int64_t{0}, &who, {.timeout = 50ms}, [&](netrpc::Call&) { ++done_runs; });
  EXPECT_EQ(call->Wait(), netrpc::ErrTimeout);
  EXPECT_EQ(call->error(), netrpc::ErrTimeout);
  for (int i = 0; i < 100 && a.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(20ms);  // the late reply, had it been kept, would be here now
  EXPECT_EQ(who, "untouched");
  EXPECT_TRUE(Reaches(done_runs, 1));
}

TEST(Go, CancelEndsTheCallAndKeepsTheReplyUntouched) {
  Node a("a");
  a.SetDelay(200);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who = "untouched";
  std::atomic<int> done_runs{0};
  auto call = xc.Go("Who.Slow", int64_t{0}, &who, {}, [&](netrpc::Call&) { ++done_runs; });
  for (int i = 0; i < 200 && a.in_flight() == 0; ++i) std::this_thread::sleep_for(2ms);
  call->Cancel();
  EXPECT_TRUE(call->Done());
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);
  call->Cancel();  // no effect once done
  for (int i = 0; i < 100 && a.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(who, "untouched");
  EXPECT_TRUE(Reaches(done_runs, 1));
  EXPECT_EQ(call->error(), netrpc::ErrCanceled);
}

TEST(Go, CloseFailsCallsInFlight) {
  Node a("a");
  a.SetDelay(300);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  auto call = xc.Go("Who.Slow", int64_t{0}, &who);
  for (int i = 0; i < 200 && a.in_flight() == 0; ++i) std::this_thread::sleep_for(2ms);
  xc.Close();
  EXPECT_EQ(call->Wait(), netrpc::ErrShutdown);
  EXPECT_EQ(xc.Go("Who.Name", int64_t{0}, &who)->Wait(), netrpc::ErrShutdown);
}

TEST(Go, ErrorsFoundAtOnceCompleteTheCallAtOnce) {
  netrpc::StaticDiscovery empty;
  netrpc::XClient xc(empty);
  std::string who;
  int done_runs = 0;
  auto call = xc.Go("Who.Name", int64_t{0}, &who, {}, [&](netrpc::Call&) { ++done_runs; });
  EXPECT_TRUE(call->Done());
  EXPECT_EQ(done_runs, 1);  // on this thread, before Go returned
  EXPECT_EQ(call->error().code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(call->error().message(), "xclient: no endpoints in discovery");
}

TEST(Go, ADoneCallbackMayStartTheNextCall) {
  Node a("a"), b("b");
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin});
  std::string first, second;
  std::shared_ptr<netrpc::Call> next;
  std::mutex mu;
  std::condition_variable cv;
  auto call = xc.Go("Who.Name", int64_t{0}, &first, {}, [&](netrpc::Call&) {
    // On the XClient's loop: Go does not block, so it may run here; Call would be kUsage.
    std::string ignored;
    netrpc::Error blocked = xc.Call("Who.Name", int64_t{0}, &ignored);
    auto n = xc.Go("Who.Name", int64_t{1}, &second);
    std::lock_guard lock(mu);
    EXPECT_EQ(blocked.code(), netrpc::ErrorCode::kUsage);
    next = n;
    cv.notify_all();
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return next != nullptr; }));
  }
  EXPECT_FALSE(call->Wait());
  EXPECT_FALSE(next->Wait());
  EXPECT_EQ(first + second, "ab");
}

TEST(AsyncCall, AwaitsTheReplyInACoroutine) {
  Node a("a"), b("b");
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  // io before xc: the XClient's loop thread posts the resumption to io, and ~XClient joins
  // that thread, so io must outlive it (TSan).
  boost::asio::io_context io;
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin});
  auto result = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<std::string> {
        std::string seq;
        for (int i = 0; i < 4; ++i) {
          std::string who;
          netrpc::Error err = co_await xc.AsyncCall("Who.Name", int64_t{i}, &who);
          seq += err ? "!" : who;
        }
        co_return seq;
      },
      boost::asio::use_future);
  io.run();  // this thread runs the coroutine; the XClient's loop runs the calls
  EXPECT_EQ(result.get(), "abab");
}

TEST(AsyncCall, CancellingTheAwaitCancelsTheCall) {
  Node a("a");
  a.SetDelay(300);
  auto d = Discover({a.Endpoint()});
  boost::asio::io_context io;  // before xc, as above
  netrpc::XClient xc(*d);
  std::string who = "untouched";
  auto result = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<netrpc::Error> {
        using namespace boost::asio::experimental::awaitable_operators;
        boost::asio::steady_timer timer(io, 20ms);
        // A named XCallOptions, not a temporary in the co_await expression (see AsyncCall).
        netrpc::XCallOptions options{.timeout = 5s};
        auto winner = co_await (xc.AsyncCall("Who.Slow", int64_t{0}, &who, options) ||
                                timer.async_wait(boost::asio::use_awaitable));
        co_return winner.index() == 1 ? netrpc::ErrCanceled : std::get<0>(winner);
      },
      boost::asio::use_future);
  io.run();
  EXPECT_EQ(result.get(), netrpc::ErrCanceled);
  for (int i = 0; i < 100 && a.in_flight() > 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(20ms);  // the late reply, had it been kept, would be here now
  EXPECT_EQ(who, "untouched");
  EXPECT_EQ(Name(xc), "a");  // the connection serves the next call
}

TEST(Pool, ConnectionsAreReused) {
  Node a("a"), b("b");
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  netrpc::XClient one(*d, {.select = netrpc::SelectMode::kRoundRobin});
  for (int i = 0; i < 20; ++i) Name(one);
  EXPECT_EQ(one.Dials(), 2u);
  EXPECT_EQ(one.Connections(), 2u);

  netrpc::XClient two(*d,
                      {.select = netrpc::SelectMode::kRoundRobin, .connections_per_endpoint = 2});
  for (int i = 0; i < 20; ++i) Name(two);
  EXPECT_EQ(two.Dials(), 4u);
  EXPECT_EQ(two.Connections(), 4u);
}

TEST(Pool, AFailedDialIsSetAsideThenTriedAgain) {
  std::string dead = DeadEndpoint();
  Node live("live");
  auto d = Discover({dead, live.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin, .set_aside = 300ms});
  std::string who;
  EXPECT_EQ(xc.Call("Who.Name", int64_t{0}, &who).code(), netrpc::ErrorCode::kConnect);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(Name(xc), "live");  // dead is set aside
  EXPECT_EQ(xc.Dials(), 2u);
  std::this_thread::sleep_for(350ms);
  netrpc::Error err;
  for (int i = 0; i < 2; ++i) err = err ? err : xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kConnect);  // its turn came again
  EXPECT_EQ(xc.Dials(), 3u);
}

TEST(Pool, AnEndpointThatLeavesIsDrainedNotCut) {
  Node a("a"), b("b");
  a.SetDelay(400);
  auto d = Discover({a.Endpoint(), b.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin});
  std::string slow;
  netrpc::Error slow_err;
  std::thread in_flight([&] { slow_err = xc.Call("Who.Slow", int64_t{0}, &slow); });
  for (int i = 0; i < 200 && a.in_flight() == 0; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(a.in_flight(), 1);
  ASSERT_FALSE(d->Update({b.Endpoint()}));  // a leaves with a call in flight
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Name(xc), "b");
  EXPECT_EQ(xc.Connections(), 2u);  // a's is still open for its call
  in_flight.join();
  EXPECT_FALSE(slow_err) << slow_err;
  EXPECT_EQ(slow, "a");
  EXPECT_EQ(xc.Connections(), 1u);  // then closed
}

TEST(GeeHttp, NetrpcServerAnswersGeeRpcsConnect) {
  Node a("a");
  std::string addr = a.Endpoint().substr(4);
  auto d = Discover({"http@" + addr});
  netrpc::XClient xc(*d);
  EXPECT_EQ(Name(xc), "a");

  // The bytes, as GeeRPC's server writes them (gee-rpc day 5 server.go: "HTTP/1.0 " +
  // connected + "\n\n").
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1))));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  std::string req = "CONNECT /_geeprc_ HTTP/1.0\n\n";
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[256];
  for (int i = 0; i < 50 && got.size() < 35; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, n);
  }
  close(fd);
  EXPECT_EQ(got, "HTTP/1.0 200 Connected to Gee RPC\n\n");
}

TEST(XClient, CloseFailsLaterCalls) {
  Node a("a");
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d);
  EXPECT_EQ(Name(xc), "a");
  xc.Close();
  std::string who;
  EXPECT_EQ(xc.Call("Who.Name", int64_t{0}, &who), netrpc::ErrShutdown);
  EXPECT_EQ(xc.Connections(), 0u);
}

}  // namespace
