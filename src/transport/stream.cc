// stream.cc: reading into the buffer, and the flusher that drains the write queue.
// Socket operations run on the strand only; the write queue is shared under write_mu_.
#include "transport/stream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <tuple>

namespace netrpc::transport {

namespace asio = boost::asio;

namespace {
constexpr size_t kReadChunk = 64 * 1024;
// A drained send buffer keeps its capacity up to this, so that a connection streaming MiB
// replies does not reallocate and copy its queue on every batch; beyond it, it is released.
constexpr size_t kKeepSendCapacity = 16u << 20;

}  // namespace

Stream::Stream(std::shared_ptr<Connection> connection)
    : strand_(asio::make_strand(connection->GetExecutor())),
      connection_(std::move(connection)),
      last_read_ns_(std::chrono::steady_clock::now().time_since_epoch().count()) {}

Stream::~Stream() = default;

asio::awaitable<Error> Stream::ReadMore() {
  size_t room = 0;
  char* p = buffer_.Prepare(kReadChunk, &room);
  size_t n = 0;
  Error err = co_await ReadSome(p, room, &n);
  if (!err) buffer_.Commit(n);
  co_return err;
}

asio::awaitable<Error> Stream::ReadSome(char* p, size_t n, size_t* got) {
  *got = 0;
  if (reading_stopped_) co_return Error(ErrorCode::kUnexpectedEof, "reading stopped");
  auto [ec, k] = co_await connection_->ReadSome(asio::buffer(p, n), stop_reading_.slot());
  last_read_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                      std::memory_order_relaxed);
  *got = k;
  read_total_ += k;
  if (count_in_ != nullptr) count_in_->fetch_add(k, std::memory_order_relaxed);
  if (ec) {
    if (ec == asio::error::eof || reading_stopped_) {
      co_return Error(ErrorCode::kUnexpectedEof, "EOF");
    }
    co_return Error(ErrorCode::kIo, ec.message());
  }
  co_return Error{};
}

asio::awaitable<Error> Stream::ReadTail(codec::Tail* tail) {
  while (tail->Missing() > 0) {
    size_t room = 0, n = 0;
    char* at = tail->Room(&room);
    if (Error err = co_await ReadSome(at, room, &n)) co_return err;
    tail->Commit(n);
  }
  co_return Error{};
}

size_t Stream::QueuedBytes() {
  std::lock_guard lock(write_mu_);
  return queued_.size() + queued_borrowed_.bytes;
}

Error Stream::KickLocked(std::unique_lock<std::mutex>& lock) {
  if (writing_ || (queued_.empty() && queued_borrowed_.spans.empty())) return {};
  writing_ = true;
  lock.unlock();
  asio::post(strand_, [self = shared_from_this()] { self->Flush(); });
  return {};
}

void Stream::Flush() {
  {
    std::unique_lock lock(write_mu_);
    if ((queued_.empty() && queued_borrowed_.spans.empty()) || closed_) {
      // A closed stream sends nothing more: what is queued goes (borrowed values with it),
      // so that nobody waits for it to be flushed.
      std::string().swap(queued_);
      queued_borrowed_.Clear();
      auto owners = std::move(queued_owners_);
      queued_owners_.clear();
      writing_ = false;
      auto waiters = std::move(flushed_waiters_);
      flushed_waiters_.clear();
      lock.unlock();
      owners.clear();
      for (auto& fn : waiters) fn();
      return;
    }
    std::swap(queued_, sending_);
    std::swap(queued_borrowed_, sending_borrowed_);
    std::swap(queued_owners_, sending_owners_);
  }
  if (sending_borrowed_.spans.empty()) {
    gather_.emplace_back(sending_.data(), sending_.size());
    connection_->Write(gather_, strand_, shared_from_this());
    return;
  }
  // Interleave the encoded bytes with the spans borrowed between them: one gather write.
  size_t at = 0;
  for (const Borrowed::Span& span : sending_borrowed_.spans) {
    if (span.at > at) gather_.emplace_back(sending_.data() + at, span.at - at);
    gather_.emplace_back(span.data, span.size);
    at = span.at;
  }
  if (at < sending_.size()) gather_.emplace_back(sending_.data() + at, sending_.size() - at);
  connection_->Write(gather_, strand_, shared_from_this());
}

void Stream::OnWritten(boost::system::error_code ec, size_t bytes) {
  if (count_out_ != nullptr) count_out_->fetch_add(bytes, std::memory_order_relaxed);
  sending_.clear();
  if (sending_.capacity() > kKeepSendCapacity) std::string().swap(sending_);
  sending_borrowed_.Clear();
  sending_owners_.clear();  // the borrowed values are sent: let them go
  gather_.clear();
  if (ec && keep_reading_after_write_error_) {
    std::lock_guard lock(write_mu_);
    closed_ = true;  // no more writes; the reader closes the socket
  } else if (ec) {
    Close();
  }
  Flush();
}

void Stream::WhenFlushed(std::function<void()> fn) {
  std::unique_lock lock(write_mu_);
  // A write in flight ends in Flush, which runs the waiters; a closed stream has nothing
  // left to flush (its queue is dropped at the next Flush).
  if (writing_ || (!closed_ && (!queued_.empty() || !queued_borrowed_.spans.empty()))) {
    flushed_waiters_.push_back(std::move(fn));
    return;
  }
  lock.unlock();
  asio::post(strand_, std::move(fn));
}

void Stream::StopReading() {
  asio::post(strand_, [self = shared_from_this()] {
    self->reading_stopped_ = true;
    self->stop_reading_.emit(asio::cancellation_type::terminal);
  });
}

asio::awaitable<void> Stream::Linger(std::chrono::milliseconds limit) {
  connection_->ShutdownSend();  // FIN, after every reply
  asio::steady_timer timer(strand_, limit);
  timer.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
    if (!wait_ec) self->connection_->Cancel();  // the peer kept the connection open
  });
  char scratch[16 * 1024];
  boost::system::error_code ec;
  while (!ec) {
    std::tie(ec, std::ignore) =
        co_await connection_->ReadSome(asio::buffer(scratch), asio::cancellation_slot());
  }
  timer.cancel();
}

void Stream::Close() {
  {
    std::lock_guard lock(write_mu_);
    closed_ = true;
  }
  asio::post(strand_, [self = shared_from_this()] { self->connection_->Close(); });
}

bool Stream::Closed() {
  std::lock_guard lock(write_mu_);
  return closed_;
}

}  // namespace netrpc::transport
