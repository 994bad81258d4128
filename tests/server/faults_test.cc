// faults_test.cc: the server under bad peers, over real sockets on 127.0.0.1: a reset in the
// middle of a frame, a peer that stops reading, a slow reader, a half-open connection, and
// thousands of connect/disconnect cycles. Other connections must not notice any of it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "codec/native.h"
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

// Requests encodes n native Echo requests of `size` bytes each, pipelined.
std::string EchoRequests(int n, size_t size) {
  auto codec = netrpc::codec::NewNativeClientCodec({});
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

TEST(Faults, ResetMidFrameLosesOnlyThatConnection) {
  testsvc::TestServer s;
  auto good = testsvc::MustDial(s.Address());
  std::string frames = EchoRequests(1, 1000);
  int fd = Connect(s.Address());
  SendAll(fd, std::string_view(frames).substr(0, frames.size() / 2));
  linger hard{1, 0};  // close with RST
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
  ExpectServes(*good);
}

TEST(Faults, PeerThatStopsReadingIsNotBufferedWithoutBound) {
  testsvc::TestServer s({.max_queued_reply_bytes = 2u << 20});
  auto good = testsvc::MustDial(s.Address());
  int fd = Connect(s.Address());
  constexpr int kCalls = 200;
  std::thread writer([&] { SendAll(fd, EchoRequests(kCalls, 1 << 20)); });  // 200 MiB asked
  std::this_thread::sleep_for(1s);
  // Reading stopped once ~2 MiB of replies waited: far from all 200 calls have run.
  uint64_t served = s.server().NumCalls("Arith.Echo");
  EXPECT_LT(served, 60u);
  ExpectServes(*good);  // the rest of the server is unaffected
  // Now read everything: every reply arrives (in completion order), with the right payload.
  std::vector<bool> seen(kCalls, false);
  auto codec = netrpc::codec::NewNativeClientCodec({});
  std::string in;
  char buf[1 << 16];
  int got = 0;
  while (got < kCalls) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0);
    in.append(buf, n);
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
      EXPECT_EQ(body.size(), 1u << 20);
      ++got;
      in.erase(0, r.consumed);
    }
  }
  writer.join();
  ::close(fd);
  EXPECT_EQ(s.server().NumCalls("Arith.Echo"), static_cast<uint64_t>(kCalls));
}

TEST(Faults, SlowReaderGetsEveryReply) {
  testsvc::TestServer s;
  auto client = testsvc::MustDial(s.Address());
  // The client's own read loop is fast, so make the server slow to be read by asking for
  // many large replies at once; every one must arrive intact.
  std::vector<std::string> replies(20);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back(
        client->Go("Arith.Echo", std::string(256 << 10, static_cast<char>('a' + i)), &replies[i]));
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
  auto client = testsvc::MustDial(s.Address());
  int64_t r = 0;
  EXPECT_FALSE(client->Call("Arith.Sleep", Args{400, 5}, &r));
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
