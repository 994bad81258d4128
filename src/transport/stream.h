// stream.h: one connection's read buffer and write queue, over a Connection of any kind.
// Any thread may queue bytes; one flusher on the connection's strand sends everything queued
// in a single write, so replies that complete together share a syscall.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "netrpc/error.h"
#include "transport/connection.h"
#include "transport/read_buffer.h"
#include "types/borrowed.h"

namespace netrpc::transport {

class Stream : public std::enable_shared_from_this<Stream>, public WriteWaiter {
 public:
  explicit Stream(std::shared_ptr<Connection> connection);
  ~Stream();

  const Strand& GetStrand() const { return strand_; }
  ReadBuffer& Buffer() { return buffer_; }

  // ReadMore appends what the socket has to Buffer(); call it only from the read coroutine.
  boost::asio::awaitable<Error> ReadMore();
  // ReadSome reads what the socket has, up to n bytes, into p (past the buffer: a large
  // message's tail goes straight into its value); same caller rule.
  boost::asio::awaitable<Error> ReadSome(char* p, size_t n, size_t* got);
  // ReadTail reads the rest of a large message's last value straight into it (same rule).
  boost::asio::awaitable<Error> ReadTail(codec::Tail* tail);
  // LastRead is when a read last completed (or the stream was made), for idle sweeps.
  std::chrono::steady_clock::time_point LastRead() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_read_ns_.load(std::memory_order_relaxed)));
  }

  // WriteWith runs encode(out) under the write lock, then makes sure a flush is on its way.
  // The lock orders encoding with sending, which stateful codecs (gob) need.
  template <class F>
  Error WriteWith(F&& encode) {
    std::unique_lock lock(write_mu_);
    if (closed_) return Error(ErrorCode::kIo, "connection closed");
    if (Error err = encode(&queued_)) return err;
    return KickLocked(lock);
  }
  // WriteBorrowing is WriteWith for an encoder that may borrow large spans of a value rather
  // than copy them: encode(out, borrowed). If it borrowed, `owner` (a unique_ptr or
  // shared_ptr to what holds the value) is taken and kept until those bytes are sent.
  template <class Owner, class F>
  Error WriteBorrowing(Owner& owner, F&& encode) {
    std::unique_lock lock(write_mu_);
    if (closed_) return Error(ErrorCode::kIo, "connection closed");
    size_t spans = queued_borrowed_.spans.size();
    if (Error err = encode(&queued_, &queued_borrowed_)) return err;
    if (queued_borrowed_.spans.size() != spans) queued_owners_.emplace_back(std::move(owner));
    return KickLocked(lock);
  }
  // QueuedBytes counts what waits to be sent, borrowed bytes included.
  size_t QueuedBytes();

  // StopReading makes a pending or later ReadMore/ReadSome end as if at end-of-stream,
  // without touching the socket: queued writes still go out, and Linger can still drain.
  void StopReading();
  // Linger is a graceful close's last step, once every reply is written: it sends FIN and
  // reads and drops whatever the peer still sends until the peer closes or `limit` passes.
  // Closing a socket with unread bytes makes the kernel reset the connection, which can
  // drop replies the peer has not read yet.
  boost::asio::awaitable<void> Linger(std::chrono::milliseconds limit);
  // Close cancels everything and closes the socket; idempotent, any thread.
  void Close();
  bool Closed();
  // By default a failed write (the peer went away) closes the stream. A client sets
  // KeepReadingAfterWriteError: writing stops, but replies that already arrived are still
  // read, and the read loop closes the stream when it ends.
  void KeepReadingAfterWriteError() { keep_reading_after_write_error_ = true; }
  // WhenFlushed calls fn on the strand once everything queued so far has been written.
  void WhenFlushed(std::function<void()> fn);

  std::string RemoteAddress() const { return connection_->GetPeer().address; }
  const std::shared_ptr<Connection>& GetConnection() const { return connection_; }

  // CountBytes adds the bytes read and written from now on to *in and *out (a server's
  // totals per protocol); the first call adds those read before it too. On the strand.
  void CountBytes(std::atomic<uint64_t>* in, std::atomic<uint64_t>* out) {
    if (count_in_ == nullptr) in->fetch_add(read_total_, std::memory_order_relaxed);
    count_in_ = in;
    count_out_ = out;
  }

  // StopCounting stops adding to the counters CountBytes gave (their owner is going). On the
  // strand.
  void StopCounting() {
    count_in_ = nullptr;
    count_out_ = nullptr;
    read_total_ = 0;
  }

  // OnWritten ends a batch's write (WriteWaiter), on the strand.
  void OnWritten(boost::system::error_code ec, size_t bytes) override;

 private:
  Error KickLocked(std::unique_lock<std::mutex>& lock);
  void Flush();

  Strand strand_;
  std::shared_ptr<Connection> connection_;  // used on the strand only, but for GetPeer
  ReadBuffer buffer_;
  boost::asio::cancellation_signal stop_reading_;  // strand only, as is reading_stopped_
  bool reading_stopped_ = false;
  std::atomic<int64_t> last_read_ns_;  // steady_clock ticks; read by the idle sweep
  uint64_t read_total_ = 0;            // strand only, as are the counters' pointers
  std::atomic<uint64_t>* count_in_ = nullptr;
  std::atomic<uint64_t>* count_out_ = nullptr;

  std::mutex write_mu_;  // guards queued_*, writing_, closed_, flushed_waiters_
  std::string queued_;
  Borrowed queued_borrowed_;
  std::vector<std::shared_ptr<void>> queued_owners_;
  bool writing_ = false;
  bool closed_ = false;
  std::vector<std::function<void()>> flushed_waiters_;
  // Owned by the flusher on the strand: the batch being written, and its gather list when it
  // borrowed spans.
  std::string sending_;
  Borrowed sending_borrowed_;
  std::vector<std::shared_ptr<void>> sending_owners_;
  std::vector<boost::asio::const_buffer> gather_;
  bool keep_reading_after_write_error_ = false;
};

}  // namespace netrpc::transport
