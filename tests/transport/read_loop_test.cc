// read_loop_test.cc: the one read loop (transport::RunReadLoop) feeding a sink of the test's
// over a pipe: order, one read per batch, the size rule, the large-message path, the end.
#include "transport/read_loop.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "pipe_peer.h"
#include "transport/event_loop.h"
#include "transport/pipe.h"

namespace netrpc::transport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// LineSink takes messages that end in a newline, and large ones, "L<n>:" and n bytes, whose
// bytes past what is buffered it has read straight into a string. It logs each event with
// the number of reads the loop had started by then: "text@1", "room@1", "large:<bytes>@2".
class LineSink final : public MessageSink {
 public:
  explicit LineSink(const testpipe::WatchedConnection& connection) : connection_(connection) {}

  ReadResult OnMessage(std::string_view in) override {
    if (!fail_on_.empty() && in.starts_with(fail_on_)) {
      return {0, Error(ErrorCode::kProtocol, "line: refused " + fail_on_)};
    }
    size_t end = 0;
    if (size_t n = 0, colon = in.find(':');
        in.starts_with("L") && colon != in.npos && ParseSize(in.substr(1, colon - 1), &n)) {
      if (in.size() - colon - 1 < n) return {};
      end = colon + 1 + n;  // a large message that is all buffered
    } else if (size_t nl = in.find('\n'); nl != in.npos) {
      end = nl + 1;
    } else {
      return {};
    }
    Log(std::string(in.substr(0, end - (in[end - 1] == '\n' ? 1 : 0))));
    return {end, {}};
  }
  asio::awaitable<void> WaitForRoom() override {
    Log("room");
    co_return;
  }
  Large BeginLarge(ReadBuffer& buffer, codec::Tail** tail) override {
    std::string_view in = buffer.Data();
    Large answer = Large::kNo;
    size_t n = 0, colon = in.find(':');
    if (!in.starts_with("L")) {
      answer = Large::kNo;
    } else if (colon == in.npos) {
      answer = Large::kNotYet;  // the header is not all here
    } else if (ParseSize(in.substr(1, colon - 1), &n) && in.size() - colon - 1 < n) {
      large_.clear();
      tail_ = {};
      tail_.Begin(TypeOf<std::string>(), &large_, n, in.substr(colon + 1));
      buffer.Consume(in.size());  // all of it is this message's start
      *tail = &tail_;
      answer = Large::kYes;
    }
    std::lock_guard lock(mu_);
    begin_large_answers_.push_back(answer);
    return answer;
  }
  netrpc::Error FinishLarge() override {
    Log("large:" + large_);
    return {};
  }

  void FailOn(std::string prefix) { fail_on_ = std::move(prefix); }
  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<Large> BeginLargeAnswers() {
    std::lock_guard lock(mu_);
    return begin_large_answers_;
  }

 private:
  static bool ParseSize(std::string_view digits, size_t* n) {
    if (digits.empty()) return false;
    *n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      *n = *n * 10 + static_cast<size_t>(c - '0');
    }
    return true;
  }
  void Log(std::string event) {
    std::lock_guard lock(mu_);
    events_.push_back(event + "@" + std::to_string(connection_.Reads()));
  }

  const testpipe::WatchedConnection& connection_;
  std::string fail_on_;
  std::string large_;  // the large message's value, and the tail that fills it
  codec::Tail tail_;
  std::mutex mu_;  // guards events_ and begin_large_answers_, which the test reads
  std::vector<std::string> events_;
  std::vector<Large> begin_large_answers_;
};

using Large = MessageSink::Large;
using Events = std::vector<std::string>;

class ReadLoopTest : public ::testing::Test {
 protected:
  EventLoop loop_{1};  // one thread: the pipe's completions run in the order they were made
  std::shared_ptr<PipeConnection> end_, peer_;
  std::shared_ptr<testpipe::WatchedConnection> watched_;
  std::shared_ptr<Stream> stream_;
  std::unique_ptr<LineSink> sink_;
  std::future<Error> ended_;

  void SetUp() override {
    auto ex = loop_.Context().get_executor();
    std::tie(end_, peer_) = NewPipe(ex, ex);
    peer_->SetFaults({.capacity = 0});  // the peer's write ends once the loop has read it all
    watched_ = std::make_shared<testpipe::WatchedConnection>(end_);
    stream_ = std::make_shared<Stream>(watched_);
    sink_ = std::make_unique<LineSink>(*watched_);
  }
  void TearDown() override {
    if (!ended_.valid()) return;
    peer_->Close();  // a loop still running ends at EOF, before the sink and stream go
    EXPECT_EQ(ended_.wait_for(10s), std::future_status::ready);
  }

  void Run(size_t max_message_bytes = 1u << 20) {
    ended_ = asio::co_spawn(stream_->GetStrand(), RunReadLoop(*stream_, *sink_, max_message_bytes),
                            asio::use_future);
  }
  // Barrier returns once the strand has run what was queued on it. The read that took the
  // peer's last bytes was queued there before the peer's write ended, so after a Send the
  // loop has handed over what those bytes complete and waits in its next read.
  void Barrier() {
    std::promise<void> reached;
    asio::post(stream_->GetStrand(), [&] { reached.set_value(); });
    reached.get_future().get();
  }
  void Send(std::string bytes) {
    auto sent = testpipe::StartWrite(*peer_, std::move(bytes));
    ASSERT_EQ(sent.wait_for(10s), std::future_status::ready) << "the loop stopped reading";
    auto [ec, n] = sent.get();
    ASSERT_FALSE(ec) << ec.message();
    Barrier();
  }
  Error Ended() {
    EXPECT_EQ(ended_.wait_for(10s), std::future_status::ready);
    return ended_.get();
  }
};

TEST_F(ReadLoopTest, HandsOverEveryBufferedMessageInOrderBeforeTheNextRead) {
  auto sent = testpipe::StartWrite(*peer_, "a\nb\nc\n");  // there first: one read takes all
  Run();
  ASSERT_EQ(sent.wait_for(10s), std::future_status::ready);
  Barrier();
  EXPECT_EQ(sink_->Events(), (Events{"room@0", "a@1", "b@1", "c@1", "room@1"}));
  EXPECT_EQ(watched_->Reads(), 2u);
  Send("d\ne");  // a whole message and the start of one
  Send("f\n");
  EXPECT_EQ(sink_->Events(),
            (Events{"room@0", "a@1", "b@1", "c@1", "room@1", "d@2", "room@2", "ef@3", "room@3"}));
}

TEST_F(ReadLoopTest, EndsWithUnexpectedEofWhenThePeerCloses) {
  Run();
  Send("last\nhalf a mess");
  peer_->Close();
  EXPECT_EQ(Ended().code(), ErrorCode::kUnexpectedEof);
  // The half message is not handed over.
  EXPECT_EQ(sink_->Events(), (Events{"room@0", "last@1", "room@1"}));
}

TEST_F(ReadLoopTest, ASinkErrorEndsTheLoopWithIt) {
  sink_->FailOn("bad");
  Run();
  auto sent = testpipe::StartWrite(*peer_, "ok\nbad\nnever\n");
  EXPECT_EQ(Ended(), Error(ErrorCode::kProtocol, "line: refused bad"));
  EXPECT_EQ(sink_->Events(), (Events{"room@0", "ok@1"}));
}

TEST_F(ReadLoopTest, BuffersUpToMaxMessageBytesPlusFrameOverhead) {
  constexpr size_t kMax = 100;
  Run(kMax);
  Send(std::string(kMax + codec::kMaxFrameOverhead, 'x'));  // at the limit: it reads on
  EXPECT_EQ(stream_->Buffer().Size(), kMax + codec::kMaxFrameOverhead);
  EXPECT_EQ(watched_->Reads(), 2u);
  auto sent = testpipe::StartWrite(*peer_, "x");  // one byte past it
  EXPECT_EQ(Ended(), Error(ErrorCode::kTooLarge, "message exceeds the limit of 100 bytes"));
}

TEST_F(ReadLoopTest, TheLimitIsOnWhatStaysBufferedNotOnAMessageItCompletes) {
  constexpr size_t kMax = 100;
  Run(kMax);
  std::string line(kMax + codec::kMaxFrameOverhead, 'x');
  Send(line);
  Send("\n");  // one byte past the limit, and a complete message: handed over
  EXPECT_EQ(sink_->Events(), (Events{"room@0", "room@1", line + "@2", "room@2"}));
}

TEST_F(ReadLoopTest, NotYetAsksAgainAfterEachReadAndYesReadsTheTailStraightIn) {
  std::string payload(3u << 20, 'p');
  payload.front() = 'a';
  payload.back() = 'z';
  std::string header = "L" + std::to_string(payload.size()) + ":";
  Run();
  Send(header.substr(0, 2));  // the header is not all here: kNotYet
  Send(header.substr(2, 3));  // still not: asked again
  EXPECT_EQ(sink_->BeginLargeAnswers(), (std::vector<Large>{Large::kNotYet, Large::kNotYet}));
  Send(header.substr(5) + payload.substr(0, 100));  // kYes: the rest goes into the value
  Send(payload.substr(100, 1u << 20));
  Send(payload.substr(100 + (1u << 20)));
  Send("after\n");
  EXPECT_EQ(sink_->BeginLargeAnswers(),
            (std::vector<Large>{Large::kNotYet, Large::kNotYet, Large::kYes}));
  Events events = sink_->Events();
  ASSERT_EQ(events.size(), 8u);
  EXPECT_EQ(Events(events.begin(), events.begin() + 4),
            (Events{"room@0", "room@1", "room@2", "room@3"}));
  // FinishLarge, not OnMessage, had the message, whole; then the loop went on as before.
  EXPECT_TRUE(events[4].starts_with("large:") && events[4].substr(6, payload.size()) == payload);
  EXPECT_EQ(events[6].substr(0, 6), "after@");
  // Its bytes went into the value, not through the buffer.
  EXPECT_LT(stream_->Buffer().Capacity(), payload.size());
}

TEST_F(ReadLoopTest, NoIsFinalForTheMessageItAnswers) {
  Run();
  Send("hel");    // not a large message: kNo
  Send("lo wo");  // the same message: not asked again
  EXPECT_EQ(sink_->BeginLargeAnswers(), (std::vector<Large>{Large::kNo}));
  Send("rld\nzz");  // the next message is asked about afresh
  EXPECT_EQ(sink_->BeginLargeAnswers(), (std::vector<Large>{Large::kNo, Large::kNo}));
  EXPECT_EQ(sink_->Events(), (Events{"room@0", "room@1", "room@2", "hello world@3", "room@3"}));
}

}  // namespace
}  // namespace netrpc::transport
