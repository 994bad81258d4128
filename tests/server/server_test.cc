// server_test.cc: registration rules, dispatch and graceful shutdown of netrpc::Server,
// each over a real loopback connection with the replies' values checked.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_service.h"

using namespace std::chrono_literals;
using testsvc::Args;
using testsvc::MustDial;
using testsvc::TestServer;

namespace {

struct Empty {};
NETRPC_SERVICE(Empty);

struct Counter {
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  netrpc::Error Hold(const int64_t& ms, int64_t* reply) {
    int now = ++running;
    int prev = max_running.load();
    while (now > prev && !max_running.compare_exchange_weak(prev, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    --running;
    *reply = ms;
    return {};
  }
};
NETRPC_SERVICE(Counter, Hold);

TEST(Server, RegisterRejectsDuplicateName) {
  testsvc::Arith a, b;
  netrpc::Server server;
  EXPECT_FALSE(server.Register(a));
  netrpc::Error err = server.Register(b);
  EXPECT_EQ(err.message(), "rpc: service already defined: Arith");
  EXPECT_FALSE(server.RegisterName("Calc", b));
}

TEST(Server, RegisterRejectsServiceWithoutMethods) {
  Empty e;
  netrpc::Server server;
  EXPECT_EQ(server.Register(e).message(),
            "rpc.Register: type Empty has no exported methods of suitable type");
}

TEST(Server, RegisterFuncRejectsIllFormedName) {
  netrpc::Server server;
  auto f = [](const int64_t& a, int64_t* r) {
    *r = a;
    return netrpc::Error{};
  };
  EXPECT_EQ(server.RegisterFunc("NoDot", f).message(),
            "rpc: service/method request ill-formed: NoDot");
  EXPECT_FALSE(server.RegisterFunc("Math.Twice", f));
  EXPECT_TRUE(server.RegisterFunc("Math.Twice", f));  // duplicate method
}

TEST(Server, UnknownServiceAndMethodGiveGoErrors) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t reply = 0;
  netrpc::Error err = client->Call("Nope.Multiply", Args{1, 2}, &reply);
  EXPECT_EQ(err, netrpc::ServerError("rpc: can't find service Nope.Multiply"));
  err = client->Call("Arith.Nope", Args{1, 2}, &reply);
  EXPECT_EQ(err, netrpc::ServerError("rpc: can't find method Arith.Nope"));
  err = client->Call("NoDot", Args{1, 2}, &reply);
  EXPECT_EQ(err, netrpc::ServerError("rpc: service/method request ill-formed: NoDot"));
  // The connection survives all three.
  EXPECT_FALSE(client->Call("Arith.Multiply", Args{6, 7}, &reply));
  EXPECT_EQ(reply, 42);
}

TEST(Server, HandlerErrorIsServerErrorAndReplyUntouched) {
  TestServer s;
  auto client = MustDial(s.Address());
  testsvc::Quotient q{-1, -1};
  netrpc::Error err = client->Call("Arith.Divide", Args{1, 0}, &q);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kServerError);
  EXPECT_EQ(err.message(), "divide by zero");
  EXPECT_EQ(q.Quo, -1);
  EXPECT_EQ(q.Rem, -1);
}

TEST(Server, ReplyByValueCoroutineAndFuncHandlers) {
  TestServer s;
  ASSERT_FALSE(s.server().RegisterFunc("Math.Square", [](const int64_t& x, int64_t* r) {
    *r = x * x;
    return netrpc::Error{};
  }));
  ASSERT_FALSE(s.server().RegisterFunc(
      "Math.Neg", [](const int64_t& x) -> netrpc::Result<int64_t> { return -x; }));
  auto client = MustDial(s.Address());
  int64_t r = 0;
  EXPECT_FALSE(client->Call("Arith.Add", Args{40, 2}, &r));
  EXPECT_EQ(r, 42);
  EXPECT_FALSE(client->Call("Arith.AsyncSleep", Args{5, 10}, &r));
  EXPECT_EQ(r, 15);
  EXPECT_FALSE(client->Call("Math.Square", int64_t{12}, &r));
  EXPECT_EQ(r, 144);
  EXPECT_FALSE(client->Call("Math.Neg", int64_t{12}, &r));
  EXPECT_EQ(r, -12);
}

// Tracked counts its copies, to show that a by-value handler's arguments are moved in.
std::atomic<int> tracked_copies{0};
struct Tracked {
  std::string text;
  Tracked() = default;
  Tracked(const Tracked& o) : text(o.text) { ++tracked_copies; }
  Tracked(Tracked&&) = default;
  Tracked& operator=(const Tracked& o) {
    text = o.text;
    ++tracked_copies;
    return *this;
  }
  Tracked& operator=(Tracked&&) = default;
};
NETRPC_STRUCT(Tracked, text);

TEST(Server, ByValueArgumentsAreMovedIn) {
  TestServer s;
  ASSERT_FALSE(s.server().RegisterFunc("Tracked.Shout", [](Tracked in, Tracked* out) {
    in.text += "!";
    *out = std::move(in);
    return netrpc::Error{};
  }));
  ASSERT_FALSE(s.server().RegisterFunc("Tracked.Echo",
                                       [](Tracked in) -> netrpc::Result<Tracked> { return in; }));
  auto client = MustDial(s.Address());
  Tracked arg, reply;
  arg.text = std::string(100000, 'x');
  tracked_copies = 0;
  ASSERT_FALSE(client->Call("Tracked.Shout", arg, &reply));
  EXPECT_EQ(reply.text, arg.text + "!");
  ASSERT_FALSE(client->Call("Tracked.Echo", arg, &reply));
  EXPECT_EQ(reply.text, arg.text);
  EXPECT_EQ(tracked_copies.load(), 0);
}

TEST(Server, NumCallsCountsPerMethod) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t r = 0;
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(client->Call("Arith.Multiply", Args{i, 2}, &r));
  testsvc::Quotient q;
  ASSERT_TRUE(client->Call("Arith.Divide", Args{1, 0}, &q));
  EXPECT_EQ(s.server().NumCalls("Arith.Multiply"), 3u);
  EXPECT_EQ(s.server().NumCalls("Arith.Divide"), 1u);
  EXPECT_EQ(s.server().NumCalls("Arith.Add"), 0u);
}

TEST(Server, HandlersOfOneConnectionRunConcurrently) {
  Counter counter;
  netrpc::Server server({.worker_threads = 4});
  ASSERT_FALSE(server.Register(counter));
  ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  auto client = MustDial(server.Address());
  std::vector<int64_t> replies(4);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < 4; ++i)
    calls.push_back(client->Go("Counter.Hold", int64_t{100 + i}, &replies[i]));
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(calls[i]->Wait());
    EXPECT_EQ(replies[i], 100 + i);
  }
  EXPECT_GE(counter.max_running.load(), 2);
}

TEST(Server, SeveralIoThreadsServeManyConnections) {
  TestServer s({.io_threads = 2, .worker_threads = 2});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto client = MustDial(s.Address());
      std::vector<int64_t> replies(100);
      std::vector<std::shared_ptr<netrpc::Call>> calls;
      for (int i = 0; i < 100; ++i) {
        calls.push_back(client->Go("Arith.Multiply", Args{t, i}, &replies[i]));
      }
      for (int i = 0; i < 100; ++i) {
        if (calls[i]->Wait() || replies[i] != t * i) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(s.server().NumCalls("Arith.Multiply"), 800u);
}

TEST(Server, ShutdownFinishesCallsInFlight) {
  auto s = std::make_unique<TestServer>();
  auto client = MustDial(s->Address());
  int64_t reply = 0;
  auto call = client->Go("Arith.Sleep", Args{300, 77}, &reply);
  std::this_thread::sleep_for(50ms);  // the request is being handled
  auto started = std::chrono::steady_clock::now();
  s->server().Shutdown();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);  // it waited for the call
  EXPECT_FALSE(call->Wait());
  EXPECT_EQ(reply, 77);
  // New connections are refused and the old one is closed.
  EXPECT_FALSE(netrpc::Dial("tcp", s->Address()).ok());
  netrpc::Error err = client->Call("Arith.Multiply", Args{1, 1}, &reply);
  EXPECT_TRUE(err.code() == netrpc::ErrorCode::kShutdown ||
              err.code() == netrpc::ErrorCode::kUnexpectedEof)
      << err.message();
}

TEST(Server, HandlerTimeoutAnswersAndDropsTheLateReply) {
  TestServer s({.handler_timeout = 100ms});
  auto client = MustDial(s.Address());
  int64_t reply = 0;
  auto started = std::chrono::steady_clock::now();
  netrpc::Error err = client->Call("Arith.Sleep", Args{400, 9}, &reply);
  EXPECT_EQ(err, netrpc::ServerError("rpc: handler timeout after 100ms"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 350ms);
  EXPECT_EQ(reply, 0);
  err = client->Call("Arith.AsyncSleep", Args{300, 1}, &reply);  // coroutines too
  EXPECT_EQ(err, netrpc::ServerError("rpc: handler timeout after 100ms"));
  std::this_thread::sleep_for(400ms);  // the late replies are dropped, not misdelivered
  EXPECT_FALSE(client->Call("Arith.Multiply", Args{4, 4}, &reply));
  EXPECT_EQ(reply, 16);
}

TEST(Server, ServeConnServesAConnectedSocket) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  // socketpair gives Unix sockets; ServeConn and NewClient accept any stream socket.
  ASSERT_FALSE(server.ServeConn(fds[0]));
  auto client = netrpc::NewClient(fds[1]);
  ASSERT_TRUE(client.ok()) << client.error().message();
  int64_t r = 0;
  EXPECT_FALSE((*client)->Call("Arith.Multiply", Args{3, 5}, &r));
  EXPECT_EQ(r, 15);
}

}  // namespace
