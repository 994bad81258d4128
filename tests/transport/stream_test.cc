// stream_test.cc: a connection's read buffer and write queue (transport::Stream) over a pipe:
// batching, borrowed spans and their owners, stopping reads, lingering, a failed write, Close.
#include "transport/stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "pipe_peer.h"
#include "transport/event_loop.h"
#include "transport/pipe.h"

namespace netrpc::transport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Text is an encoder that appends bytes.
auto Text(std::string bytes) {
  return [bytes = std::move(bytes)](std::string* out) {
    out->append(bytes);
    return Error{};
  };
}

class StreamTest : public ::testing::Test {
 protected:
  EventLoop loop_{1};
  std::shared_ptr<PipeConnection> end_, peer_;  // the stream's end, and the test's
  std::shared_ptr<testpipe::WatchedConnection> watched_;
  std::shared_ptr<Stream> stream_;

  void SetUp() override {
    auto ex = loop_.Context().get_executor();
    std::tie(end_, peer_) = NewPipe(ex, ex);
    watched_ = std::make_shared<testpipe::WatchedConnection>(end_);
    stream_ = std::make_shared<Stream>(watched_);
  }

  // OnStrand runs one of the stream's coroutines on its strand, as its owner does.
  template <class T>
  std::future<T> OnStrand(asio::awaitable<T> a) {
    return asio::co_spawn(stream_->GetStrand(), std::move(a), asio::use_future);
  }
  // HoldStrand keeps the strand busy until the returned promise is set, so that nothing
  // queued meanwhile is flushed.
  std::promise<void> HoldStrand() {
    std::promise<void> release;
    asio::post(stream_->GetStrand(), [held = release.get_future().share()] { held.wait(); });
    return release;
  }
  void WaitFlushed() {
    std::promise<void> flushed;
    stream_->WhenFlushed([&] { flushed.set_value(); });
    flushed.get_future().get();
  }
};

TEST_F(StreamTest, WritesQueuedByThreadsLeaveInOneBatchInOrder) {
  std::promise<void> release = HoldStrand();
  std::vector<std::string> order;  // appended under the stream's write lock
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_FALSE(stream_->WriteWith([&](std::string* out) {
          order.push_back("t" + std::to_string(t) + "." + std::to_string(i) + ";");
          out->append(order.back());
          return Error{};
        }));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string expected;
  for (const auto& m : order) expected += m;
  EXPECT_EQ(stream_->QueuedBytes(), expected.size());
  release.set_value();
  WaitFlushed();
  EXPECT_EQ(testpipe::ReadExactly(*peer_, expected.size()), expected);
  EXPECT_EQ(watched_->WriteSizes(), std::vector<size_t>{expected.size()});  // one write
  EXPECT_EQ(stream_->QueuedBytes(), 0u);
}

// Held is a value whose large parts a reply borrows; its deleter reports when it goes.
struct Held {
  std::string a = std::string(100000, 'A');
  std::string b = std::string(70000, 'B');
  std::string c = std::string(65536, 'C');
};

TEST_F(StreamTest, WriteBorrowingSendsSpansInPlaceAndKeepsTheirOwnerUntilSent) {
  end_->SetFaults({.capacity = 0});  // a write ends only once the peer has read all of it
  std::atomic<bool> released{false};
  auto held = std::shared_ptr<Held>(new Held, [&](Held* h) {
    delete h;
    released = true;
  });
  const Held* h = held.get();
  ASSERT_FALSE(stream_->WriteBorrowing(held, [&](std::string* out, Borrowed* borrowed) {
    out->append("head|");
    borrowed->Add(out->size(), h->a.data(), h->a.size());
    out->append("|mid|");
    borrowed->Add(out->size(), h->b.data(), h->b.size());
    out->append("|end");
    borrowed->Add(out->size(), h->c.data(), h->c.size());  // a span after the last byte
    return Error{};
  }));
  EXPECT_EQ(held, nullptr);  // the stream took the owner
  std::string expected = "head|" + h->a + "|mid|" + h->b + "|end" + h->c;
  std::string got = testpipe::ReadExactly(*peer_, expected.size() / 2);
  EXPECT_FALSE(released);  // half is unread: the write has not ended, the spans stay valid
  got += testpipe::ReadExactly(*peer_, expected.size() - got.size());
  EXPECT_TRUE(got == expected) << "the bytes or their order differ";
  WaitFlushed();
  EXPECT_TRUE(released);
}

// A write may consist of borrowed bytes alone; it is sent like any other.
TEST_F(StreamTest, AWriteOfBorrowedBytesAloneIsSent) {
  auto held = std::make_shared<Held>();
  const Held* h = held.get();
  const std::string expected = h->a;  // the stream lets `held` go once it is sent
  ASSERT_FALSE(stream_->WriteBorrowing(held, [&](std::string*, Borrowed* borrowed) {
    borrowed->Add(0, h->a.data(), h->a.size());
    return Error{};
  }));
  EXPECT_TRUE(testpipe::ReadExactly(*peer_, expected.size()) == expected);
  WaitFlushed();
  EXPECT_EQ(stream_->QueuedBytes(), 0u);
}

// A stream closed with a reply still queued drops it, and a close that waits for the flush
// (ServerConn's) still runs: the flush found the stream closed before the wait began.
TEST_F(StreamTest, AStreamClosedWithBytesQueuedDropsThemAndStillReportsFlushed) {
  std::promise<void> release = HoldStrand();  // the flush posted by the write waits behind it
  auto owner = std::make_shared<int>(0);
  std::weak_ptr<int> watched = owner;
  std::string big(100000, 'x');
  ASSERT_FALSE(stream_->WriteBorrowing(owner, [&](std::string* out, Borrowed* borrowed) {
    out->append("never sent");
    borrowed->Add(out->size(), big.data(), big.size());
    return Error{};
  }));
  stream_->Close();
  release.set_value();
  std::promise<void> flush_ran;  // queued behind the flush on the strand
  asio::post(stream_->GetStrand(), [&] { flush_ran.set_value(); });
  flush_ran.get_future().get();
  EXPECT_EQ(stream_->QueuedBytes(), 0u);
  EXPECT_TRUE(watched.expired());  // the borrowed value is let go, not kept until ~Stream
  std::promise<void> flushed;
  stream_->WhenFlushed([&] { flushed.set_value(); });
  EXPECT_EQ(flushed.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST_F(StreamTest, QueuedBytesCountsBorrowedBytes) {
  std::promise<void> release = HoldStrand();
  std::string big(100000, 'x');
  ASSERT_FALSE(stream_->WriteWith(Text("abc")));
  auto owner = std::make_shared<int>(0);
  ASSERT_FALSE(stream_->WriteBorrowing(owner, [&](std::string* out, Borrowed* borrowed) {
    out->append("hdr");
    borrowed->Add(out->size(), big.data(), big.size());
    return Error{};
  }));
  EXPECT_EQ(stream_->QueuedBytes(), 3 + 3 + big.size());
  // An encoder that borrows nothing leaves its owner with the caller.
  auto kept = std::make_shared<int>(0);
  ASSERT_FALSE(stream_->WriteBorrowing(kept, [](std::string* out, Borrowed*) {
    out->append("z");
    return Error{};
  }));
  EXPECT_NE(kept, nullptr);
  EXPECT_EQ(stream_->QueuedBytes(), 3 + 3 + big.size() + 1);
  release.set_value();
  WaitFlushed();
  EXPECT_EQ(stream_->QueuedBytes(), 0u);
  EXPECT_TRUE(testpipe::ReadExactly(*peer_, 3 + 3 + big.size() + 1) == "abchdr" + big + "z");
}

TEST_F(StreamTest, ReadMoreAppendsWhatArrivedAndEndsAtEof) {
  testpipe::Write(*peer_, "abc");
  EXPECT_FALSE(OnStrand(stream_->ReadMore()).get());
  testpipe::Write(*peer_, "def");
  EXPECT_FALSE(OnStrand(stream_->ReadMore()).get());
  EXPECT_EQ(stream_->Buffer().Data(), "abcdef");
  peer_->ShutdownSend();
  EXPECT_EQ(OnStrand(stream_->ReadMore()).get().code(), ErrorCode::kUnexpectedEof);
}

TEST_F(StreamTest, StopReadingEndsAPendingReadAndKeepsTheConnection) {
  auto read = OnStrand(stream_->ReadMore());
  ASSERT_TRUE(watched_->WaitForReads(1));  // the read waits on the connection
  stream_->StopReading();
  ASSERT_EQ(read.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(read.get().code(), ErrorCode::kUnexpectedEof);
  EXPECT_FALSE(stream_->Closed());
  // Later reads end the same way, without reading what the peer sends.
  testpipe::Write(*peer_, "unread");
  EXPECT_EQ(OnStrand(stream_->ReadMore()).get().code(), ErrorCode::kUnexpectedEof);
  EXPECT_EQ(watched_->Reads(), 1u);
  EXPECT_EQ(stream_->Buffer().Size(), 0u);
  EXPECT_EQ(end_->Unsent(), 0u);
  EXPECT_EQ(peer_->Unsent(), 6u);
  // Writes still go out.
  ASSERT_FALSE(stream_->WriteWith(Text("still here")));
  EXPECT_EQ(testpipe::ReadExactly(*peer_, 10), "still here");
}

TEST_F(StreamTest, LingerSendsFinAndReturnsWhenThePeerCloses) {
  ASSERT_FALSE(stream_->WriteWith(Text("bye")));
  WaitFlushed();
  auto started = std::chrono::steady_clock::now();
  auto lingering = OnStrand(stream_->Linger(10s));
  EXPECT_EQ(testpipe::ReadExactly(*peer_, 3), "bye");
  EXPECT_EQ(testpipe::Read(*peer_).first, asio::error::eof);  // the FIN
  // The peer has neither written nor closed: Linger cannot have returned.
  EXPECT_EQ(lingering.wait_for(0s), std::future_status::timeout);
  testpipe::Write(*peer_, "late request");  // read and dropped
  peer_->Close();
  ASSERT_EQ(lingering.wait_for(10s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);  // the close, not the limit
}

TEST_F(StreamTest, LingerGivesUpAfterItsLimit) {
  auto started = std::chrono::steady_clock::now();
  auto lingering = OnStrand(stream_->Linger(50ms));
  EXPECT_EQ(testpipe::Read(*peer_).first, asio::error::eof);
  ASSERT_EQ(lingering.wait_for(10s), std::future_status::ready);  // the peer never closes
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
}

TEST_F(StreamTest, AFailedWriteClosesTheStream) {
  testpipe::Write(*peer_, "reply");  // arrived before the write fails
  end_->SetFaults({.fail_writes_after = 3});
  ASSERT_FALSE(stream_->WriteWith(Text("hello")));
  WaitFlushed();
  EXPECT_TRUE(stream_->Closed());
  EXPECT_EQ(stream_->WriteWith(Text("more")), Error(ErrorCode::kIo, "connection closed"));
  EXPECT_EQ(testpipe::ReadExactly(*peer_, 5), "hel");
  // The connection is closed too: what the peer sent is gone.
  Error err = OnStrand(stream_->ReadMore()).get();
  EXPECT_EQ(err.code(), ErrorCode::kIo) << err.message();
  EXPECT_EQ(stream_->Buffer().Size(), 0u);
}

TEST_F(StreamTest, KeepReadingAfterWriteErrorStopsWritesAndKeepsReading) {
  stream_->KeepReadingAfterWriteError();
  testpipe::Write(*peer_, "reply");
  end_->SetFaults({.fail_writes_after = 3});
  ASSERT_FALSE(stream_->WriteWith(Text("hello")));
  WaitFlushed();
  EXPECT_TRUE(stream_->Closed());  // to writers
  EXPECT_EQ(stream_->WriteWith(Text("more")), Error(ErrorCode::kIo, "connection closed"));
  // What arrived before the failure is still read, then the broken connection's EOF.
  EXPECT_FALSE(OnStrand(stream_->ReadMore()).get());
  EXPECT_EQ(stream_->Buffer().Data(), "reply");
  EXPECT_EQ(OnStrand(stream_->ReadMore()).get().code(), ErrorCode::kUnexpectedEof);
}

TEST_F(StreamTest, WhenFlushedWaitsForEverythingQueuedSoFar) {
  end_->SetFaults({.capacity = 0});
  ASSERT_FALSE(stream_->WriteWith(Text("first")));
  EXPECT_EQ(testpipe::ReadExactly(*peer_, 2), "fi");  // the first write is out, and waits
  ASSERT_FALSE(stream_->WriteWith(Text("second")));   // queued behind it
  std::promise<void> flushed;
  auto done = flushed.get_future();
  stream_->WhenFlushed([&] { flushed.set_value(); });
  EXPECT_EQ(done.wait_for(0s), std::future_status::timeout);
  EXPECT_EQ(testpipe::ReadExactly(*peer_, 3), "rst");         // the first write ends
  EXPECT_EQ(done.wait_for(0s), std::future_status::timeout);  // "second" is not read yet
  EXPECT_EQ(testpipe::ReadExactly(*peer_, 6), "second");
  EXPECT_EQ(done.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(watched_->WriteSizes(), (std::vector<size_t>{5, 6}));
  // With nothing queued it runs at once (on the strand).
  WaitFlushed();
}

TEST_F(StreamTest, CloseIsIdempotent) {
  stream_->Close();
  std::thread other([&] { stream_->Close(); });
  other.join();
  stream_->Close();
  EXPECT_TRUE(stream_->Closed());
  EXPECT_EQ(stream_->WriteWith(Text("x")), Error(ErrorCode::kIo, "connection closed"));
  EXPECT_EQ(testpipe::Read(*peer_).first, asio::error::eof);
  EXPECT_EQ(testpipe::Write(*peer_, "x").first, asio::error::broken_pipe);
  WaitFlushed();  // a closed stream still answers WhenFlushed
}

}  // namespace
}  // namespace netrpc::transport
