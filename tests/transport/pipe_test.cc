// pipe_test.cc: the in-memory connection the fault tests stand on: bytes in order, EOF after
// a close, and each injected fault exactly at its byte.
#include "transport/pipe.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <future>
#include <string>
#include <thread>

#include "transport/event_loop.h"

namespace netrpc::transport {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

using Outcome = std::pair<error_code, size_t>;

// Completion is a handler that hands its outcome to a future.
struct Completion {
  std::shared_ptr<std::promise<Outcome>> promise = std::make_shared<std::promise<Outcome>>();
  void operator()(error_code ec, size_t n) { promise->set_value({ec, n}); }
};

std::future<Outcome> StartWrite(PipeConnection& c, const asio::const_buffer& b) {
  Completion done;
  auto f = done.promise->get_future();
  c.AsyncWrite(std::span(&b, 1), done);
  return f;
}

std::future<Outcome> StartRead(PipeConnection& c, std::string& buf) {
  Completion done;
  auto f = done.promise->get_future();
  c.AsyncReadSome(asio::buffer(buf), done);
  return f;
}

Outcome Write(PipeConnection& c, std::string_view bytes) {
  asio::const_buffer b(bytes.data(), bytes.size());
  return StartWrite(c, b).get();
}

std::pair<error_code, std::string> Read(PipeConnection& c, size_t max = 1024) {
  std::string buf(max, '\0');
  auto [ec, n] = StartRead(c, buf).get();
  buf.resize(n);
  return {ec, buf};
}

class Pipe : public ::testing::Test {
 protected:
  EventLoop loop_{1};
  std::shared_ptr<PipeConnection> a_, b_;
  void SetUp() override {
    auto ex = loop_.Context().get_executor();
    std::tie(a_, b_) = NewPipe(ex, ex);
  }
};

TEST_F(Pipe, CarriesBytesInOrderBothWays) {
  EXPECT_EQ(Write(*a_, "hello ").second, 6u);
  EXPECT_EQ(Write(*a_, "world").second, 5u);
  EXPECT_EQ(Read(*b_).second, "hello world");
  EXPECT_EQ(Write(*b_, "back").second, 4u);
  EXPECT_EQ(Read(*a_, 2).second, "ba");  // a short buffer takes a part; the rest waits
  EXPECT_EQ(Read(*a_).second, "ck");
}

TEST_F(Pipe, AReadWaitsForTheWriter) {
  std::string buf(16, '\0');
  auto pending = StartRead(*b_, buf);
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  Write(*a_, "late");
  auto [ec, n] = pending.get();
  EXPECT_FALSE(ec);
  EXPECT_EQ(buf.substr(0, n), "late");
}

TEST_F(Pipe, CloseIsEofAfterWhatWasWritten) {
  Write(*a_, "last words");
  a_->Close();
  EXPECT_EQ(Read(*b_).second, "last words");
  EXPECT_EQ(Read(*b_).first, asio::error::eof);
  EXPECT_EQ(Write(*b_, "x").first, asio::error::broken_pipe);  // nobody reads any more
}

TEST_F(Pipe, ShutdownSendKeepsTheOtherDirection) {
  a_->ShutdownSend();
  EXPECT_EQ(Read(*b_).first, asio::error::eof);
  EXPECT_EQ(Write(*b_, "still").second, 5u);
  EXPECT_EQ(Read(*a_).second, "still");
}

TEST_F(Pipe, FailingWriteDeliversUpToItsMarkThenFails) {
  a_->SetFaults({.fail_writes_after = 7});
  EXPECT_EQ(Write(*a_, "12345").first, error_code());
  auto [ec, n] = Write(*a_, "67890");
  EXPECT_EQ(ec, asio::error::broken_pipe);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(Read(*b_).second, "1234567");  // the peer sees exactly the bytes before the mark
  EXPECT_EQ(Read(*b_).first, asio::error::eof);
  EXPECT_EQ(Write(*a_, "more").first, asio::error::broken_pipe);
  EXPECT_EQ(Read(*a_).first, asio::error::eof);  // broken both ways, as a socket whose peer left
}

TEST_F(Pipe, AWriterWaitsForAPeerThatStopsReading) {
  a_->SetFaults({.capacity = 4});
  std::string big(10, 'x');
  asio::const_buffer b(big.data(), big.size());
  auto pending = StartWrite(*a_, b);
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(20)), std::future_status::timeout);
  EXPECT_EQ(a_->Unsent(), 10u);
  EXPECT_EQ(Read(*b_, 6).second, "xxxxxx");  // 4 left: within capacity, the write completes
  auto [ec, n] = pending.get();
  EXPECT_FALSE(ec);
  EXPECT_EQ(n, 10u);
}

TEST_F(Pipe, CancelEndsAWaitingRead) {
  std::string buf(4, '\0');
  auto pending = StartRead(*b_, buf);
  b_->Cancel();
  EXPECT_EQ(std::get<0>(pending.get()), asio::error::operation_aborted);
}

TEST_F(Pipe, UnreadBytesComeFirst) {
  Write(*a_, "stream");
  b_->Unread("sniffed ");
  EXPECT_EQ(Read(*b_).second, "sniffed ");
  EXPECT_EQ(Read(*b_).second, "stream");
}

}  // namespace
}  // namespace netrpc::transport
