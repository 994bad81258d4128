// log_test.cc: SetLogSink (src/types/log.cc) fed by real events on real 127.0.0.1 sockets: a
// connection closed for a bad frame, one refused past max_connections, a client whose server
// broke the stream; the level filter, the default on stderr, and nothing ever on stdout.
#include "types/log.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "test_service.h"

using namespace std::chrono_literals;
using netrpc::LogLevel;
using testsvc::Args;

namespace {

struct Message {
  LogLevel level;
  std::string text;
};

// Collector is a sink that keeps what it receives, for a test to wait on.
class Collector {
 public:
  netrpc::LogSink Sink() {
    return [this](LogLevel level, std::string_view text) {
      std::lock_guard lock(mu_);
      got_.push_back({level, std::string(text)});
      cv_.notify_all();
    };
  }
  // WaitFor returns the first message whose text starts with prefix, waiting up to 5 s.
  std::optional<Message> WaitFor(std::string_view prefix) {
    std::unique_lock lock(mu_);
    std::optional<Message> found;
    cv_.wait_for(lock, 5s, [&] {
      for (auto& m : got_) {
        if (m.text.starts_with(prefix)) found = m;
      }
      return found.has_value();
    });
    return found;
  }
  std::vector<Message> Got() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  std::mutex mu_;  // guards got_
  std::condition_variable cv_;
  std::vector<Message> got_;
};

// CaptureFd points fd (1 or 2) at a temporary file until Release, which returns what was
// written there.
class CaptureFd {
 public:
  explicit CaptureFd(int fd) : fd_(fd), file_(std::tmpfile()) {
    std::fflush(nullptr);
    saved_ = ::dup(fd_);
    ::dup2(::fileno(file_), fd_);
  }
  ~CaptureFd() { Release(); }
  std::string Release() {
    if (file_ == nullptr) return {};
    std::fflush(nullptr);
    ::dup2(saved_, fd_);
    ::close(saved_);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    std::fclose(file_);
    file_ = nullptr;
    return out;
  }

 private:
  int fd_;
  int saved_ = -1;
  FILE* file_;
};

int Connect(const std::string& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// LocalAddress is fd's own end as the server sees it, "127.0.0.1:port".
std::string LocalAddress(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

// WaitClosed reads fd until the peer closes it; true if it did within 5 s.
bool WaitClosed(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  for (int i = 0; i < 1000; ++i) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0) return false;
  }
  return false;
}

// SendBadFrame opens a native stream whose first frame is empty, which the server refuses
// with "native: malformed frame: empty frame" and a closed connection; it returns the
// address the server saw, after the server has closed the connection.
std::string SendBadFrame(const std::string& server_address) {
  int fd = Connect(server_address);
  EXPECT_GE(fd, 0);
  std::string peer = LocalAddress(fd);
  std::string bytes("\xCENR\x01\0\0\0\0", 8);  // the native preamble, then length 0
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), 8);
  EXPECT_TRUE(WaitClosed(fd));
  ::close(fd);
  return peer;
}

struct Empty {};
NETRPC_SERVICE(Empty);

// Each test sets a sink of its own and leaves the default behind.
class Log : public testing::Test {
 protected:
  void TearDown() override { netrpc::ResetLogSink(); }
  Collector collector_;
};

TEST_F(Log, SinkReceivesBadFrameClosureAsWarning) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  testsvc::TestServer server;
  std::string peer = SendBadFrame(server.Address());
  auto m = collector_.WaitFor("closing connection from");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->level, LogLevel::kWarning);
  EXPECT_EQ(m->text, "closing connection from " + peer + ": native: malformed frame: empty frame");
}

TEST_F(Log, SinkReceivesRefusalPastMaxConnections) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  testsvc::TestServer server({.max_connections = 1});
  auto first = testsvc::MustDial(server.Address());
  int64_t product = 0;
  ASSERT_FALSE(first->Call("Arith.Multiply", Args{6, 7}, &product));  // the one connection
  int fd = Connect(server.Address());
  ASSERT_GE(fd, 0);
  std::string peer = LocalAddress(fd);
  EXPECT_TRUE(WaitClosed(fd));
  ::close(fd);
  auto m = collector_.WaitFor("refusing connection");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->level, LogLevel::kWarning);
  EXPECT_EQ(m->text, "refusing connection from " + peer + ": 1 open, the limit (max_connections)");
}

TEST_F(Log, PeerHangingUpIsDebug) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  testsvc::TestServer server;
  {
    auto client = testsvc::MustDial(server.Address());
    int64_t product = 0;
    ASSERT_FALSE(client->Call("Arith.Multiply", Args{6, 7}, &product));
  }
  auto m = collector_.WaitFor("connection from");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->level, LogLevel::kDebug);
  EXPECT_TRUE(m->text.ends_with(" closed by the peer")) << m->text;
}

// The idle sweep says why it closed a connection, at kInfo; the read it cut short is not
// reported again as a warning.
TEST_F(Log, IdleCloseIsInfoAndItsCanceledReadIsNoWarning) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  testsvc::TestServer server({.idle_timeout = 100ms});
  int fd = Connect(server.Address());  // a peer that says nothing: half-open, as far as we know
  ASSERT_GE(fd, 0);
  std::string peer = LocalAddress(fd);
  EXPECT_TRUE(WaitClosed(fd));
  ::close(fd);
  auto idle = collector_.WaitFor("closing idle connection");
  ASSERT_TRUE(idle.has_value());
  EXPECT_EQ(idle->level, LogLevel::kInfo);
  EXPECT_EQ(idle->text, "closing idle connection from " + peer);
  auto closed = collector_.WaitFor("closing connection from " + peer);
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->level, LogLevel::kDebug) << closed->text;
  for (auto& m : collector_.Got()) EXPECT_LT(m.level, LogLevel::kWarning) << m.text;
}

// A filtered message reaches neither the sink nor the formatting: LogEnabled is false.
TEST_F(Log, LevelFiltersBelowMinimum) {
  netrpc::SetLogSink(LogLevel::kError, collector_.Sink());
  EXPECT_FALSE(netrpc::LogEnabled(LogLevel::kWarning));
  EXPECT_TRUE(netrpc::LogEnabled(LogLevel::kError));
  testsvc::TestServer server;
  SendBadFrame(server.Address());  // returns once the server closed it, after logging
  EXPECT_TRUE(collector_.Got().empty());

  netrpc::SetLogSink(LogLevel::kWarning, collector_.Sink());
  EXPECT_TRUE(netrpc::LogEnabled(LogLevel::kWarning));
  EXPECT_FALSE(netrpc::LogEnabled(LogLevel::kInfo));
  SendBadFrame(server.Address());
  ASSERT_TRUE(collector_.WaitFor("closing connection from").has_value());
  for (auto& m : collector_.Got()) EXPECT_GE(m.level, LogLevel::kWarning) << m.text;
}

TEST_F(Log, EmptySinkDropsEverything) {
  netrpc::SetLogSink(LogLevel::kDebug, nullptr);
  EXPECT_FALSE(netrpc::LogEnabled(LogLevel::kError));
  CaptureFd err(2);
  testsvc::TestServer server;
  SendBadFrame(server.Address());
  EXPECT_EQ(err.Release(), "");
}

// After ResetLogSink the sink set before gets nothing, and warnings go to stderr as one line.
TEST_F(Log, ResetRestoresStderr) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  netrpc::ResetLogSink();
  EXPECT_FALSE(netrpc::LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(netrpc::LogEnabled(LogLevel::kWarning));
  CaptureFd out(1);
  CaptureFd err(2);
  std::string peer;
  {
    testsvc::TestServer server;
    peer = SendBadFrame(server.Address());
  }
  std::string err_text = err.Release();
  EXPECT_EQ(out.Release(), "");
  EXPECT_EQ(err_text, "netrpc: warning: closing connection from " + peer +
                          ": native: malformed frame: empty frame\n");
  EXPECT_TRUE(collector_.Got().empty());
}

// Errors a call returns are not logged as well: Register's, RegisterFunc's, Listen's, Dial's,
// ServeConn's past max_connections.
TEST_F(Log, ReturnedErrorsAreNotLogged) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  CaptureFd err(2);
  {
    testsvc::TestServer server({.max_connections = 1});
    testsvc::Arith arith;
    Empty empty;
    EXPECT_EQ(server.server().Register(arith).message(), "rpc: service already defined: Arith");
    EXPECT_EQ(server.server().Register(empty).message(),
              "rpc.Register: type Empty has no exported methods of suitable type");
    EXPECT_EQ(server.server().RegisterName("", arith).message(),
              "rpc.Register: no service name for type");
    EXPECT_EQ(server.server().RegisterName("A.B", arith).message(),
              "rpc.Register: type A.B is not exported");
    EXPECT_EQ(server.server()
                  .RegisterFunc("NoDot", [](const int64_t&, int64_t*) { return netrpc::Error{}; })
                  .message(),
              "rpc: service/method request ill-formed: NoDot");
    EXPECT_TRUE(server.server().Listen("tcp", "127.0.0.1:not-a-port"));

    // A port bound but not listening refuses the connection.
    int bound = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(bound, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    auto refused = netrpc::Dial("tcp", LocalAddress(bound));
    EXPECT_EQ(refused.error().code(), netrpc::ErrorCode::kConnect);
    ::close(bound);

    auto first = testsvc::MustDial(server.Address());
    int64_t product = 0;
    ASSERT_FALSE(first->Call("Arith.Multiply", Args{6, 7}, &product));
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    EXPECT_EQ(server.server().ServeConn(pair[0]).message(), "too many connections");
    ::close(pair[1]);
  }
  EXPECT_EQ(err.Release(), "");
  for (auto& m : collector_.Got()) {
    // Only the peers' hang-ups at the end, which no call returned.
    EXPECT_EQ(m.level, LogLevel::kDebug) << m.text;
    EXPECT_TRUE(m.text.ends_with(" closed by the peer")) << m.text;
  }
}

// A raw server socket for the client side: accepts one connection and writes what it is told.
class RawServer {
 public:
  RawServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(listener_, 4);
  }
  ~RawServer() {
    if (conn_ >= 0) ::close(conn_);
    ::close(listener_);
  }
  std::string Address() const { return LocalAddress(listener_); }
  void Accept() { conn_ = ::accept(listener_, nullptr, nullptr); }
  // ReadSome waits for the client's first bytes (its preamble and request).
  void ReadSome() {
    char buf[512];
    ::recv(conn_, buf, sizeof buf, 0);
  }
  void Send(std::string_view bytes) { ::send(conn_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

 private:
  int listener_ = -1;
  int conn_ = -1;
};

// A broken stream with a call in flight is that call's error, not a log line; with none, the
// log line is the only place the reason appears.
TEST_F(Log, ClientLogsReadErrorOnlyWhenNoCallReceivedIt) {
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  const std::string empty_frame("\0\0\0\0", 4);
  {
    RawServer raw;
    auto client = netrpc::Dial("tcp", raw.Address());
    ASSERT_TRUE(client.ok()) << client.error();
    raw.Accept();
    int64_t product = 0;
    auto call = client->Go("Arith.Multiply", Args{6, 7}, &product);
    raw.ReadSome();
    raw.Send(empty_frame);
    EXPECT_EQ(call->Wait(),
              netrpc::Error(netrpc::ErrorCode::kProtocol, "native: malformed frame: empty frame"));
  }
  EXPECT_TRUE(collector_.Got().empty());
  {
    RawServer raw;
    auto client = netrpc::Dial("tcp", raw.Address());
    ASSERT_TRUE(client.ok()) << client.error();
    raw.Accept();
    raw.Send(empty_frame);
    auto m = collector_.WaitFor("client:");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->level, LogLevel::kWarning);
    EXPECT_EQ(m->text, "client: connection to " + raw.Address() +
                           " ended: native: malformed frame: empty frame");
    int64_t product = 0;
    EXPECT_EQ(client->Call("Arith.Multiply", Args{6, 7}, &product), netrpc::ErrShutdown);
  }
}

// Setting the sink while other threads log never loses the lock's guarantee: once SetLogSink
// returns, the sink it replaced is not running and never runs again.
TEST_F(Log, SetLogSinkWaitsForTheSinkItReplaces) {
  std::atomic<bool> replaced{false};
  std::atomic<int> late_calls{0};
  std::atomic<int> calls{0};
  netrpc::SetLogSink(LogLevel::kDebug, [&](LogLevel, std::string_view) {
    ++calls;
    std::this_thread::sleep_for(1ms);
    if (replaced.load()) ++late_calls;
  });
  std::atomic<bool> stop{false};
  std::vector<std::thread> loggers;
  for (int t = 0; t < 4; ++t) {
    loggers.emplace_back([&] {
      for (int i = 0; i < 100000 && !stop.load(); ++i) netrpc::Log(LogLevel::kWarning, "m", i);
    });
  }
  while (calls.load() < 20) std::this_thread::sleep_for(1ms);
  netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
  replaced = true;
  std::this_thread::sleep_for(20ms);
  stop = true;
  for (auto& t : loggers) t.join();
  EXPECT_EQ(late_calls.load(), 0);
  EXPECT_FALSE(collector_.Got().empty());
  for (auto& m : collector_.Got()) EXPECT_TRUE(m.text.starts_with("m")) << m.text;
}

// A sink that replaces itself neither deadlocks nor is destroyed while it runs; the message
// after goes to the new sink.
TEST_F(Log, SinkMayReplaceItself) {
  int calls = 0;
  netrpc::SetLogSink(LogLevel::kDebug,
                     [&, keep = std::make_shared<int>(7)](LogLevel, std::string_view) {
                       ++calls;
                       netrpc::SetLogSink(LogLevel::kDebug, collector_.Sink());
                       EXPECT_EQ(*keep, 7);  // still alive: the lambda runs until it returns
                     });
  netrpc::Log(LogLevel::kWarning, "first");
  netrpc::Log(LogLevel::kWarning, "second");
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(collector_.Got().size(), 1u);
  EXPECT_EQ(collector_.Got()[0].text, "second");
}

// A sink's exception stays in the sink, and what a sink logs through netrpc is dropped.
TEST_F(Log, SinkExceptionAndRecursionAreContained) {
  int calls = 0;
  netrpc::SetLogSink(LogLevel::kDebug, [&](LogLevel, std::string_view) {
    ++calls;
    netrpc::Log(LogLevel::kError, "from inside the sink");
    throw std::runtime_error("sink failed");
  });
  netrpc::Log(LogLevel::kWarning, "one");
  netrpc::Log(LogLevel::kWarning, "two");
  EXPECT_EQ(calls, 2);
}

// With everything on (kDebug to stderr), a session with every kind of event writes to stderr
// and nothing to stdout.
TEST_F(Log, NothingGoesToStdout) {
  netrpc::SetLogSink(LogLevel::kDebug, netrpc::LogToStderr);
  CaptureFd out(1);
  CaptureFd err(2);
  {
    testsvc::TestServer server({.max_connections = 2, .idle_timeout = 200ms});
    Empty empty;
    EXPECT_TRUE(server.server().Register(empty));
    auto client = testsvc::MustDial(server.Address());
    int64_t product = 0;
    EXPECT_FALSE(client->Call("Arith.Multiply", Args{6, 7}, &product));
    testsvc::Quotient q;
    EXPECT_TRUE(client->Call("Arith.Divide", Args{1, 0}, &q));
    EXPECT_TRUE(client->Call("Arith.Nope", Args{1, 0}, &q));
    SendBadFrame(server.Address());
    auto second = testsvc::MustDial(server.Address());
    int fd = Connect(server.Address());  // the third: refused
    WaitClosed(fd);
    ::close(fd);
    std::this_thread::sleep_for(600ms);  // idle connections closed
  }
  std::string err_text = err.Release();
  EXPECT_EQ(out.Release(), "");
  EXPECT_NE(err_text.find("netrpc: warning: closing connection from"), std::string::npos)
      << err_text;
  EXPECT_NE(err_text.find("netrpc: warning: refusing connection from"), std::string::npos)
      << err_text;
  EXPECT_NE(err_text.find("netrpc: info: closing idle connection from"), std::string::npos)
      << err_text;
}

}  // namespace
