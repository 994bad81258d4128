// large_test.cc: large payloads end to end: requests whose last byte slice is read from the
// connection straight into the argument, and replies sent from the reply without a copy.
#include <gtest/gtest.h>

#include <future>
#include <tuple>

#include "codec/native.h"
#include "pipe_peer.h"
#include "test_service.h"

using namespace std::chrono_literals;
using testsvc::Args;
using testsvc::MustDial;
using testsvc::TestServer;

namespace {

struct Pair {
  std::string Label;
  netrpc::Bytes Left;
  int64_t N = 0;
  netrpc::Bytes Right;
  bool operator==(const Pair&) const = default;
};
NETRPC_STRUCT(Pair, Label, Left, N, Right);

netrpc::Bytes Pattern(size_t n, uint8_t salt) {
  netrpc::Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 31 + salt) ^ (i >> 9));
  return b;
}

// LargeServer adds by-value and by-reference echo handlers to the test service.
struct LargeServer : TestServer {
  explicit LargeServer(netrpc::ServerOptions options = {}) : TestServer(options) {
    EXPECT_FALSE(server().RegisterFunc("Big.Echo", [](netrpc::Bytes in, netrpc::Bytes* out) {
      *out = std::move(in);
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server().RegisterFunc(
        "Big.Reverse", [](const netrpc::Bytes& in) -> netrpc::Result<netrpc::Bytes> {
          return netrpc::Bytes(in.rbegin(), in.rend());
        }));
    EXPECT_FALSE(server().RegisterFunc("Big.Swap", [](Pair in, Pair* out) {
      out->Label = in.Label + "!";
      out->Left = std::move(in.Right);
      out->Right = std::move(in.Left);
      out->N = -in.N;
      return netrpc::Error{};
    }));
  }
};

TEST(Large, EchoesEverySizeAroundTheThresholds) {
  LargeServer s;
  auto client = MustDial(s.Address());
  for (size_t n : {size_t{0}, size_t{65535}, size_t{65536}, size_t{262143}, size_t{262144},
                   size_t{1} << 20, (size_t{5} << 20) + 3}) {
    netrpc::Bytes in = Pattern(n, static_cast<uint8_t>(n)), out, reversed;
    ASSERT_FALSE(client->Call("Big.Echo", in, &out)) << n;
    EXPECT_EQ(out, in) << n;
    ASSERT_FALSE(client->Call("Big.Reverse", in, &reversed)) << n;
    EXPECT_TRUE(std::equal(in.rbegin(), in.rend(), reversed.begin(), reversed.end())) << n;
  }
}

TEST(Large, ConcurrentLargeAndSmallCallsOnOneConnection) {
  LargeServer s;
  auto client = MustDial(s.Address());
  constexpr int kCalls = 24;
  std::vector<netrpc::Bytes> ins(kCalls), outs(kCalls);
  std::vector<Pair> pairs(kCalls), swapped(kCalls);
  std::vector<int64_t> products(kCalls);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < kCalls; ++i) {
    ins[i] = Pattern((300 << 10) + i * 4099, static_cast<uint8_t>(i));
    pairs[i] = {"p" + std::to_string(i), Pattern(100000 + i, 1), i, Pattern(400000 - i, 2)};
    calls.push_back(client->Go("Big.Echo", ins[i], &outs[i]));
    calls.push_back(client->Go("Arith.Multiply", Args{i, 3}, &products[i]));
    calls.push_back(client->Go("Big.Swap", pairs[i], &swapped[i]));
  }
  for (auto& c : calls) ASSERT_FALSE(c->Wait()) << c->ServiceMethod();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(outs[i], ins[i]) << i;
    EXPECT_EQ(products[i], 3 * i);
    EXPECT_EQ(swapped[i].Label, pairs[i].Label + "!");
    EXPECT_EQ(swapped[i].Left, pairs[i].Right);
    EXPECT_EQ(swapped[i].Right, pairs[i].Left);
    EXPECT_EQ(swapped[i].N, -i);
  }
}

// The first calls of a method carry its args type after the body, and a call may carry a
// deadline and metadata there too: such large calls are served whole, with their values, on a
// connection that then goes on (that they take the tail path is native_ext_test's
// LargeCallWithRecordsReadsItsTailInPlace).
TEST(Large, FirstCallsAndCallsWithDeadlineAndMetadataAreServedWhole) {
  LargeServer s;
  auto client = MustDial(s.Address());
  netrpc::Bytes in = Pattern((1 << 20) + 5, 4), out;
  ASSERT_FALSE(client->Call("Big.Echo", in, &out));  // the first call: types travel
  EXPECT_EQ(out, in);
  netrpc::CallOptions extras{.timeout = 30s, .metadata = {{"authorization", "Bearer t0ken"}}};
  for (size_t n : {size_t{300000}, (size_t{3} << 20) + 1}) {
    netrpc::Bytes big = Pattern(n, static_cast<uint8_t>(n)), echoed;
    ASSERT_FALSE(client->Call("Big.Echo", big, &echoed, extras)) << n;
    EXPECT_EQ(echoed, big) << n;
  }
  Pair p{"first", Pattern(5000, 1), 7, Pattern(700000, 2)}, swapped;
  ASSERT_FALSE(client->Call("Big.Swap", p, &swapped, extras));  // a first call with extras
  EXPECT_EQ(swapped.Label, "first!");
  EXPECT_EQ(swapped.Left, p.Right);
  EXPECT_EQ(swapped.Right, p.Left);
  EXPECT_EQ(swapped.N, -7);
  int64_t product = 0;
  ASSERT_FALSE(client->Call("Arith.Multiply", Args{6, 7}, &product, extras));
  EXPECT_EQ(product, 42);
  EXPECT_EQ(s.server().NumCalls("Big.Echo"), 3u);
}

TEST(Large, LargeCallsOverEveryProtocolStillWork) {
  LargeServer s;
  netrpc::Bytes in = Pattern(700000, 9);
  for (auto protocol : {netrpc::Protocol::kGob, netrpc::Protocol::kJson}) {
    auto client = MustDial(s.Address(), {.protocol = protocol});
    netrpc::Bytes out;
    ASSERT_FALSE(client->Call("Big.Echo", in, &out));
    EXPECT_EQ(out, in);
  }
}

// A peer that leaves in the middle of a large request (its write fails at byte `cut`, in the
// header, early and late in the tail read straight into the argument, and one byte short)
// loses only its connection: the server lets it go, and the cut requests never become calls.
TEST(Large, PeerLeavingInTheMiddleOfATailLosesOnlyItsConnection) {
  testpipe::ManualLoop loop;  // the cut connections' server side runs when the test polls
  LargeServer s;
  auto running_at_exit = loop.StartAtExit();
  auto client = MustDial(s.Address());
  // Version 1's bytes: a first call of the extended client carries its types after the body,
  // and so is read through the buffer, not tail-first.
  auto codec = netrpc::codec::NewNativeClientCodec({}, {}, netrpc::codec::NativeVersion::kV1);
  netrpc::Bytes payload = Pattern(2 << 20, 3);
  std::string wire;
  ASSERT_FALSE(
      codec->WriteRequest({"Big.Echo", 0}, {netrpc::TypeOf<netrpc::Bytes>(), &payload}, &wire));
  for (size_t cut : {size_t{100}, size_t{70000}, wire.size() / 2, wire.size() - 1}) {
    auto [peer, server_end] = netrpc::transport::NewPipe(loop.Executor(), loop.Executor());
    std::weak_ptr<netrpc::transport::Connection> served_end = server_end;
    ASSERT_FALSE(s.server().ServeConn(netrpc::detail::ConnAccess::Make(std::move(server_end))));
    peer->SetFaults({.fail_writes_after = cut});
    auto wrote = testpipe::StartWrite(*peer, wire);
    loop.Poll();  // the server reads up to the cut, then EOF, and closes
    ASSERT_EQ(wrote.wait_for(0s), std::future_status::ready);
    auto [ec, n] = wrote.get();
    EXPECT_EQ(ec, boost::asio::error::broken_pipe);
    EXPECT_EQ(n, cut);
    EXPECT_TRUE(served_end.expired()) << cut;  // closed and released, not kept open
    netrpc::Bytes in = Pattern(300000, static_cast<uint8_t>(cut)), out;
    ASSERT_FALSE(client->Call("Big.Echo", in, &out)) << cut;
    EXPECT_EQ(out, in);
  }
  EXPECT_EQ(s.server().NumCalls("Big.Echo"), 4u);  // the cut requests never became calls
}

// Shutdown while large requests and replies are in flight, queued or borrowed, and the client
// still sending: every call the server ran is answered whole (the server lingers instead of
// resetting the connection), and the calls it never read fail with a connection error.
TEST(Large, ShutdownAnswersEveryCallItRan) {
  LargeServer s;
  auto client = MustDial(s.Address());
  constexpr int kCalls = 8;
  std::vector<netrpc::Bytes> ins(kCalls), outs(kCalls);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < kCalls; ++i) {
    ins[i] = Pattern(1 << 20, static_cast<uint8_t>(i));
    calls.push_back(client->Go("Big.Echo", ins[i], &outs[i]));
  }
  ASSERT_FALSE(calls.front()->Wait());
  s.server().Shutdown();
  size_t answered = 0;
  for (int i = 0; i < kCalls; ++i) {
    if (netrpc::Error err = calls[i]->Wait()) {
      EXPECT_EQ(err, netrpc::ErrUnexpectedEof) << err.message();
      EXPECT_TRUE(outs[i].empty()) << i;
      continue;
    }
    ++answered;
    EXPECT_EQ(outs[i], ins[i]) << i;
  }
  EXPECT_GE(answered, 1u);
  EXPECT_EQ(answered, s.server().NumCalls("Big.Echo"));
}

// FakeServer answers one netrpc client by hand over a pipe, so that a test can stop a large
// reply at an exact byte. A Send returns once the client has read every byte of it.
class FakeServer {
 public:
  FakeServer() {
    std::tie(client_end_, server_end_) = netrpc::Pipe();
    testpipe::PipeOf(server_end_).SetFaults({.capacity = 0});
  }
  ~FakeServer() { server_end_.Close(); }
  const netrpc::Conn& ClientEnd() const { return client_end_; }
  // ReadRequestHeader waits until one whole request is in and returns its header.
  netrpc::Request ReadRequestHeader() {
    netrpc::Request h;
    for (;;) {
      auto r = codec_->ReadRequestHeader(in_, &h);
      EXPECT_FALSE(r.error);
      if (r.consumed > 0) {
        in_.erase(0, r.consumed);
        if (IsControl()) continue;  // the client's hello, left unanswered (as an older server)
        return h;
      }
      auto [ec, bytes] = testpipe::Read(testpipe::PipeOf(server_end_));
      if (ec) return {};
      in_ += bytes;
    }
  }
  void Send(std::string_view bytes) {
    auto [ec, n] = testpipe::Write(testpipe::PipeOf(server_end_), std::string(bytes));
    EXPECT_FALSE(ec) << ec.message();
  }
  std::string Reply(uint64_t seq, const netrpc::Bytes& body) {
    std::string out;
    EXPECT_FALSE(codec_->WriteResponse({"Big.Echo", seq, ""},
                                       {netrpc::TypeOf<netrpc::Bytes>(), &body}, &out));
    return out;
  }

 private:
  netrpc::Conn client_end_, server_end_;
  bool IsControl() const {
    return netrpc::codec::AsNativeServer(codec_.get())->Last().control !=
           netrpc::codec::NativeRequest::Control::kNone;
  }
  std::string in_;
  std::unique_ptr<netrpc::ServerCodec> codec_ = netrpc::codec::NewNativeServerCodec({});
};

// While a large reply is halfway in, its call still times out or is canceled on time, the
// reply's memory is not touched after that, and the connection stays in step for the next call.
TEST(Large, DeadlineAndCancelStillWorkWhileALargeReplyArrives) {
  FakeServer fake;
  auto dialed = netrpc::NewClient(fake.ClientEnd());
  ASSERT_TRUE(dialed.ok());
  auto& client = *dialed;
  netrpc::Bytes body = Pattern(1 << 20, 5);
  netrpc::Bytes arg = {1, 2, 3};

  // A call that times out: half its reply is in (the deadline is 200 ms off; sending the half
  // takes well under one), and the rest is sent only after the call has ended.
  auto reply = std::make_unique<netrpc::Bytes>();
  std::promise<void> timed_out;
  auto start = std::chrono::steady_clock::now();
  auto timed = client->Go("Big.Echo", arg, reply.get(), {.timeout = 200ms},
                          [&](netrpc::Call&) { timed_out.set_value(); });
  std::string wire = fake.Reply(fake.ReadRequestHeader().seq, body);
  fake.Send(std::string_view(wire).substr(0, wire.size() / 2));
  ASSERT_EQ(timed_out.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(timed->Wait(), netrpc::ErrTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  reply.reset();  // gone: the rest of that reply must go nowhere near it
  fake.Send(std::string_view(wire).substr(wire.size() / 2));

  // A call canceled while the client holds exactly half its reply.
  netrpc::Bytes canceled_reply;
  auto call = client->Go("Big.Echo", arg, &canceled_reply);
  wire = fake.Reply(fake.ReadRequestHeader().seq, body);
  fake.Send(std::string_view(wire).substr(0, wire.size() / 2));
  call->Cancel();
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);
  fake.Send(std::string_view(wire).substr(wire.size() / 2));

  netrpc::Bytes answered;  // its reply comes after the rest of the canceled one
  auto last = client->Go("Big.Echo", arg, &answered);
  fake.Send(fake.Reply(fake.ReadRequestHeader().seq, body));
  ASSERT_FALSE(last->Wait());
  EXPECT_EQ(answered, body);
  EXPECT_TRUE(canceled_reply.empty());
  EXPECT_EQ(client->PendingCount(), 0u);
}

}  // namespace
