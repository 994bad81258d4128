// large_test.cc: large payloads end to end: requests whose last byte slice is read from the
// socket straight into the argument, and replies sent from the reply without a copy.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "codec/native.h"
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

TEST(Large, PeerLeavingInTheMiddleOfATailLosesOnlyItsConnection) {
  LargeServer s;
  auto client = MustDial(s.Address());
  auto codec = netrpc::codec::NewNativeClientCodec({});
  netrpc::Bytes payload = Pattern(2 << 20, 3);
  std::string wire;
  ASSERT_FALSE(
      codec->WriteRequest({"Big.Echo", 0}, {netrpc::TypeOf<netrpc::Bytes>(), &payload}, &wire));
  for (size_t cut : {size_t{100}, size_t{70000}, wire.size() / 2, wire.size() - 1}) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    std::string addr = s.Address();
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1))));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    std::string_view part = std::string_view(wire).substr(0, cut);
    while (!part.empty()) {
      ssize_t n = ::send(fd, part.data(), part.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      part.remove_prefix(n);
    }
    std::this_thread::sleep_for(20ms);  // let the server start on the tail
    ::close(fd);
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

// FakeServer accepts one netrpc client and answers each request by hand, so that a test can
// stop a large reply halfway.
class FakeServer {
 public:
  FakeServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    socklen_t len = sizeof sa;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    address_ = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  }
  ~FakeServer() {
    if (fd_ >= 0) ::close(fd_);
    ::close(listen_fd_);
  }
  const std::string& Address() const { return address_; }
  void Accept() { fd_ = ::accept(listen_fd_, nullptr, nullptr); }
  // ReadRequest blocks until one whole request is in and returns its header.
  netrpc::Request ReadRequestHeader() {
    netrpc::Request h;
    for (;;) {
      auto r = codec_->ReadRequestHeader(in_, &h);
      EXPECT_FALSE(r.error);
      if (r.consumed > 0) {
        in_.erase(0, r.consumed);
        return h;
      }
      char buf[65536];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return {};
      in_.append(buf, n);
    }
  }
  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(n);
    }
  }
  std::string Reply(uint64_t seq, const netrpc::Bytes& body) {
    std::string out;
    EXPECT_FALSE(codec_->WriteResponse({"Big.Echo", seq, ""},
                                       {netrpc::TypeOf<netrpc::Bytes>(), &body}, &out));
    return out;
  }

 private:
  int listen_fd_ = -1, fd_ = -1;
  std::string address_, in_;
  std::unique_ptr<netrpc::ServerCodec> codec_ = netrpc::codec::NewNativeServerCodec({});
};

// While a large reply is halfway in, its call still times out or is canceled on time, the
// reply's memory is not touched after that, and the connection stays in step for the next call.
TEST(Large, DeadlineAndCancelStillWorkWhileALargeReplyArrives) {
  FakeServer fake;
  std::thread server([&] {
    fake.Accept();
    netrpc::Bytes body = Pattern(1 << 20, 5);
    for (int i = 0; i < 2; ++i) {  // a call that times out, then one that is canceled
      auto h = fake.ReadRequestHeader();
      std::string reply = fake.Reply(h.seq, body);
      fake.Send(std::string_view(reply).substr(0, reply.size() / 2));
      std::this_thread::sleep_for(1s);
      fake.Send(std::string_view(reply).substr(reply.size() / 2));
    }
    auto h = fake.ReadRequestHeader();  // then one that is answered
    fake.Send(fake.Reply(h.seq, body));
  });
  auto client = MustDial(fake.Address());
  netrpc::Bytes arg = {1, 2, 3};
  auto reply = std::make_unique<netrpc::Bytes>();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client->Call("Big.Echo", arg, reply.get(), {.timeout = 100ms}), netrpc::ErrTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 800ms);  // the rest comes after 1 s
  reply.reset();  // gone: the rest of that reply must go nowhere near it

  netrpc::Bytes canceled_reply;
  auto call = client->Go("Big.Echo", arg, &canceled_reply);
  std::this_thread::sleep_for(100ms);
  call->Cancel();
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);

  netrpc::Bytes answered;  // its reply comes after the rest of the canceled one
  ASSERT_FALSE(client->Call("Big.Echo", arg, &answered));
  EXPECT_EQ(answered, Pattern(1 << 20, 5));
  EXPECT_TRUE(canceled_reply.empty());
  EXPECT_EQ(client->PendingCount(), 0u);
  server.join();
}

}  // namespace
