// default_server_test.cc: Go's package functions on DefaultServer(), over 127.0.0.1 and a
// pipe, and what the default server does at exit. One process-wide server: one test binary.
#include <gtest/gtest.h>
#include <netrpc/codec.h>

#include <future>

#include "test_service.h"

namespace {

using namespace std::chrono_literals;
using testsvc::Args;

testsvc::Arith arith;  // registered once, for the whole binary, as Go programs do

struct Registered {
  Registered() {
    EXPECT_FALSE(netrpc::Register(arith));
    EXPECT_FALSE(netrpc::RegisterName("Calc", arith));
  }
};
void RegisterOnce() { static Registered once; }

TEST(DefaultServer, PackageFunctionsServeOverHttpAndAccept) {
  RegisterOnce();
  EXPECT_EQ(netrpc::Register(arith).message(), "rpc: service already defined: Arith");
  netrpc::HandleHTTP();
  auto l = netrpc::Listen("tcp", "127.0.0.1:0");
  ASSERT_TRUE(l.ok()) << l.error().message();
  auto accepted = std::async(std::launch::async, [l = *l] { return netrpc::Accept(l); });

  auto client = netrpc::DialHTTP("tcp", (*l).Address());
  ASSERT_TRUE(client.ok()) << client.error().message();
  int64_t r = 0;
  ASSERT_FALSE((*client)->Call("Calc.Multiply", Args{6, 7}, &r));
  EXPECT_EQ(r, 42);
  EXPECT_EQ(netrpc::DefaultServer().NumCalls("Calc.Multiply"), 1u);
  EXPECT_EQ(&netrpc::DefaultServer(), &netrpc::DefaultServer());

  // Accept blocks until its listener closes, as Go's.
  EXPECT_EQ(accepted.wait_for(50ms), std::future_status::timeout);
  (*l).Close();
  ASSERT_EQ(accepted.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(accepted.get().code(), netrpc::ErrorCode::kShutdown);
}

TEST(DefaultServer, ServeConnServesAPipe) {
  RegisterOnce();
  auto [server_end, client_end] = netrpc::Pipe();
  ASSERT_FALSE(netrpc::ServeConn(server_end));
  auto client = netrpc::NewClient(client_end, {.protocol = netrpc::Protocol::kGob});
  ASSERT_TRUE(client.ok()) << client.error().message();
  int64_t r = 0;
  ASSERT_FALSE((*client)->Call("Arith.Add", Args{2, 3}, &r));
  EXPECT_EQ(r, 5);
}

TEST(DefaultServer, ServeCodecAndServeRequestReachIt) {
  EXPECT_EQ(netrpc::ServeCodec(nullptr),
            netrpc::Error(netrpc::ErrorCode::kUsage, "ServeCodec: no codec"));
  struct NoConnCodec final : netrpc::ServerCodec {
    NoConnCodec() : ServerCodec(netrpc::Conn()) {}
    netrpc::ReadResult ReadRequestHeader(std::string_view, netrpc::Request*) override { return {}; }
    netrpc::Error ReadRequestBody(netrpc::Value) override { return {}; }
    netrpc::Error WriteResponse(const netrpc::Response&, netrpc::ConstValue,
                                std::string*) override {
      return {};
    }
  } codec;
  EXPECT_EQ(netrpc::ServeRequest(codec).message(), "ServeRequest: no connection");
}

// At exit the default server stops at once, even with a call in flight whose handler is
// still blocked: the process ends with main's status instead of hanging or crashing.
TEST(DefaultServer, ExitEndsItWithACallInFlight) {
  // The child re-runs this binary for this test alone: a fork of this process would inherit
  // its default server without the threads that run it.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        RegisterOnce();
        auto l = netrpc::Listen("tcp", "127.0.0.1:0");
        if (!l.ok()) std::exit(3);
        std::thread([l = *l] { netrpc::Accept(l); }).detach();
        auto client = netrpc::Dial("tcp", (*l).Address());
        if (!client.ok()) std::exit(4);
        static int64_t reply = 0;
        auto call = (*client)->Go("Arith.Sleep", Args{60'000, 1}, &reply);
        std::this_thread::sleep_for(100ms);  // the handler is now blocked for a minute
        if (call->Done()) std::exit(5);
        (void)(*client).release();  // a client left open at exit, as Go programs do
        std::exit(7);
      },
      testing::ExitedWithCode(7), "");
}

}  // namespace
