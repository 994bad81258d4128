// seams_test.cc: a server and clients over every kind of connection (Unix sockets, a listener
// of the caller's, an in-memory pipe), a codec of the caller's, and faults the pipe injects.
#include <gtest/gtest.h>
#include <netrpc/asio.h>
#include <netrpc/codec.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <filesystem>
#include <future>
#include <thread>

#include "codec/native.h"
#include "test_service.h"
#include "transport/conn_access.h"
#include "transport/pipe.h"

using namespace std::chrono_literals;
using testsvc::Args;

namespace {

std::string SocketPath(const char* name) {
  auto path = std::filesystem::temp_directory_path() /
              ("netrpc-" + std::to_string(::getpid()) + "-" + name + ".sock");
  std::filesystem::remove(path);
  return path.string();
}

TEST(Seams, ListenAndDialOnAUnixSocket) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  std::string path = SocketPath("listen");
  ASSERT_FALSE(server.Listen("unix", path));
  EXPECT_EQ(server.Address(), path);
  auto client = netrpc::Dial("unix", path);
  ASSERT_TRUE(client.ok()) << client.error().message();
  int64_t product = 0;
  ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{6, 7}, &product));
  EXPECT_EQ(product, 42);
  // Go's protocols work on a Unix socket too: the sniffer does not care what carries bytes.
  auto gob = netrpc::Dial("unix", path, {.protocol = netrpc::Protocol::kGob});
  ASSERT_TRUE(gob.ok());
  ASSERT_FALSE((*gob)->Call("Arith.Multiply", Args{3, 5}, &product));
  EXPECT_EQ(product, 15);
  server.Shutdown();
  EXPECT_FALSE(std::filesystem::exists(path));  // the listener removes its socket file
}

TEST(Seams, ListenRefusesWhatItCannotServe) {
  auto l = netrpc::Listen("udp", "127.0.0.1:0");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(l.error().message(), "listen: unsupported network udp");
  auto no_port = netrpc::Listen("tcp", "127.0.0.1");
  EXPECT_EQ(no_port.error().code(), netrpc::ErrorCode::kUsage);
  auto no_dir = netrpc::Listen("unix", "/nonexistent-dir/x.sock");
  EXPECT_EQ(no_dir.error().code(), netrpc::ErrorCode::kIo);
  auto nobody = netrpc::Dial("unix", SocketPath("nobody"));
  EXPECT_EQ(nobody.error().code(), netrpc::ErrorCode::kConnect);
}

TEST(Seams, AcceptServesAListenerOfTheCallersUntilItCloses) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  auto listener = netrpc::Listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(listener.ok());
  std::string addr = listener->Address();
  netrpc::Error accept_err;
  std::thread accepting([&] { accept_err = server.Accept(*listener); });  // go server.Accept(l)
  auto client = netrpc::Dial("tcp", addr);
  ASSERT_TRUE(client.ok());
  int64_t product = 0;
  ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{2, 21}, &product));
  EXPECT_EQ(product, 42);
  listener->Close();
  accepting.join();  // Accept returned: its listener is closed
  EXPECT_EQ(accept_err.code(), netrpc::ErrorCode::kShutdown);
  // The connection it accepted is the server's, and is still served.
  ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{3, 3}, &product));
  EXPECT_EQ(product, 9);
}

TEST(Seams, ListenerAcceptAndDialConnAsGosNet) {
  auto listener = netrpc::Listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(listener.ok());
  netrpc::Result<netrpc::Conn> accepted;
  std::thread t([&] { accepted = listener->Accept(); });
  auto dialed = netrpc::DialConn("tcp", listener->Address());
  ASSERT_TRUE(dialed.ok());
  t.join();
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->Network(), "tcp");
  EXPECT_EQ(accepted->RemoteAddress(), dialed->LocalAddress());
  EXPECT_EQ(dialed->RemoteAddress(), listener->Address());
  // Serve the accepted end, call through the dialed end.
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  ASSERT_FALSE(server.ServeConn(*accepted));
  auto client = netrpc::NewClient(*dialed);
  ASSERT_TRUE(client.ok());
  int64_t sum = 0;
  ASSERT_FALSE((*client)->Call("Arith.Add", Args{40, 2}, &sum));
  EXPECT_EQ(sum, 42);
  listener->Close();
}

TEST(Seams, ServerAndClientOverAnInMemoryPipe) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  for (auto protocol :
       {netrpc::Protocol::kNative, netrpc::Protocol::kGob, netrpc::Protocol::kJson}) {
    auto [client_end, server_end] = netrpc::Pipe();
    ASSERT_FALSE(server.ServeConn(server_end));
    auto client = netrpc::NewClient(client_end, {.protocol = protocol});
    ASSERT_TRUE(client.ok());
    testsvc::Quotient q;
    ASSERT_FALSE((*client)->Call("Arith.Divide", Args{17, 5}, &q));
    EXPECT_EQ(q.Quo, 3);
    EXPECT_EQ(q.Rem, 2);
    netrpc::Error err = (*client)->Call("Arith.Divide", Args{1, 0}, &q);
    EXPECT_EQ(err, netrpc::ServerError("divide by zero"));
  }
}

// LineCodec is a codec of the user's own: one request per line, "seq method arg", one
// response per line, "seq error-or-dash value", for methods taking and returning an integer.
// Framing is finding the newline; nothing else is the codec's business.
std::string_view NextLine(std::string_view in, size_t* consumed) {
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return {};
  *consumed = nl + 1;
  return in.substr(0, nl);
}

class LineServerCodec final : public netrpc::ServerCodec {
 public:
  using ServerCodec::ServerCodec;
  netrpc::ReadResult ReadRequestHeader(std::string_view in, netrpc::Request* header) override {
    size_t consumed = 0;
    std::string_view line = NextLine(in, &consumed);
    if (consumed == 0) return {};
    size_t a = line.find(' '), b = line.rfind(' ');
    if (a == b) return {0, netrpc::Error(netrpc::ErrorCode::kProtocol, "line: malformed")};
    std::from_chars(line.data(), line.data() + a, header->seq);
    header->service_method.assign(line.substr(a + 1, b - a - 1));
    arg_.assign(line.substr(b + 1));
    return {consumed, {}};
  }
  netrpc::Error ReadRequestBody(netrpc::Value body) override {
    if (body.object == nullptr) return {};
    if (body.type->kind != netrpc::Kind::kInt || body.type->size != 8) {
      return netrpc::Error(netrpc::ErrorCode::kCodec, "line: only int64 travels");
    }
    std::from_chars(arg_.data(), arg_.data() + arg_.size(), *static_cast<int64_t*>(body.object));
    return {};
  }
  netrpc::Error WriteResponse(const netrpc::Response& header, netrpc::ConstValue body,
                              std::string* out) override {
    out->append(std::to_string(header.seq) + " ");
    out->append(header.error.empty() ? "-" : header.error);
    int64_t value = body.object ? *static_cast<const int64_t*>(body.object) : 0;
    out->append(" " + std::to_string(value) + "\n");
    return {};
  }

 private:
  std::string arg_;
};

class LineClientCodec final : public netrpc::ClientCodec {
 public:
  using ClientCodec::ClientCodec;
  netrpc::Error WriteRequest(const netrpc::Request& header, netrpc::ConstValue body,
                             std::string* out) override {
    out->append(std::to_string(header.seq) + " " + header.service_method + " " +
                std::to_string(*static_cast<const int64_t*>(body.object)) + "\n");
    return {};
  }
  netrpc::ReadResult ReadResponseHeader(std::string_view in, netrpc::Response* header) override {
    size_t consumed = 0;
    std::string_view line = NextLine(in, &consumed);
    if (consumed == 0) return {};
    size_t a = line.find(' '), b = line.rfind(' ');
    std::from_chars(line.data(), line.data() + a, header->seq);
    std::string_view error = line.substr(a + 1, b - a - 1);
    header->error = error == "-" ? "" : std::string(error);
    value_.assign(line.substr(b + 1));
    return {consumed, {}};
  }
  netrpc::Error ReadResponseBody(netrpc::Value body) override {
    if (body.object == nullptr) return {};
    std::from_chars(value_.data(), value_.data() + value_.size(),
                    *static_cast<int64_t*>(body.object));
    return {};
  }

 private:
  std::string value_;
};

TEST(Seams, ACodecOfTheUsersOwnServesAndCalls) {
  netrpc::Server server;
  ASSERT_FALSE(server.RegisterFunc("Math.Square", [](int64_t x, int64_t* y) {
    *y = x * x;
    return netrpc::Error{};
  }));
  ASSERT_FALSE(
      server.RegisterFunc("Math.Fail", [](int64_t, int64_t*) { return netrpc::Error("no"); }));
  auto listener = netrpc::Listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(listener.ok());
  std::thread serving([&] {
    auto conn = listener->Accept();
    if (conn.ok()) server.ServeCodec(std::make_unique<LineServerCodec>(*conn));
  });
  auto conn = netrpc::DialConn("tcp", listener->Address());
  ASSERT_TRUE(conn.ok());
  serving.join();
  auto client = netrpc::NewClientWithCodec(std::make_unique<LineClientCodec>(*conn));
  ASSERT_TRUE(client.ok());
  int64_t y = 0;
  ASSERT_FALSE((*client)->Call("Math.Square", int64_t{12}, &y));
  EXPECT_EQ(y, 144);
  EXPECT_EQ((*client)->Call("Math.Fail", int64_t{1}, &y), netrpc::ServerError("no"));
  // Many calls in flight on the one connection, answered in any order, each to its caller.
  std::vector<int64_t> replies(100);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int64_t i = 0; i < 100; ++i) {
    calls.push_back((*client)->Go("Math.Square", i, &replies[i]));
  }
  for (int64_t i = 0; i < 100; ++i) {
    ASSERT_FALSE(calls[i]->Wait());
    EXPECT_EQ(replies[i], i * i);
  }
  listener->Close();
}

// Go's TestClientWriteError: a write that fails must fail the call, not hang it.
TEST(Seams, AFailedWriteFailsTheCallAndLaterCalls) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  auto [client_end, server_end] = netrpc::Pipe();
  ASSERT_FALSE(server.ServeConn(server_end));
  auto client = netrpc::NewClient(client_end);
  ASSERT_TRUE(client.ok());
  int64_t product = 0;
  ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{2, 3}, &product));
  // The next write breaks after 3 bytes: half a frame reaches the server.
  auto* pipe = dynamic_cast<netrpc::transport::PipeConnection*>(
      netrpc::detail::ConnAccess::Of(client_end).get());
  ASSERT_NE(pipe, nullptr);
  pipe->SetFaults({.fail_writes_after = 3});
  netrpc::Error err = (*client)->Call("Arith.Multiply", Args{4, 5}, &product);
  EXPECT_TRUE(err == netrpc::ErrUnexpectedEof || err == netrpc::ErrShutdown) << err.message();
  EXPECT_EQ((*client)->PendingCount(), 0u);
  EXPECT_EQ((*client)->Call("Arith.Multiply", Args{1, 1}, &product), netrpc::ErrShutdown);
}

// A peer that sends half a frame and leaves costs its own connection only.
TEST(Seams, AHalfWrittenFrameClosesOnlyItsConnection) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  auto [good_end, good_server_end] = netrpc::Pipe();
  ASSERT_FALSE(server.ServeConn(good_server_end));
  auto good = netrpc::NewClient(good_end);
  ASSERT_TRUE(good.ok());

  auto [bad_end, bad_server_end] = netrpc::Pipe();
  ASSERT_FALSE(server.ServeConn(bad_server_end));
  auto bad = netrpc::NewClient(bad_end);
  ASSERT_TRUE(bad.ok());
  auto* pipe = dynamic_cast<netrpc::transport::PipeConnection*>(
      netrpc::detail::ConnAccess::Of(bad_end).get());
  pipe->SetFaults({.fail_writes_after = 6});  // the preamble and two bytes of the frame length
  int64_t product = 0;
  EXPECT_TRUE((*bad)->Call("Arith.Multiply", Args{4, 5}, &product));
  ASSERT_FALSE((*good)->Call("Arith.Multiply", Args{6, 7}, &product));
  EXPECT_EQ(product, 42);
}

}  // namespace

namespace {

// A connection of the caller's lives on the default loop, which outlives the server: the
// server's destruction waits for its calls instead of leaving them its freed state.
TEST(Seams, AServerOutlivesNoCallOnACallersConnection) {
  auto [client_end, server_end] = netrpc::Pipe();
  auto client = netrpc::NewClient(client_end);
  ASSERT_TRUE(client.ok());
  int64_t reply = 0;
  std::shared_ptr<netrpc::Call> call;
  {
    testsvc::Arith arith;
    netrpc::Server server({.shutdown_grace = 10ms});
    ASSERT_FALSE(server.Register(arith));
    ASSERT_FALSE(server.ServeConn(server_end));
    call = (*client)->Go("Arith.Sleep", Args{300, 7}, &reply);
    int64_t quick = 0;  // the slow call is in the server before it starts to shut down
    ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{2, 2}, &quick));
  }  // ~Server: grace over, then it waits for the sleeping handler before its state goes
  netrpc::Error err = call->Wait();
  EXPECT_TRUE(!err || err == netrpc::ErrUnexpectedEof) << err.message();
}

// Blocking on the loop that must deliver the reply would deadlock: it is refused instead.
TEST(Seams, ACallBlockingOnTheDefaultLoopIsRefused) {
  testsvc::Arith arith;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(arith));
  auto [client_end, server_end] = netrpc::Pipe();
  ASSERT_FALSE(server.ServeConn(server_end));
  auto client = netrpc::NewClient(client_end);
  ASSERT_TRUE(client.ok());
  netrpc::Client* c = client.value().get();
  std::promise<netrpc::Error> nested;
  int64_t first = 0, second = 0;
  (*client)->Go("Arith.Multiply", Args{2, 3}, &first, {}, [&](netrpc::Call&) {
    nested.set_value(c->Call("Arith.Multiply", Args{1, 1}, &second));  // on the default loop
  });
  netrpc::Error err = nested.get_future().get();
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage) << err.message();
  EXPECT_EQ(first, 6);
}

TEST(Seams, FileConnRefusesWhatIsNotAConnectedSocket) {
  int unconnected = ::socket(AF_INET, SOCK_STREAM, 0);
  auto conn = netrpc::FileConn(unconnected);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error(),
            netrpc::Error(netrpc::ErrorCode::kUsage, "FileConn: not a connected socket"));
  ::close(unconnected);  // refused: still the caller's
  netrpc::Server server;
  EXPECT_EQ(server.ServeConn(0).code(), netrpc::ErrorCode::kUsage);  // stdin is no socket
}

TEST(Seams, ShutdownEndsAcceptAndRefusesLaterListens) {
  netrpc::Server server;
  auto listener = netrpc::Listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(listener.ok());
  std::thread accepting([&] { server.Accept(*listener); });
  // Accept registers the listener before it blocks; Shutdown closes what it has registered.
  for (int i = 0; i < 1000 && server.Address().empty(); ++i) std::this_thread::yield();
  server.Shutdown();
  accepting.join();
  EXPECT_EQ(server.Listen("tcp", "127.0.0.1:0"),
            netrpc::Error(netrpc::ErrorCode::kUsage, "listen: server is shut down"));
  EXPECT_EQ(server.Accept(*listener).code(), netrpc::ErrorCode::kUsage);
}

}  // namespace

namespace {

// Go's ServeRequest: one request at a time, synchronously, with the codec left open; a second
// request that arrived in the same read as the first is served by the next call.
TEST(Seams, ServeRequestServesOneRequestAndKeepsTheRest) {
  netrpc::Server server;
  ASSERT_FALSE(server.RegisterFunc("Math.Square", [](int64_t x, int64_t* y) {
    *y = x * x;
    return netrpc::Error{};
  }));
  auto [client_end, server_end] = netrpc::Pipe();
  LineServerCodec codec(server_end);
  auto client = netrpc::NewClientWithCodec(std::make_unique<LineClientCodec>(client_end));
  ASSERT_TRUE(client.ok());
  int64_t a = 0, b = 0;
  auto first = (*client)->Go("Math.Square", int64_t{3}, &a);
  auto second = (*client)->Go("Math.Square", int64_t{4}, &b);
  ASSERT_FALSE(server.ServeRequest(codec));
  ASSERT_FALSE(first->Wait());
  EXPECT_EQ(a, 9);
  EXPECT_FALSE(second->Done());  // not served yet: ServeRequest served exactly one
  ASSERT_FALSE(server.ServeRequest(codec));
  ASSERT_FALSE(second->Wait());
  EXPECT_EQ(b, 16);
  EXPECT_EQ(server.NumCalls("Math.Square"), 2u);
  // An unknown method is answered, and ServeRequest returns that error, as Go's does.
  auto unknown = (*client)->Go("Math.Cube", int64_t{2}, &a);
  EXPECT_EQ(server.ServeRequest(codec), netrpc::Error("rpc: can't find method Math.Cube"));
  EXPECT_EQ(unknown->Wait(), netrpc::ServerError("rpc: can't find method Math.Cube"));
  client_end.Close();
  EXPECT_EQ(server.ServeRequest(codec).code(), netrpc::ErrorCode::kUnexpectedEof);
}

// A native client opens with a hello (native.h): ServeRequest answers it on the way, so
// that the client learns the server speaks the extensions, and serves the call after it as
// the one request.
TEST(Seams, ServeRequestAnswersANativeHelloWithoutCountingIt) {
  netrpc::Server server;
  ASSERT_FALSE(server.RegisterFunc("Math.Square", [](int64_t x, int64_t* y) {
    *y = x * x;
    return netrpc::Error{};
  }));
  auto [client_end, server_end] = netrpc::Pipe();
  auto codec = netrpc::codec::NewNativeServerCodec({}, server_end);
  auto client_codec = netrpc::codec::NewNativeClientCodec({}, client_end);
  netrpc::codec::NativeClient* native = netrpc::codec::AsNativeClient(client_codec.get());
  auto client = netrpc::NewClientWithCodec(std::move(client_codec));
  ASSERT_TRUE(client.ok());
  int64_t a = 0, b = 0;
  auto first = (*client)->Go("Math.Square", int64_t{3}, &a);  // the hello goes first
  auto second = (*client)->Go("Math.Square", int64_t{4}, &b);
  ASSERT_FALSE(server.ServeRequest(*codec));
  ASSERT_FALSE(first->Wait());
  EXPECT_EQ(a, 9);
  EXPECT_FALSE(second->Done());
  EXPECT_EQ(server.NumCalls("Math.Square"), 1u);
  // The hello's answer came back: a cancel is written only to a server that gave it.
  std::string cancel;
  EXPECT_TRUE(native->WriteCancel(7, &cancel));
  ASSERT_FALSE(server.ServeRequest(*codec));
  ASSERT_FALSE(second->Wait());
  EXPECT_EQ(b, 16);
  EXPECT_EQ(server.NumCalls("Math.Square"), 2u);
  client_end.Close();
  EXPECT_EQ(server.ServeRequest(*codec).code(), netrpc::ErrorCode::kUnexpectedEof);
}

}  // namespace

namespace {

// An Asio program runs netrpc on its own io_context: server and client I/O, and inline
// handlers, all on the one thread that runs it; netrpc leaves nothing behind on it.
TEST(Seams, ServerAndClientRunOnOneUserIoContextThread) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  {
    netrpc::EventLoop loop(io);
    std::atomic<std::thread::id> handler_thread;
    netrpc::Server server({.loop = &loop});
    ASSERT_FALSE(server.RegisterFunc("Math.Square",
                                     [&](int64_t x, int64_t* y) {
                                       handler_thread = std::this_thread::get_id();
                                       *y = x * x;
                                       return netrpc::Error{};
                                     },
                                     {.dispatch = netrpc::Dispatch::kInline}));
    ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
    auto client = netrpc::Dial("tcp", server.Address(), {.loop = &loop});
    ASSERT_TRUE(client.ok()) << client.error().message();
    int64_t y = 0;
    std::promise<std::thread::id> completed_on;
    (*client)->Go("Math.Square", int64_t{7}, &y, {},
                  [&](netrpc::Call&) { completed_on.set_value(std::this_thread::get_id()); });
    EXPECT_EQ(completed_on.get_future().get(), runner.get_id());
    EXPECT_EQ(handler_thread.load(), runner.get_id());
    EXPECT_EQ(y, 49);
    // A coroutine on the user's io_context dials and calls without blocking its thread.
    std::promise<int64_t> awaited;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          auto dialed = co_await netrpc::AsyncDial("tcp", server.Address(), {.loop = &loop});
          if (!dialed.ok()) {
            awaited.set_value(-2);
            co_return;
          }
          int64_t z = 0;
          netrpc::Error err = co_await dialed->AsyncCall("Math.Square", int64_t{9}, &z);
          awaited.set_value(err ? -1 : z);
        },
        boost::asio::detached);
    EXPECT_EQ(awaited.get_future().get(), 81);
    // Blocking there would deadlock: refused.
    std::promise<netrpc::Error> blocked;
    boost::asio::post(io, [&] {
      int64_t unused = 0;
      blocked.set_value((*client)->Call("Math.Square", int64_t{1}, &unused));
    });
    EXPECT_EQ(blocked.get_future().get().code(), netrpc::ErrorCode::kUsage);
  }
  work.reset();
  runner.join();  // returns only if netrpc left no work on the user's io_context
}

}  // namespace
