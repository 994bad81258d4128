// client_test.cc: Call, Go and AsyncCall against a real server on 127.0.0.1, and every way a
// pending call can end: reply, deadline, cancel, Close, a server that dies or stops reading.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netrpc/asio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <thread>

#include "codec/native.h"
#include "pipe_peer.h"
#include "protocol/sniff.h"
#include "test_service.h"

using namespace std::chrono_literals;
using testsvc::Args;
using testsvc::MustDial;
using testsvc::Quotient;
using testsvc::TestServer;

namespace {

TEST(Client, CallReturnsReply) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t product = 0;
  ASSERT_FALSE(client->Call("Arith.Multiply", Args{7, 8}, &product));
  EXPECT_EQ(product, 56);
  Quotient q;
  ASSERT_FALSE(client->Call("Arith.Divide", Args{17, 5}, &q));
  EXPECT_EQ(q.Quo, 3);
  EXPECT_EQ(q.Rem, 2);
  std::string echoed;
  ASSERT_FALSE(client->Call("Arith.Echo", std::string(100000, 'x'), &echoed));
  EXPECT_EQ(echoed, std::string(100000, 'x'));
}

TEST(Client, GoCanBeWaitedPolledOrCalledBack) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t a = 0, b = 0;
  auto waited = client->Go("Arith.Multiply", Args{2, 3}, &a);
  EXPECT_FALSE(waited->Wait());
  EXPECT_EQ(a, 6);
  EXPECT_EQ(waited->ServiceMethod(), "Arith.Multiply");

  auto polled = client->Go("Arith.Sleep", Args{30, 9}, &b);
  EXPECT_FALSE(polled->Done());
  while (!polled->Done()) std::this_thread::sleep_for(1ms);
  EXPECT_FALSE(polled->error());
  EXPECT_EQ(b, 9);

  std::promise<int64_t> got;
  int64_t c = 0;
  client->Go("Arith.Multiply", Args{4, 5}, &c, {},
             [&](netrpc::Call& call) { got.set_value(call.error() ? -1 : c); });
  EXPECT_EQ(got.get_future().get(), 20);
}

TEST(Client, AsyncCallInCoroutine) {
  // The io_context outlives the client: the client's I/O thread posts the resumption into it
  // and must be joined (by the client's destructor) before the context is destroyed.
  boost::asio::io_context io;
  TestServer s;
  auto client = MustDial(s.Address());
  auto result = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<int64_t> {
        int64_t product = 0;
        netrpc::Error err = co_await client->AsyncCall("Arith.Multiply", Args{6, 7}, &product);
        co_return err ? -1 : product;
      },
      boost::asio::use_future);
  io.run();
  EXPECT_EQ(result.get(), 42);
}

TEST(Client, CancelledAsyncCallIsRemoved) {
  // The io_context outlives the client: the client's I/O thread posts the resumption into it
  // and must be joined (by the client's destructor) before the context is destroyed.
  boost::asio::io_context io;
  TestServer s;
  auto client = MustDial(s.Address());
  auto result = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<netrpc::Error> {
        using namespace boost::asio::experimental::awaitable_operators;
        int64_t reply = 0;
        boost::asio::steady_timer timer(io, 20ms);
        auto winner = co_await (client->AsyncCall("Arith.Sleep", Args{300, 1}, &reply) ||
                                timer.async_wait(boost::asio::use_awaitable));
        co_return winner.index() == 1 ? netrpc::ErrCanceled : std::get<0>(winner);
      },
      boost::asio::use_future);
  io.run();
  EXPECT_EQ(result.get(), netrpc::ErrCanceled);
  EXPECT_EQ(client->PendingCount(), 0u);
}

TEST(Client, ThousandConcurrentCallsOnOneConnection) {
  TestServer s;
  auto client = MustDial(s.Address());
  constexpr int kCalls = 1000;
  std::vector<int64_t> replies(kCalls, -1);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(client->Go("Arith.Multiply", Args{i, 3}, &replies[i]));
  }
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_FALSE(calls[i]->Wait()) << i;
    ASSERT_EQ(replies[i], i * 3) << i;
  }
  EXPECT_EQ(client->PendingCount(), 0u);
}

TEST(Client, ManyThreadsShareOneClient) {
  TestServer s;
  auto client = MustDial(s.Address());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        int64_t r = 0;
        if (client->Call("Arith.Multiply", Args{t, i}, &r) || r != t * i) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Client, DeadlineExpiresAndLeavesNothingPending) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t reply = 0;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(client->Call("Arith.Sleep", Args{500, 1}, &reply, {.timeout = 50ms}),
            netrpc::ErrTimeout);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 450ms);
  EXPECT_EQ(client->PendingCount(), 0u);
  EXPECT_EQ(reply, 0);
  // The late reply is discarded and the connection goes on.
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(client->Call("Arith.Multiply", Args{2, 21}, &reply, {.timeout = 5s}));
  EXPECT_EQ(reply, 42);
  EXPECT_EQ(client->PendingCount(), 0u);
}

TEST(Client, CancelRemovesPendingCall) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t reply = 0;
  auto call = client->Go("Arith.Sleep", Args{300, 1}, &reply);
  EXPECT_EQ(client->PendingCount(), 1u);
  call->Cancel();
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);
  EXPECT_EQ(client->PendingCount(), 0u);
}

TEST(Client, CloseFailsPendingCallsWithErrShutdown) {
  TestServer s;
  auto client = MustDial(s.Address());
  int64_t r1 = 0, r2 = 0;
  auto c1 = client->Go("Arith.Sleep", Args{1000, 1}, &r1);
  auto c2 = client->Go("Arith.Sleep", Args{1000, 2}, &r2);
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(client->Close());
  EXPECT_EQ(c1->Wait(), netrpc::ErrShutdown);
  EXPECT_EQ(c2->Wait(), netrpc::ErrShutdown);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 200ms);
  EXPECT_EQ(client->Close(), netrpc::ErrShutdown);
  EXPECT_EQ(client->Call("Arith.Multiply", Args{1, 1}, &r1), netrpc::ErrShutdown);
}

// ReadRequest plays a server that reads one whole native request from its raw end.
netrpc::Request ReadRequest(netrpc::transport::Connection& server_end) {
  auto codec = netrpc::codec::NewNativeServerCodec({});
  std::string in;
  netrpc::Request header;
  for (;;) {
    auto r = codec->ReadRequestHeader(in, &header);
    EXPECT_FALSE(r.error);
    if (r.consumed > 0 && netrpc::codec::AsNativeServer(codec.get())->Last().control !=
                              netrpc::codec::NativeRequest::Control::kNone) {
      in.erase(0, r.consumed);  // the client's hello, left unanswered (as an older server)
      continue;
    }
    if (r.consumed > 0 || r.error) return header;
    auto [ec, bytes] = testpipe::Read(server_end);
    if (ec) return header;
    in += bytes;
  }
}

// A server that dies with a call in flight (its end closes once it has read the request, as
// the kernel closes a killed process's socket) fails the call at once, and the client with it.
TEST(Client, ServerKilledMidCallFailsPendingPromptly) {
  std::promise<void> ended;
  auto [client_end, server_end] = netrpc::Pipe();
  auto client = netrpc::NewClient(client_end);
  ASSERT_TRUE(client.ok());
  int64_t reply = 0;
  auto call = (*client)->Go("Arith.Sleep", Args{5000, 1}, &reply, {},
                            [&](netrpc::Call&) { ended.set_value(); });
  EXPECT_EQ(ReadRequest(testpipe::PipeOf(server_end)).service_method, "Arith.Sleep");
  testpipe::PipeOf(server_end).Close();
  ASSERT_EQ(ended.get_future().wait_for(1s), std::future_status::ready);
  // Not a byte came back, as from a Go server that cannot read the native protocol: the
  // error says so (a server that sent anything first gets the bare text, as the next test).
  EXPECT_EQ(call->Wait(), netrpc::Error(netrpc::ErrorCode::kUnexpectedEof,
                                        "unexpected EOF (the server closed the connection "
                                        "before answering: a Go net/rpc server needs "
                                        "Protocol::kGob, a Go jsonrpc one Protocol::kJson)"));
  EXPECT_EQ((*client)->PendingCount(), 0u);
  EXPECT_EQ((*client)->Call("Arith.Multiply", Args{1, 1}, &reply), netrpc::ErrShutdown);
}

// A server that dies halfway through writing a reply: the client reads half a frame, then
// EOF, and fails the call rather than decode half a reply into it.
TEST(Client, ServerDyingMidReplyFailsTheCallAndLeavesTheReply) {
  auto [client_end, server_end] = netrpc::Pipe();
  auto client = netrpc::NewClient(client_end);
  ASSERT_TRUE(client.ok());
  Quotient q{-1, -1};
  auto call = (*client)->Go("Arith.Divide", Args{17, 5}, &q);
  netrpc::Request header = ReadRequest(testpipe::PipeOf(server_end));
  std::string wire;
  Quotient answer{3, 2};
  auto codec = netrpc::codec::NewNativeServerCodec({});
  ASSERT_FALSE(codec->WriteResponse({header.service_method, header.seq, ""},
                                    {netrpc::TypeOf<Quotient>(), &answer}, &wire));
  auto& server = testpipe::PipeOf(server_end);
  server.SetFaults({.fail_writes_after = wire.size() - 1});  // all but the last byte
  EXPECT_EQ(testpipe::Write(server, wire).first, boost::asio::error::broken_pipe);
  EXPECT_EQ(call->Wait(), netrpc::ErrUnexpectedEof);
  EXPECT_EQ(q.Quo, -1);
  EXPECT_EQ(q.Rem, -1);
  EXPECT_EQ((*client)->PendingCount(), 0u);
}

TEST(Client, DialFailsClearly) {
  TestServer s;
  std::string addr = s.Address();
  s.server().Shutdown();
  auto refused = netrpc::Dial("tcp", addr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), netrpc::ErrorCode::kConnect);
  auto bad = netrpc::Dial("tcp", "127.0.0.1");
  EXPECT_EQ(bad.error().code(), netrpc::ErrorCode::kUsage);
  auto bad_net = netrpc::Dial("udp", "127.0.0.1:1");
  EXPECT_EQ(bad_net.error().code(), netrpc::ErrorCode::kUsage);
  // A black-holed address: the connect timeout bounds the wait, whatever the route says.
  auto started = std::chrono::steady_clock::now();
  auto timed = netrpc::Dial("tcp", "192.0.2.1:9", {.connect_timeout = 200ms});
  EXPECT_FALSE(timed.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

// FirstRpcBytes plays a Go HTTP RPC server for one connection: it answers the CONNECT as Go's
// does, then returns the protocol of the bytes the client sends next.
class FirstRpcBytes {
 public:
  FirstRpcBytes() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    address_ = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
    detected_ = std::async(std::launch::async, [this] { return Serve(); });
  }
  ~FirstRpcBytes() { ::close(listen_fd_); }
  const std::string& Address() const { return address_; }
  netrpc::protocol::Detected Detected() { return detected_.get(); }

 private:
  netrpc::protocol::Detected Serve() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    timeval tv{5, 0};  // bounded: a client that sends nothing fails the test, not hangs it
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string in;
    char buf[512];
    auto detected = netrpc::protocol::Detected::kNeedMore;
    bool connected = false;
    for (ssize_t n; detected == netrpc::protocol::Detected::kNeedMore &&
                    (n = ::read(fd, buf, sizeof buf)) > 0;) {
      in.append(buf, n);
      if (!connected && in.find("\n\n") != std::string::npos) {
        EXPECT_EQ(in.substr(0, in.find("\n\n") + 2), "CONNECT /_goRPC_ HTTP/1.0\n\n");
        in.erase(0, in.find("\n\n") + 2);
        std::string answer = "HTTP/1.0 200 Connected to Go RPC\n\n";
        (void)!::write(fd, answer.data(), answer.size());
        connected = true;
      }
      if (connected) detected = netrpc::protocol::Sniff(in);
    }
    ::close(fd);
    return detected;
  }

  int listen_fd_;
  std::string address_;
  std::future<netrpc::protocol::Detected> detected_;
};

// Go's DialHTTP speaks gob, and so does netrpc's whatever other options are given, unless the
// protocol itself is (a Go server would read the native preamble as a broken gob stream).
TEST(Client, DialHttpSpeaksGobUnlessAskedOtherwise) {
  struct Case {
    netrpc::DialOptions options;
    netrpc::protocol::Detected want;
  } cases[] = {
      {{}, netrpc::protocol::Detected::kGob},
      {{.connect_timeout = 2s}, netrpc::protocol::Detected::kGob},
      {{.protocol = netrpc::Protocol::kJson}, netrpc::protocol::Detected::kJsonRpc},
      {{.protocol = netrpc::Protocol::kNative}, netrpc::protocol::Detected::kNative},
  };
  for (const Case& c : cases) {
    FirstRpcBytes server;
    auto client = netrpc::DialHTTP("tcp", server.Address(), c.options);
    ASSERT_TRUE(client.ok()) << client.error().message();
    int64_t reply = 0;
    (*client)->Go("Arith.Multiply", Args{2, 3}, &reply);
    EXPECT_EQ(server.Detected(), c.want);
  }
}

// Dial's default stays native; a GeeRPC Option without a protocol means GeeRPC's gob.
TEST(Client, DialSpeaksNativeByDefaultAndGobWithGeeOption) {
  TestServer s;
  int64_t reply = 0;
  auto native = netrpc::Dial("tcp", s.Address(), {.connect_timeout = 2s});
  ASSERT_TRUE(native.ok());
  EXPECT_FALSE((*native)->Call("Arith.Multiply", Args{2, 3}, &reply));
  auto gee = netrpc::Dial("tcp", s.Address(), {.gee_option = true});
  ASSERT_TRUE(gee.ok()) << gee.error().message();
  EXPECT_FALSE((*gee)->Call("Arith.Multiply", Args{4, 3}, &reply));
  EXPECT_EQ(reply, 12);
}

// A server that stops reading: it takes the first bytes of the first request and no more, so
// that write waits; later calls queue up to max_queued_request_bytes, then fail at once.
TEST(Client, ServerThatStopsReadingFailsCallsInsteadOfQueueingForever) {
  auto [client_end, server_end] = netrpc::Pipe();
  testpipe::PipeOf(client_end).SetFaults({.capacity = 0});  // a write ends once all is read
  auto client = netrpc::NewClient(client_end, {.max_queued_request_bytes = 1u << 20});
  ASSERT_TRUE(client.ok());
  std::string payload(64 << 10, 'q'), reply;
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  calls.push_back((*client)->Go("Arith.Echo", payload, &reply));
  auto [ec, first] = testpipe::Read(testpipe::PipeOf(server_end), 16);
  ASSERT_FALSE(ec);
  EXPECT_EQ(first.substr(0, 4), netrpc::codec::kNativePreamble);
  netrpc::Error last;
  for (int i = 0; i < 400 && !last; ++i) {  // 25 MiB asked for; the queue holds about 1 MiB
    calls.push_back((*client)->Go("Arith.Echo", payload, &reply));
    if (calls.back()->Done()) last = calls.back()->error();
  }
  EXPECT_EQ(last.code(), netrpc::ErrorCode::kTooLarge) << last.message();
  // The first request is out; sixteen of 64 KiB and their headers pass 1 MiB; the next fails.
  EXPECT_EQ(calls.size(), 1 + (1u << 20) / payload.size() + 1);
  (*client)->Close();
  for (auto& c : calls) EXPECT_TRUE(c->Wait());
}

TEST(Client, WaitFromCallbackIsRefusedNotDeadlocked) {
  TestServer s;
  auto client = MustDial(s.Address());
  std::promise<netrpc::Error> inner_err;
  int64_t a = 0, b = 0;
  client->Go("Arith.Multiply", Args{1, 2}, &a, {}, [&](netrpc::Call&) {
    inner_err.set_value(client->Call("Arith.Multiply", Args{3, 4}, &b));
  });
  EXPECT_EQ(inner_err.get_future().get().code(), netrpc::ErrorCode::kUsage);
}

// Many clients on one shared EventLoop of two threads: every reply right, deadlines, Cancel
// and Close as with a thread per client, and the loop outlives them cleanly.
TEST(Client, ClientsShareAEventLoop) {
  TestServer s;
  netrpc::EventLoop loop(2);
  std::vector<std::unique_ptr<netrpc::Client>> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(MustDial(s.Address(), {.loop = &loop}));
  constexpr int kCalls = 200;
  std::vector<int64_t> replies(clients.size() * kCalls);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  std::atomic<int> callbacks{0};
  for (size_t c = 0; c < clients.size(); ++c) {
    for (int i = 0; i < kCalls; ++i) {
      int64_t a = static_cast<int64_t>(c * 1000 + i);
      calls.push_back(clients[c]->Go("Arith.Multiply", Args{a, 3}, &replies[c * kCalls + i], {},
                                     [&](netrpc::Call&) { ++callbacks; }));
    }
  }
  for (auto& call : calls) ASSERT_FALSE(call->Wait());
  for (size_t c = 0; c < clients.size(); ++c) {
    for (int i = 0; i < kCalls; ++i) {
      EXPECT_EQ(replies[c * kCalls + i], static_cast<int64_t>(c * 1000 + i) * 3);
    }
  }
  // Wait returns once a call is done; its callback may still be running on the loop.
  for (int i = 0; i < 500 && callbacks.load() < static_cast<int>(calls.size()); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(callbacks.load(), static_cast<int>(calls.size()));

  int64_t reply = 0;
  EXPECT_EQ(clients[0]->Call("Arith.Sleep", Args{500, 1}, &reply, {.timeout = 50ms}),
            netrpc::ErrTimeout);
  auto canceled = clients[1]->Go("Arith.Sleep", Args{300, 1}, &reply);
  canceled->Cancel();
  EXPECT_EQ(canceled->Wait(), netrpc::ErrCanceled);
  // A call with a far deadline, then Close: the shared loop must not hold the client for it.
  auto far = clients[2]->Go("Arith.Sleep", Args{300, 1}, &reply, {.timeout = 1h});
  EXPECT_FALSE(clients[2]->Close());
  EXPECT_EQ(far->Wait(), netrpc::ErrShutdown);
  for (auto& client : clients) EXPECT_EQ(client->PendingCount(), 0u);
  EXPECT_FALSE(clients[3]->Call("Arith.Multiply", Args{6, 7}, &reply));
  EXPECT_EQ(reply, 42);
  clients.clear();  // before the loop, which must outlive them
}

TEST(Client, BlockingOnAEventLoopThreadIsRefused) {
  TestServer s;
  netrpc::EventLoop loop;
  auto client = MustDial(s.Address(), {.loop = &loop});
  std::promise<std::pair<netrpc::Error, netrpc::Error>> inner;
  int64_t a = 0, b = 0;
  client->Go("Arith.Multiply", Args{1, 2}, &a, {}, [&](netrpc::Call&) {
    auto dialed = netrpc::Dial("tcp", s.Address(), {.loop = &loop});
    inner.set_value({dialed.ok() ? netrpc::Error{} : dialed.error(),
                     client->Call("Arith.Multiply", Args{3, 4}, &b)});
  });
  auto [dial_err, wait_err] = inner.get_future().get();
  EXPECT_EQ(dial_err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(wait_err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(a, 2);
}

}  // namespace
