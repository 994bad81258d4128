// faults_test.cc: the server under bad peers, which its other connections must not notice:
// faults the pipe injects at an exact byte, and real sockets where the socket is the point.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include "codec/native.h"
#include "pipe_peer.h"
#include "test_service.h"

using namespace std::chrono_literals;
using testsvc::Args;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
constexpr bool kSanitized = __has_feature(address_sanitizer) || __has_feature(thread_sanitizer);
#else
constexpr bool kSanitized = false;
#endif

int Connect(const std::string& addr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1))));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    bytes.remove_prefix(n);
  }
}

// Requests encodes n native Echo requests of `size` bytes each, pipelined, as a client before
// the native extensions writes them (no hello, plain seqs: the reader below reads them so).
std::string EchoRequests(int n, size_t size) {
  auto codec = netrpc::codec::NewNativeClientCodec({}, {}, netrpc::codec::NativeVersion::kV1);
  std::string out, payload(size, 'p');
  for (int i = 0; i < n; ++i) {
    EXPECT_FALSE(codec->WriteRequest({"Arith.Echo", static_cast<uint64_t>(i)},
                                     {netrpc::TypeOf<std::string>(), &payload}, &out));
  }
  return out;
}

size_t OpenDescriptors() {
  size_t n = 0;
  for (auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

void ExpectServes(netrpc::Client& c) {
  int64_t r = 0;
  EXPECT_FALSE(c.Call("Arith.Multiply", Args{6, 7}, &r));
  EXPECT_EQ(r, 42);
}

// A peer whose connection breaks in the middle of a frame (its write fails at byte `cut`, as
// at a reset) costs that connection only: the server lets it go, and the cut request never
// becomes a call. Cuts fall in the preamble, the length, the header and the body.
TEST(Faults, ResetMidFrameLosesOnlyThatConnection) {
  testpipe::ManualLoop loop;  // the broken connections' server side runs when the test polls
  testsvc::Arith arith;
  netrpc::Server server;
  auto running_at_exit = loop.StartAtExit();
  ASSERT_FALSE(server.Register(arith));
  auto [good_end, good_server_end] = netrpc::Pipe();
  ASSERT_FALSE(server.ServeConn(good_server_end));
  auto good = netrpc::NewClient(good_end);
  ASSERT_TRUE(good.ok());
  std::string frames = EchoRequests(1, 1000);
  for (size_t cut : {size_t{2}, size_t{6}, size_t{12}, frames.size() / 2, frames.size() - 1}) {
    auto [peer, server_end] = netrpc::transport::NewPipe(loop.Executor(), loop.Executor());
    std::weak_ptr<netrpc::transport::Connection> served_end = server_end;
    ASSERT_FALSE(server.ServeConn(netrpc::detail::ConnAccess::Make(std::move(server_end))));
    peer->SetFaults({.fail_writes_after = cut});
    auto wrote = testpipe::StartWrite(*peer, frames);
    loop.Poll();  // the server reads the bytes before the cut, then EOF, and closes
    ASSERT_EQ(wrote.wait_for(0s), std::future_status::ready);
    auto [ec, n] = wrote.get();
    EXPECT_EQ(ec, boost::asio::error::broken_pipe);
    EXPECT_EQ(n, cut);
    EXPECT_TRUE(served_end.expired()) << cut;  // closed and released, not kept open
    ExpectServes(**good);
  }
  EXPECT_EQ(server.NumCalls("Arith.Echo"), 0u);
}

// A peer that sends requests and reads none of the replies: the server stops reading it
// once its replies fill the peer's receive buffer and max_queued_reply_bytes, instead of
// running every call and buffering every reply; when the peer reads again, all arrive.
TEST(Faults, PeerThatStopsReadingIsNotBufferedWithoutBound) {
  testpipe::ManualLoop loop;
  testsvc::Arith arith;
  netrpc::Server server({.max_queued_reply_bytes = 1u << 20});
  auto running_at_exit = loop.StartAtExit();
  // Inline handlers run on the connection's loop as each request is read, so one Poll() of
  // that loop is everything the server does for the peer until the peer reads.
  ASSERT_FALSE(server.Register(arith, {.dispatch = netrpc::Dispatch::kInline}));
  auto [good_end, good_server_end] = netrpc::Pipe();
  ASSERT_FALSE(server.ServeConn(good_server_end));
  auto good = netrpc::NewClient(good_end);
  ASSERT_TRUE(good.ok());

  auto [peer, server_end] = netrpc::transport::NewPipe(loop.Executor(), loop.Executor());
  server_end->SetFaults({.capacity = 256u << 10});  // the peer's receive buffer
  ASSERT_FALSE(server.ServeConn(netrpc::detail::ConnAccess::Make(server_end)));
  constexpr int kCalls = 64;
  constexpr size_t kSize = 256u << 10;  // 16 MiB of replies asked for
  auto sent = testpipe::StartWrite(*peer, EchoRequests(kCalls, kSize));
  loop.Poll();
  // Reading stopped with about 1.25 MiB of replies waiting: far from all calls have run,
  // and the rest of the requests are still unread.
  uint64_t served = server.NumCalls("Arith.Echo");
  EXPECT_LT(served, static_cast<uint64_t>(kCalls / 4));
  EXPECT_GT(peer->Unsent(), 0u);
  ExpectServes(**good);  // the rest of the server is unaffected

  // Now read everything: every reply arrives (in completion order), with the right payload.
  loop.Start();
  std::vector<bool> seen(kCalls, false);
  auto codec = netrpc::codec::NewNativeClientCodec({}, {}, netrpc::codec::NativeVersion::kV1);
  std::string in;
  int got = 0;
  while (got < kCalls) {
    auto [ec, bytes] = testpipe::Read(*peer);
    ASSERT_FALSE(ec) << ec.message();
    in += bytes;
    for (;;) {
      netrpc::Response h;
      auto r = codec->ReadResponseHeader(in, &h);
      ASSERT_FALSE(r.error);
      if (r.NeedMore()) break;
      std::string body;
      ASSERT_FALSE(codec->ReadResponseBody({netrpc::TypeOf<std::string>(), &body}));
      ASSERT_LT(h.seq, static_cast<uint64_t>(kCalls));
      EXPECT_FALSE(seen[h.seq]);
      seen[h.seq] = true;
      EXPECT_TRUE(body == std::string(kSize, 'p')) << h.seq;
      ++got;
      in.erase(0, r.consumed);
    }
  }
  EXPECT_FALSE(sent.get().first);  // every request was read in the end
  EXPECT_EQ(server.NumCalls("Arith.Echo"), static_cast<uint64_t>(kCalls));
  peer->Close();
}

// A client slow to be written to: the server's writes wait whenever 64 KiB it sent are not
// read yet, as with a small receive buffer, and every large reply still arrives whole.
TEST(Faults, SlowReaderGetsEveryReply) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  auto [client_end, server_end] = netrpc::Pipe();
  testpipe::PipeOf(server_end).SetFaults({.capacity = 64u << 10});
  ASSERT_FALSE(server.ServeConn(server_end));
  auto client = netrpc::NewClient(client_end);
  ASSERT_TRUE(client.ok());
  std::vector<std::string> replies(20);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back((*client)->Go("Arith.Echo", std::string(256 << 10, static_cast<char>('a' + i)),
                                  &replies[i]));
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_FALSE(calls[i]->Wait());
    EXPECT_EQ(replies[i], std::string(256 << 10, static_cast<char>('a' + i)));
  }
}

TEST(Faults, HalfOpenConnectionIsClosedByIdleTimeout) {
  testsvc::TestServer s({.idle_timeout = 200ms});
  int fd = Connect(s.Address());
  ASSERT_GE(fd, 0);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto started = std::chrono::steady_clock::now();
  char c;
  EXPECT_EQ(::read(fd, &c, 1), 0);  // the server closed it
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  ::close(fd);
  // A connection in use is not idle: a call that takes longer than the timeout completes.
  // (A timeout of its own, long against a loaded machine's stalls between connecting and
  // sending: a client that sends nothing for the whole timeout is idle, rightly closed.)
  testsvc::TestServer busy({.idle_timeout = 1s});
  auto client = testsvc::MustDial(busy.Address());
  int64_t r = 0;
  EXPECT_FALSE(client->Call("Arith.Sleep", Args{1500, 5}, &r));
  EXPECT_EQ(r, 5);
}

TEST(Faults, ConnectionLimitRefusesExtraConnections) {
  testsvc::TestServer s({.max_connections = 2});
  auto a = testsvc::MustDial(s.Address());
  auto b = testsvc::MustDial(s.Address());
  ExpectServes(*a);
  ExpectServes(*b);
  auto c = testsvc::MustDial(s.Address());  // accepted by the kernel, closed by the server
  int64_t r = 0;
  netrpc::Error err = c->Call("Arith.Multiply", Args{1, 1}, &r);
  EXPECT_TRUE(err.code() == netrpc::ErrorCode::kUnexpectedEof ||
              err.code() == netrpc::ErrorCode::kShutdown)
      << err.message();
  ExpectServes(*a);
}

TEST(Faults, TenThousandConnectCyclesLeakNothing) {
  testsvc::TestServer s;
  auto warm = [&](int n) {
    for (int i = 0; i < n; ++i) {
      int fd = Connect(s.Address());
      ASSERT_GE(fd, 0);
      if (i % 2 == 0) SendAll(fd, std::string("\xCENR\x01", 4));  // some speak, some don't
      ::close(fd);
    }
  };
  warm(500);
  std::this_thread::sleep_for(200ms);
  size_t fds_before = OpenDescriptors();
  rusage before{};
  ::getrusage(RUSAGE_SELF, &before);
  warm(10000);
  // Let the server notice the last closes (it may lag under load), then count.
  size_t fds_after = OpenDescriptors();
  for (int i = 0; i < 100 && fds_after > fds_before + 2; ++i) {
    std::this_thread::sleep_for(50ms);
    fds_after = OpenDescriptors();
  }
  rusage after{};
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_LE(fds_after, fds_before + 2);
  if (!kSanitized) {  // ASan's quarantine keeps freed memory; there LeakSanitizer checks leaks
    EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 16 * 1024);  // KiB: no per-connection leak
  }
  auto client = testsvc::MustDial(s.Address());
  ExpectServes(*client);
}

}  // namespace
