// context_test.cc: a handler's netrpc::Context end to end over 127.0.0.1: every handler shape
// with a Context, what it carries (peer, mTLS identity, metadata, deadline), and each way the
// server cancels it (caller's cancel, deadline, dropped connection, forced shutdown).
#include <gtest/gtest.h>
#include <netrpc/tls.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "raw_native_peer.h"
#include "server/context_access.h"
#include "test_certs.h"
#include "test_service.h"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using netrpc::Context;
using netrpc::Error;
using netrpc::Result;
using testsvc::Args;

// Seen is what a handler read from its Context.
struct Seen {
  std::string address, identity, trace;
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<Clock::time_point> deadline;
  bool done = true;
};

// Observed is what a handler that waited for its context's cancellation saw when it ended.
struct Observed {
  Error err;
  bool callback_ran = false;
  boost::system::error_code ec;  // a coroutine's timer wait
};

// A Context on its own, made and canceled as the server does (context_access.h).
std::shared_ptr<Context> MakeContext(std::vector<std::pair<std::string, std::string>> metadata) {
  auto peer = std::make_shared<netrpc::Peer>(netrpc::Peer{"127.0.0.1:1", "CN=a", {"a.example"}});
  return netrpc::detail::ContextAccess::Make(peer, std::move(metadata), std::nullopt);
}

TEST(ContextAlone, FirstCancelWinsAndCallbacksRunOnce) {
  auto ctx = MakeContext({{"k", "1"}, {"k", "2"}});
  EXPECT_EQ(ctx->MetadataValue("k"), "1");
  EXPECT_EQ(ctx->MetadataValue("absent"), "");
  EXPECT_EQ(ctx->Identity(), "CN=a");
  EXPECT_FALSE(ctx->Done());
  EXPECT_TRUE(ctx->Err().ok());
  EXPECT_FALSE(ctx->WaitFor(1ms));  // not canceled: the wait times out
  int before = 0, unregistered = 0;
  auto registration = ctx->OnCancel([&] { ++before; });
  {
    auto gone = ctx->OnCancel([&] { ++unregistered; });
  }  // destroyed before the cancel: never runs
  netrpc::detail::ContextAccess::Cancel(*ctx, netrpc::ErrDeadlineExceeded);
  netrpc::detail::ContextAccess::Cancel(*ctx, netrpc::ErrContextCanceled);
  EXPECT_TRUE(ctx->Done());
  EXPECT_EQ(ctx->Err(), netrpc::ErrDeadlineExceeded);
  EXPECT_EQ(before, 1);
  EXPECT_EQ(unregistered, 0);
  int after = 0;
  auto late = ctx->OnCancel([&] { ++after; });  // already canceled: runs at once, here
  EXPECT_EQ(after, 1);
  EXPECT_TRUE(ctx->WaitFor(1h));
  ctx->Wait();
  EXPECT_TRUE(ctx->StopToken().stop_requested());
}

TEST(ContextAlone, CancelFromAnotherThreadWakesAWaiter) {
  auto ctx = MakeContext({});
  std::thread canceler([ctx] {
    std::this_thread::sleep_for(10ms);  // usually after Wait has begun; either order works
    netrpc::detail::ContextAccess::Cancel(*ctx, netrpc::ErrConnectionClosed);
  });
  ctx->Wait();
  EXPECT_EQ(ctx->Err(), netrpc::ErrConnectionClosed);
  canceler.join();
}

// Gate holds a handler until the test opens it; opening twice is harmless.
struct Gate {
  void Open() {
    std::call_once(once, [this] { open.set_value(); });
  }
  void Wait() { opened.wait(); }
  std::once_flag once;
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
};

// Probe's handlers take a Context in every shape and record what it carried; Wait, Ignore and
// AsyncWait each serve one call of a test.
struct Probe {
  void Record(const Context& ctx) {
    std::lock_guard lock(mu);
    seen = {ctx.GetPeer().address,
            ctx.Identity(),
            std::string(ctx.MetadataValue("trace")),
            ctx.GetPeer().names,
            ctx.Metadata(),
            ctx.Deadline(),
            ctx.Done()};
  }
  Seen Last() {
    std::lock_guard lock(mu);
    return seen;
  }

  Error Multiply(Context& ctx, const Args& a, int64_t* reply) {
    Record(ctx);
    *reply = a.A * a.B;
    return {};
  }
  Result<int64_t> Add(const Context& ctx, Args a) {
    Record(ctx);
    return a.A + a.B;
  }
  Error Sub(const Context& ctx, const Args* a, int64_t* reply) {
    Record(ctx);
    *reply = a->A - a->B;
    return {};
  }
  Result<int64_t> Max(Context& ctx, Args* a) {
    Record(ctx);
    return std::max(a->A, a->B);
  }
  asio::awaitable<Error> AsyncMultiply(const Context& ctx, Args a, int64_t* reply) {
    Record(ctx);
    *reply = a.A * a.B;
    co_return Error{};
  }
  asio::awaitable<Result<int64_t>> AsyncAdd(Context& ctx, const Args& a) {
    Record(ctx);
    co_return a.A + a.B;
  }
  asio::awaitable<Error> AsyncSub(Context& ctx, Args* a, int64_t* reply) {
    Record(ctx);
    *reply = a->A - a->B;
    co_return Error{};
  }
  // Inc takes no Context, beside methods that do.
  Error Inc(int64_t x, int64_t* y) {
    *y = x + 1;
    return {};
  }

  // Wait blocks until its context is canceled, then reports what it saw.
  Error Wait(Context& ctx, int64_t, int64_t* reply) {
    std::atomic<bool> ran{false};
    auto registration = ctx.OnCancel([&ran] { ran.store(true); });
    waiting.set_value();
    ctx.Wait();
    observed.set_value({ctx.Err(), ran.load(), {}});
    *reply = 1;
    return {};
  }
  // Ignore blocks on the test's latch, whatever happens to its context; it only notes when the
  // context is canceled.
  Error Ignore(Context& ctx, int64_t x, int64_t* reply) {
    auto registration = ctx.OnCancel([this, &ctx] { canceled.set_value(ctx.Err()); });
    waiting.set_value();
    release.Wait();
    *reply = x;
    finished.store(true);
    return {};
  }
  // AsyncWait awaits a timer of a minute, which only the context's cancellation ends early.
  asio::awaitable<Error> AsyncWait(Context& ctx, int64_t, int64_t* reply) {
    asio::steady_timer timer(co_await asio::this_coro::executor, 60s);
    waiting.set_value();
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    observed.set_value({ctx.Err(), false, ec});
    *reply = 1;
    co_return Error{};
  }

  std::mutex mu;
  Seen seen;
  std::promise<void> waiting;
  std::promise<Observed> observed;
  std::promise<Error> canceled;
  Gate release;
  std::atomic<bool> finished{false};
};
NETRPC_SERVICE(Probe, Multiply, Add, Sub, Max, AsyncMultiply, AsyncAdd, AsyncSub, Inc, Wait, Ignore,
               AsyncWait);

// PeerAddress is a free function with a Context; the server registers it with RegisterFunc.
Result<std::string> PeerAddress(const Context& ctx, int64_t) { return ctx.GetPeer().address; }

// ProbeServer serves Probe, a lambda and a free function that take a Context, on a free port
// (or over TLS when given a config).
struct ProbeServer {
  explicit ProbeServer(netrpc::ServerOptions options = {}, const netrpc::TlsConfig* tls = nullptr)
      : server(options) {
    EXPECT_FALSE(server.Register(probe));
    EXPECT_FALSE(
        server.RegisterFunc("Fn.Count", [](Context& ctx, const std::string& key, int64_t* n) {
          *n = 0;
          for (const auto& [k, v] : ctx.Metadata()) *n += k == key;
          return Error{};
        }));
    EXPECT_FALSE(server.RegisterFunc("Fn.PeerAddress", &PeerAddress));
    EXPECT_FALSE(tls ? server.ListenTLS("tcp", "127.0.0.1:0", *tls)
                     : server.Listen("tcp", "127.0.0.1:0"));
  }
  ~ProbeServer() { probe.release.Open(); }  // whichever test left Ignore blocked
  std::string Address() const { return server.Address(); }

  Probe probe;  // before the server: its handlers run until the server is gone
  netrpc::Server server;
};

// Ready waits, boundedly, for a handler's signal.
template <class T>
bool Ready(std::future<T>& f) {
  return f.wait_for(20s) == std::future_status::ready;
}

TEST(Context, EveryHandlerShapeTakesOne) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  struct Case {
    const char* method;
    int64_t want;
  };
  for (Case c : {Case{"Probe.Multiply", 42}, Case{"Probe.Add", 13}, Case{"Probe.Sub", -1},
                 Case{"Probe.Max", 7}, Case{"Probe.AsyncMultiply", 42}, Case{"Probe.AsyncAdd", 13},
                 Case{"Probe.AsyncSub", -1}}) {
    int64_t reply = 0;
    netrpc::CallOptions options;
    options.metadata = {{"trace", c.method}};
    ASSERT_FALSE(client->Call(c.method, Args{6, 7}, &reply, options)) << c.method;
    EXPECT_EQ(reply, c.want) << c.method;
    Seen seen = s.probe.Last();
    EXPECT_EQ(seen.trace, c.method);  // this call's context, not a stale one
    EXPECT_EQ(seen.address.rfind("127.0.0.1:", 0), 0u) << seen.address;
    EXPECT_NE(seen.address, s.Address());  // the client's end, not the server's
    EXPECT_FALSE(seen.deadline.has_value());
    EXPECT_FALSE(seen.done);
  }
  int64_t y = 0;
  ASSERT_FALSE(client->Call("Probe.Inc", int64_t{41}, &y));  // no Context, as before
  EXPECT_EQ(y, 42);
  netrpc::CallOptions options;
  options.metadata = {{"k", "1"}, {"other", "x"}, {"k", "2"}};
  ASSERT_FALSE(client->Call("Fn.Count", std::string("k"), &y, options));
  EXPECT_EQ(y, 2);
  std::string address;
  ASSERT_FALSE(client->Call("Fn.PeerAddress", int64_t{0}, &address));
  EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u) << address;
}

TEST(Context, CarriesTheCallersMetadataAndDeadline) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  netrpc::CallOptions options;
  options.timeout = 5s;
  options.metadata = {{"authorization", "Bearer t0ken"}, {"trace", "a"}, {"trace", "b"}};
  int64_t reply = 0;
  auto before = Clock::now();
  ASSERT_FALSE(client->Call("Probe.Multiply", Args{2, 3}, &reply, options));
  auto after = Clock::now();
  EXPECT_EQ(reply, 6);
  Seen seen = s.probe.Last();
  EXPECT_EQ(seen.metadata, options.metadata);
  EXPECT_EQ(seen.trace, "a");    // MetadataValue: the first
  EXPECT_EQ(seen.identity, "");  // plaintext
  EXPECT_TRUE(seen.names.empty());
  ASSERT_TRUE(seen.deadline.has_value());
  // The caller's remaining time, measured from when the server read the request.
  EXPECT_LE(*seen.deadline, after + 5s);
  EXPECT_GE(*seen.deadline, before + 4s);
}

TEST(Context, DeadlineIsTheSoonerOfTheCallersAndTheServers) {
  ProbeServer s({.handler_timeout = 2s});
  auto client = testsvc::MustDial(s.Address());
  int64_t reply = 0;
  for (auto [timeout, expected] : {std::pair{30s, 2s}, std::pair{1s, 1s}, std::pair{0s, 2s}}) {
    auto before = Clock::now();
    ASSERT_FALSE(client->Call("Probe.Multiply", Args{2, 3}, &reply, {.timeout = timeout}));
    auto after = Clock::now();
    Seen seen = s.probe.Last();
    ASSERT_TRUE(seen.deadline.has_value()) << timeout.count();
    EXPECT_LE(*seen.deadline, after + expected) << timeout.count();
    EXPECT_GE(*seen.deadline, before + expected - 900ms) << timeout.count();
  }
}

TEST(Context, CallersCancelCancelsIt) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  auto waiting = s.probe.waiting.get_future();
  auto observed = s.probe.observed.get_future();
  int64_t reply = 0;
  // A client sends cancels once the server's answer to its hello says it takes them.
  ASSERT_FALSE(client->Call("Probe.Inc", int64_t{0}, &reply));
  auto call = client->Go("Probe.Wait", int64_t{0}, &reply, {.timeout = 60s});
  ASSERT_TRUE(Ready(waiting));  // the handler waits on its context
  call->Cancel();
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);
  ASSERT_TRUE(Ready(observed));  // ...and the cancel reached it
  Observed o = observed.get();
  EXPECT_EQ(o.err, netrpc::ErrContextCanceled);
  EXPECT_TRUE(o.callback_ran);
  int64_t y = 0;  // the connection carries on
  ASSERT_FALSE(client->Call("Probe.Inc", int64_t{1}, &y));
  EXPECT_EQ(y, 2);
}

TEST(Context, CallersCancelWithoutADeadlineCancelsItToo) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  auto waiting = s.probe.waiting.get_future();
  auto observed = s.probe.observed.get_future();
  int64_t reply = 0;
  ASSERT_FALSE(client->Call("Probe.Inc", int64_t{0}, &reply));  // the hello is answered
  auto call = client->Go("Probe.Wait", int64_t{0}, &reply);
  ASSERT_TRUE(Ready(waiting));
  call->Cancel();
  ASSERT_TRUE(Ready(observed));
  EXPECT_EQ(observed.get().err, netrpc::ErrContextCanceled);
}

TEST(Context, DeadlineCancelsItAndTheCallerIsAnsweredOnTime) {
  ProbeServer s;
  auto waiting = s.probe.waiting.get_future();
  auto canceled = s.probe.canceled.get_future();
  testsvc::RawPeer peer(s.Address());  // sees every frame, a late result too
  ASSERT_TRUE(peer.ok());
  auto start = Clock::now();
  peer.Call("Probe.Ignore", 0, 41, 200ms);
  uint64_t seq = 0;
  std::string error;
  int64_t value = 0;
  ASSERT_TRUE(peer.Next(&seq, &error, &value));  // the hello's answer
  ASSERT_TRUE(peer.Next(&seq, &error, &value));
  EXPECT_GE(Clock::now() - start, 200ms);
  EXPECT_EQ(seq, 0u);
  EXPECT_EQ(error, "rpc: call timeout");
  ASSERT_TRUE(Ready(waiting));
  ASSERT_TRUE(Ready(canceled));
  EXPECT_EQ(canceled.get(), netrpc::ErrDeadlineExceeded);
  EXPECT_FALSE(s.probe.finished.load());  // answered and canceled while the handler ignores it
  s.probe.release.Open();
  for (int i = 0; i < 500 && !s.probe.finished.load(); ++i) std::this_thread::sleep_for(2ms);
  std::this_thread::sleep_for(100ms);  // time for the server to send 41, were it not dropped
  peer.Call("Probe.Inc", 1, 1);
  ASSERT_TRUE(peer.Next(&seq, &error, &value));  // Inc's answer is next: 41 was dropped
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(error, "");
  EXPECT_EQ(value, 2);
}

TEST(Context, HandlerTimeoutCancelsItOnGoProtocols) {
  ProbeServer s({.handler_timeout = 200ms});
  auto client = testsvc::MustDial(s.Address(), {.protocol = netrpc::Protocol::kGob});
  auto canceled = s.probe.canceled.get_future();
  int64_t reply = 0;
  EXPECT_EQ(client->Call("Probe.Ignore", int64_t{41}, &reply),
            netrpc::ServerError("rpc: handler timeout after 200ms"));
  ASSERT_TRUE(Ready(canceled));
  EXPECT_EQ(canceled.get(), netrpc::ErrDeadlineExceeded);
  EXPECT_FALSE(s.probe.finished.load());
}

TEST(Context, DroppedConnectionCancelsIt) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  auto waiting = s.probe.waiting.get_future();
  auto observed = s.probe.observed.get_future();
  int64_t reply = 0;
  auto call = client->Go("Probe.Wait", int64_t{0}, &reply);  // no deadline
  ASSERT_TRUE(Ready(waiting));
  client->Close();
  ASSERT_TRUE(Ready(observed));
  Observed o = observed.get();
  EXPECT_EQ(o.err, netrpc::ErrConnectionClosed);
  EXPECT_TRUE(o.callback_ran);
}

TEST(Context, ShutdownThatForcesTheCloseCancelsIt) {
  ProbeServer s({.shutdown_grace = 200ms});
  auto client = testsvc::MustDial(s.Address());
  auto waiting = s.probe.waiting.get_future();
  auto observed = s.probe.observed.get_future();
  int64_t reply = 0;
  auto call = client->Go("Probe.Wait", int64_t{0}, &reply);
  ASSERT_TRUE(Ready(waiting));
  std::thread shutdown([&] { s.server.Shutdown(); });
  ASSERT_TRUE(Ready(observed));
  EXPECT_EQ(observed.get().err, netrpc::ErrShutdown);
  shutdown.join();
}

TEST(Context, CoroutineHandlerIsCancelledThroughAsio) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  auto waiting = s.probe.waiting.get_future();
  auto observed = s.probe.observed.get_future();
  int64_t reply = 0;
  ASSERT_FALSE(client->Call("Probe.Inc", int64_t{0}, &reply));  // the hello is answered
  auto call = client->Go("Probe.AsyncWait", int64_t{0}, &reply, {.timeout = 60s});
  ASSERT_TRUE(Ready(waiting));  // the coroutine awaits its minute-long timer
  call->Cancel();
  ASSERT_TRUE(Ready(observed));
  Observed o = observed.get();
  EXPECT_EQ(o.ec, asio::error::operation_aborted);
  EXPECT_EQ(o.err, netrpc::ErrContextCanceled);
  int64_t y = 0;
  ASSERT_FALSE(client->Call("Probe.AsyncAdd", Args{1, 2}, &y));  // the strand goes on
  EXPECT_EQ(y, 3);
}

TEST(Context, CoroutineHandlerIsCancelledAtItsDeadline) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address());
  auto observed = s.probe.observed.get_future();
  int64_t reply = 0;
  EXPECT_EQ(client->Call("Probe.AsyncWait", int64_t{0}, &reply, {.timeout = 200ms}),
            netrpc::ErrTimeout);
  ASSERT_TRUE(Ready(observed));
  Observed o = observed.get();
  EXPECT_EQ(o.ec, asio::error::operation_aborted);
  EXPECT_EQ(o.err, netrpc::ErrDeadlineExceeded);
}

TEST(Context, GoProtocolsCarryNoDeadlineNorMetadata) {
  ProbeServer s;
  netrpc::CallOptions options;
  options.timeout = 5s;  // the client's own; nothing of it travels
  options.metadata = {{"trace", "x"}};
  for (auto protocol : {netrpc::Protocol::kGob, netrpc::Protocol::kJson}) {
    auto client = testsvc::MustDial(s.Address(), {.protocol = protocol});
    int64_t reply = 0;
    ASSERT_FALSE(client->Call("Probe.Multiply", Args{4, 5}, &reply, options));
    EXPECT_EQ(reply, 20);
    Seen seen = s.probe.Last();
    EXPECT_FALSE(seen.deadline.has_value());
    EXPECT_TRUE(seen.metadata.empty());
    EXPECT_EQ(seen.address.rfind("127.0.0.1:", 0), 0u) << seen.address;
  }
}

TEST(Context, GoProtocolsHaveTheServersHandlerTimeoutAsDeadline) {
  ProbeServer s({.handler_timeout = 3s});
  auto client = testsvc::MustDial(s.Address(), {.protocol = netrpc::Protocol::kGob});
  int64_t reply = 0;
  auto before = Clock::now();
  ASSERT_FALSE(client->Call("Probe.AsyncAdd", Args{4, 5}, &reply, {.timeout = 1s}));
  auto after = Clock::now();
  EXPECT_EQ(reply, 9);
  Seen seen = s.probe.Last();
  ASSERT_TRUE(seen.deadline.has_value());  // the server's 3 s: the client's 1 s stays home
  EXPECT_LE(*seen.deadline, after + 3s);
  EXPECT_GE(*seen.deadline, before + 2s);
  EXPECT_EQ(seen.address.rfind("127.0.0.1:", 0), 0u) << seen.address;
}

TEST(Context, GeeRpcHandleTimeoutIsTheDeadline) {
  ProbeServer s;
  auto client = testsvc::MustDial(s.Address(), {.gee_option = true, .gee_handle_timeout = 2s});
  int64_t reply = 0;
  auto before = Clock::now();
  ASSERT_FALSE(client->Call("Probe.Multiply", Args{4, 5}, &reply));
  auto after = Clock::now();
  EXPECT_EQ(reply, 20);
  Seen seen = s.probe.Last();
  ASSERT_TRUE(seen.deadline.has_value());
  EXPECT_LE(*seen.deadline, after + 2s);
  EXPECT_GE(*seen.deadline, before + 1s);
}

using testcerts::Cert;
// ContextTls has the mTLS test's certificates (test_certs.h).
class ContextTls : public testcerts::CertsTest {};

TEST_F(ContextTls, IdentityIsTheVerifiedClientCertificate) {
  netrpc::TlsConfig config{
      .certificate = {.cert_file = Cert("server.pem"), .key_file = Cert("server.key")},
      .client_ca_file = Cert("ca.pem"),
      .client_auth = netrpc::ClientAuth::kRequest};
  ProbeServer s({}, &config);
  netrpc::TlsDialOptions with_cert{.ca_file = Cert("ca.pem")};
  with_cert.certificate = {.cert_file = Cert("client.pem"), .key_file = Cert("client.key")};
  netrpc::TlsDialOptions without_cert{.ca_file = Cert("ca.pem")};
  struct Case {
    netrpc::TlsDialOptions tls;
    std::string identity;
    std::vector<std::string> names;
  };
  for (const Case& c : {Case{with_cert, "CN=client,O=netrpc test", {"client.example"}},
                        Case{without_cert, "", {}}}) {
    auto client = netrpc::DialTLS("tcp", s.Address(), c.tls);
    ASSERT_TRUE(client.ok()) << client.error();
    int64_t reply = 0;
    ASSERT_FALSE((*client)->Call("Probe.Add", Args{1, 2}, &reply));
    EXPECT_EQ(reply, 3);
    Seen seen = s.probe.Last();
    EXPECT_EQ(seen.identity, c.identity);
    EXPECT_EQ(seen.names, c.names);
    EXPECT_EQ(seen.address.rfind("127.0.0.1:", 0), 0u) << seen.address;
  }
}

}  // namespace

namespace {
// Far answers the years from now to its context's deadline (-1 without one, -2 if passed).
struct Far {
  Error Years(const Context& ctx, int64_t, int64_t* years) {
    if (!ctx.Deadline()) {
      *years = -1;
      return {};
    }
    if (*ctx.Deadline() <= Clock::now()) {
      *years = -2;  // passed
      return {};
    }
    auto left = std::chrono::duration_cast<std::chrono::hours>(*ctx.Deadline() - Clock::now());
    *years = left.count() / (24 * 365);
    return {};
  }
  // Trace answers its context's "trace" metadata and whether it has a deadline.
  Error Trace(const Context& ctx, const std::string&, std::string* trace) {
    *trace = std::string(ctx.MetadataValue("trace")) + (ctx.Deadline() ? " deadline" : "");
    return {};
  }
};
NETRPC_SERVICE(Far, Years, Trace);

TEST(ContextReview, AFarDeadlineIsNotInThePast) {
  // A caller's timeout of nearly 2^63 ns: now + that overflowed steady_clock, and the handler
  // saw a deadline long past.
  Far far;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(far));
  ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  testsvc::RawPeer peer(server.Address());
  peer.Call("Far.Years", 0, 0, std::chrono::milliseconds(9'223'372'036'000));
  uint64_t seq = 0;
  std::string error;
  int64_t years = 0;
  ASSERT_TRUE(peer.Next(&seq, &error, &years));  // the hello's answer
  ASSERT_TRUE(peer.Next(&seq, &error, &years));
  EXPECT_EQ(error, "");
  EXPECT_GT(years, 100);
}

TEST(ContextReview, ALargeCallsContextHasItsOwnMetadataAndDeadline) {
  // Past 256 KiB a request with records is read tail-first (BeginLarge): its Context must
  // carry its records, not the request's before it.
  Far far;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(far));
  ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  auto client = testsvc::MustDial(server.Address());
  std::string big(1 << 20, 'x'), trace;
  ASSERT_FALSE(client->Call("Far.Trace", std::string("small"), &trace,
                            {.timeout = 5s, .metadata = {{"trace", "t1"}}}));
  EXPECT_EQ(trace, "t1 deadline");
  ASSERT_FALSE(client->Call("Far.Trace", big, &trace, {.metadata = {{"trace", "t2"}}}));
  EXPECT_EQ(trace, "t2");
  ASSERT_FALSE(client->Call("Far.Trace", big, &trace, {.timeout = 5s}));
  EXPECT_EQ(trace, " deadline");
  ASSERT_FALSE(client->Call("Far.Trace", big, &trace));
  EXPECT_EQ(trace, "");
}
}  // namespace
