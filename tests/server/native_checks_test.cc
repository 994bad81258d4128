// native_checks_test.cc: the native extensions end to end over 127.0.0.1: type checks that fail
// one call and keep the connection, the caller's deadline and cancel on the server, and peers
// of the version before (main's codecs, kept as NativeVersion::kV1) both ways.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "codec/native.h"
#include "raw_native_peer.h"
#include "test_service.h"

namespace {

using namespace std::chrono_literals;
using netrpc::TypeOf;
using testsvc::Args;
using testsvc::Quotient;
using testsvc::RawPeer;

namespace other {
struct Args {  // the client's Args: the same name, the fields in another order
  int64_t B = 0, A = 0;
};
NETRPC_STRUCT(Args, B, A);
}  // namespace other

TEST(NativeChecks, ArgsOfAnotherTypeFailThatCallAndTheConnectionCarriesOn) {
  testsvc::TestServer server;
  auto client = testsvc::MustDial(server.Address());
  Quotient q;
  const netrpc::Error mismatch = netrpc::ServerError(
      "native: Arith.Divide: client sends Args{B int64, A int64}, server expects "
      "Args{A int64, B int64}");
  EXPECT_EQ(client->Call("Arith.Divide", other::Args{2, 7}, &q), mismatch);
  EXPECT_EQ(q.Quo, 0);
  ASSERT_FALSE(client->Call("Arith.Divide", Args{7, 2}, &q));
  EXPECT_EQ(q.Quo, 3);
  EXPECT_EQ(q.Rem, 1);
  // Each type is checked, not only the first a method saw; the agreed one still works after.
  EXPECT_EQ(client->Call("Arith.Divide", other::Args{2, 7}, &q), mismatch);
  for (int i = 0; i < 3; ++i) {
    q = {};
    ASSERT_FALSE(client->Call("Arith.Divide", Args{9, 4}, &q));
    EXPECT_EQ(q.Quo, 2);
    EXPECT_EQ(q.Rem, 1);
  }
}

TEST(NativeChecks, ReplyOfAnotherTypeFailsThatCallAndTheConnectionCarriesOn) {
  testsvc::TestServer server;
  auto client = testsvc::MustDial(server.Address());
  int64_t wrong = 0;  // an int64 for a struct
  EXPECT_EQ(client->Call("Arith.Divide", Args{7, 2}, &wrong).message(),
            "reading body native: Arith.Divide: server replies Quotient{Quo int64, Rem int64}, "
            "client expects int64");
  EXPECT_EQ(wrong, 0);
  Quotient q;  // a struct for a string
  EXPECT_EQ(client->Call("Arith.Echo", std::string("hi"), &q).message(),
            "reading body native: Arith.Echo: server replies std::string, client expects "
            "Quotient{Quo int64, Rem int64}");
  std::string s;
  ASSERT_FALSE(client->Call("Arith.Echo", std::string("hi"), &s));
  EXPECT_EQ(s, "hi");
  ASSERT_FALSE(client->Call("Arith.Divide", Args{7, 2}, &q));
  EXPECT_EQ(q.Quo, 3);
}

// Latch is a handler's gate that ignores cancellation: it opens only when the test says so.
struct Latch {
  void Open() {
    std::call_once(once, [this] { open.set_value(); });
  }
  std::once_flag once;
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
  std::atomic<int> finished{0};
};
// OpenOnExit opens the latch when a test ends early, before its server waits for the handler.
struct OpenOnExit {
  Latch& latch;
  ~OpenOnExit() { latch.Open(); }
};

// SlowServer serves Slow.Wait, which blocks on the latch and then answers its argument, and
// Slow.Add, which answers at once.
struct SlowServer {
  explicit SlowServer(Latch* latch) {
    EXPECT_FALSE(server.RegisterFunc("Slow.Wait", [latch](int64_t x, int64_t* y) {
      latch->opened.wait();
      *y = x;
      latch->finished.fetch_add(1);
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server.RegisterFunc("Slow.Add", [](int64_t x, int64_t* y) {
      *y = x + 1;
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  }
  // WaitFinished returns once the handler has returned and the server had time to finish the
  // call (to send its result, were it not dropped).
  static void WaitFinished(Latch& latch) {
    for (int i = 0; i < 500 && latch.finished.load() == 0; ++i) std::this_thread::sleep_for(2ms);
    std::this_thread::sleep_for(100ms);
  }
  netrpc::Server server;
};

TEST(NativeChecks, CallersDeadlineIsAnsweredOnTimeAndTheLateResultDropped) {
  Latch latch;
  SlowServer slow(&latch);
  OpenOnExit guard{latch};
  RawPeer peer(slow.server.Address());
  ASSERT_TRUE(peer.ok());
  auto start = std::chrono::steady_clock::now();
  peer.Call("Slow.Wait", 0, 41, 200ms);
  uint64_t seq = 0;
  std::string error;
  int64_t value = 0;
  ASSERT_TRUE(peer.Next(&seq, &error, &value));  // the hello's answer
  ASSERT_TRUE(peer.Next(&seq, &error, &value));
  // Answered while the handler still blocks: the latch is not open yet.
  EXPECT_EQ(latch.finished.load(), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(seq, 0u);
  EXPECT_EQ(error, "rpc: call timeout");
  latch.Open();
  SlowServer::WaitFinished(latch);
  peer.Call("Slow.Add", 1, 1);
  ASSERT_TRUE(peer.Next(&seq, &error, &value));  // the next frame is Add's: 41 was dropped
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(error, "");
  EXPECT_EQ(value, 2);
}

TEST(NativeChecks, CancelDropsTheResult) {
  Latch latch;
  SlowServer slow(&latch);
  OpenOnExit guard{latch};
  RawPeer peer(slow.server.Address());
  ASSERT_TRUE(peer.ok());
  peer.Call("Slow.Add", 0, 5);  // with the hello, and its answer says the server can cancel
  uint64_t seq = 0;
  std::string error;
  int64_t value = 0;
  ASSERT_TRUE(peer.Next(&seq, &error, &value));
  ASSERT_TRUE(peer.Next(&seq, &error, &value));
  EXPECT_EQ(value, 6);
  peer.Call("Slow.Wait", 1, 41, 10s);
  peer.Cancel(1);
  // The server reads in order: once Add, sent after the cancel, is answered, the cancel has
  // been read, and the handler still blocks.
  peer.Call("Slow.Add", 2, 1);
  ASSERT_TRUE(peer.Next(&seq, &error, &value));
  EXPECT_EQ(seq, 2u);
  EXPECT_EQ(value, 2);
  latch.Open();
  SlowServer::WaitFinished(latch);
  peer.Call("Slow.Add", 3, 2);
  ASSERT_TRUE(peer.Next(&seq, &error, &value));
  EXPECT_EQ(seq, 3u);  // not 1: the canceled call's result was dropped
  EXPECT_EQ(value, 3);
}

TEST(NativeChecks, ClientDeadlineAndCancelKeepTheConnection) {
  Latch latch;
  SlowServer slow(&latch);
  OpenOnExit guard{latch};
  auto client = testsvc::MustDial(slow.server.Address());
  int64_t y = 0;
  EXPECT_EQ(client->Call("Slow.Wait", int64_t{1}, &y, {.timeout = 100ms}), netrpc::ErrTimeout);
  auto call = client->Go("Slow.Wait", int64_t{2}, &y, {.timeout = 5s});
  call->Cancel();
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);
  netrpc::CallOptions with_metadata;
  with_metadata.metadata = {{"authorization", "Bearer t0ken"}};
  ASSERT_FALSE(client->Call("Slow.Add", int64_t{1}, &y, with_metadata));
  EXPECT_EQ(y, 2);
  latch.Open();
  ASSERT_FALSE(client->Call("Slow.Add", int64_t{3}, &y));
  EXPECT_EQ(y, 4);
}

TEST(NativeChecks, OlderClientIsServedAsBefore) {
  testsvc::TestServer server;
  auto conn = netrpc::DialConn("tcp", server.Address());
  ASSERT_TRUE(conn.ok());
  auto client = netrpc::NewClientWithCodec(
      netrpc::codec::NewNativeClientCodec({}, *conn, netrpc::codec::NativeVersion::kV1));
  ASSERT_TRUE(client.ok());
  Quotient q;
  ASSERT_FALSE((*client)->Call("Arith.Divide", Args{7, 2}, &q));
  EXPECT_EQ(q.Quo, 3);
  // Version 1 sends no types, so this is still read positionally, as before: A=2, B=7.
  ASSERT_FALSE((*client)->Call("Arith.Divide", other::Args{2, 7}, &q));
  EXPECT_EQ(q.Quo, 0);
  EXPECT_EQ(q.Rem, 2);
  int64_t y = 0;
  for (int64_t i = 0; i < 20; ++i) {  // odd seqs too: no flag bits without a hello
    ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{i, 3}, &y, {.timeout = 5s}));
    EXPECT_EQ(y, 3 * i);
  }
}

TEST(NativeChecks, NewClientWithAnOlderServer) {
  netrpc::Server server;
  testsvc::Arith arith;
  ASSERT_FALSE(server.Register(arith));
  auto listener = netrpc::Listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(listener.ok());
  std::thread serving([&] {
    auto conn = listener->Accept();
    if (conn.ok()) {
      server.ServeCodec(
          netrpc::codec::NewNativeServerCodec({}, *conn, netrpc::codec::NativeVersion::kV1));
    }
  });
  auto client = testsvc::MustDial(listener->Address());
  serving.join();
  Quotient q;
  netrpc::CallOptions options;
  options.timeout = 5s;
  options.metadata = {{"k", "v"}};
  ASSERT_FALSE(client->Call("Arith.Divide", Args{7, 2}, &q, options));  // records unread
  EXPECT_EQ(q.Quo, 3);
  EXPECT_EQ(q.Rem, 1);
  int64_t y = 0;
  auto call = client->Go("Arith.Sleep", Args{300, 1}, &y);
  call->Cancel();  // no cancel frame goes to this server: it would take it for garbage
  EXPECT_EQ(call->Wait(), netrpc::ErrCanceled);
  for (int64_t i = 0; i < 20; ++i) {
    ASSERT_FALSE(client->Call("Arith.Multiply", Args{i, 3}, &y));
    EXPECT_EQ(y, 3 * i);
  }
  std::string s;
  ASSERT_FALSE(client->Call("Arith.Echo", std::string("still here"), &s));
  EXPECT_EQ(s, "still here");
}

}  // namespace
