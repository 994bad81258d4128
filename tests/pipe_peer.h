// pipe_peer.h: the test's side of an in-memory connection: blocking writes and reads on a raw
// end, to play a peer that misbehaves at an exact byte, and a connection that reports its I/O.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "netrpc/conn.h"
#include "transport/conn_access.h"
#include "transport/connection.h"
#include "transport/pipe.h"

namespace testpipe {

using boost::system::error_code;
using netrpc::transport::Connection;
using netrpc::transport::PipeConnection;
using Outcome = std::pair<error_code, size_t>;

// PipeOf is the in-memory end behind a Conn from netrpc::Pipe(), to inject faults into.
inline PipeConnection& PipeOf(const netrpc::Conn& conn) {
  return dynamic_cast<PipeConnection&>(*netrpc::detail::ConnAccess::Of(conn));
}

// StartWrite writes bytes (kept alive here until the write completes) and returns at once;
// the future is ready when the write completes, as the connection's handler sees it.
inline std::future<Outcome> StartWrite(Connection& c, std::string bytes) {
  struct State {
    std::string bytes;
    boost::asio::const_buffer buffer;
    std::promise<Outcome> done;
  };
  auto state = std::make_shared<State>();
  state->bytes = std::move(bytes);
  state->buffer = boost::asio::buffer(state->bytes);
  auto f = state->done.get_future();
  c.AsyncWrite(std::span(&state->buffer, 1), [state](error_code ec, size_t n) {
    state->done.set_value({ec, n});
  });
  return f;
}

inline Outcome Write(Connection& c, std::string bytes) {
  return StartWrite(c, std::move(bytes)).get();
}

// StartRead reads what has arrived, up to max bytes, once something has.
inline std::future<std::pair<error_code, std::string>> StartRead(Connection& c,
                                                                 size_t max = 64 * 1024) {
  struct State {
    std::string bytes;
    std::promise<std::pair<error_code, std::string>> done;
  };
  auto state = std::make_shared<State>();
  state->bytes.resize(max);
  auto f = state->done.get_future();
  c.AsyncReadSome(boost::asio::buffer(state->bytes), [state](error_code ec, size_t n) {
    state->bytes.resize(n);
    state->done.set_value({ec, std::move(state->bytes)});
  });
  return f;
}

inline std::pair<error_code, std::string> Read(Connection& c, size_t max = 64 * 1024) {
  return StartRead(c, max).get();
}

// ReadExactly reads n bytes, or fewer if the stream ends or fails first.
inline std::string ReadExactly(Connection& c, size_t n) {
  std::string out;
  while (out.size() < n) {
    auto [ec, bytes] = Read(c, n - out.size());
    if (ec) break;
    out += bytes;
  }
  return out;
}

// ManualLoop is an io_context that runs only when the test says: Poll() runs every handler
// that is ready and returns once none is, so whatever runs on it (a server connection with
// inline handlers, say) has done all it can without its peer. Start() then runs it on a
// thread of its own until the loop is destroyed, for the blocking parts of a test. Whatever
// runs on it and outlives the test's body (a server) needs it started by then.
class ManualLoop {
 public:
  ManualLoop() = default;
  ~ManualLoop() {
    work_.reset();
    if (runner_.joinable()) runner_.join();
  }
  ManualLoop(const ManualLoop&) = delete;
  ManualLoop& operator=(const ManualLoop&) = delete;

  boost::asio::any_io_executor Executor() { return io_.get_executor(); }
  size_t Poll() { return io_.poll(); }
  void Start() {
    if (!runner_.joinable()) runner_ = std::thread([this] { io_.run(); });
  }
  // StartAtExit returns a guard that starts the loop when it goes. Declared after a server
  // that serves a connection on this loop, it has the loop running when the server is
  // destroyed, however the test ends (a failed ASSERT returns early).
  struct StartOnExit {
    ManualLoop* loop;
    ~StartOnExit() { loop->Start(); }
  };
  [[nodiscard]] StartOnExit StartAtExit() { return {this}; }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread runner_;
};

// WatchedConnection passes everything to the connection it wraps and counts the reads
// started and the writes made through it, so that a test can wait for the nth read to begin
// (a loop that reads again has handled what came before) and count write batches.
class WatchedConnection final : public Connection {
 public:
  explicit WatchedConnection(std::shared_ptr<Connection> inner) : inner_(std::move(inner)) {}

  size_t Reads() const {
    std::lock_guard lock(mu_);
    return reads_;
  }
  // WriteSizes is the bytes of each write, in order.
  std::vector<size_t> WriteSizes() const {
    std::lock_guard lock(mu_);
    return write_sizes_;
  }
  // WaitForReads waits until n reads have started; false if that takes longer than a bound
  // no passing test comes near.
  bool WaitForReads(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return reads_ >= n; });
  }

  boost::asio::any_io_executor GetExecutor() const override { return inner_->GetExecutor(); }
  void ShutdownSend() override { inner_->ShutdownSend(); }
  void Cancel() override { inner_->Cancel(); }
  void Close() override { inner_->Close(); }
  std::string Network() const override { return inner_->Network(); }
  std::string LocalAddress() const override { return inner_->LocalAddress(); }
  const netrpc::transport::Peer& GetPeer() const override { return inner_->GetPeer(); }

 protected:
  void DoReadSome(boost::asio::mutable_buffer buffer, ReadHandler handler) override {
    {
      std::lock_guard lock(mu_);
      ++reads_;
    }
    cv_.notify_all();
    inner_->AsyncReadSome(buffer, std::move(handler));
  }
  void DoWrite(std::span<const boost::asio::const_buffer> buffers, WriteHandler handler) override {
    size_t n = 0;
    for (const auto& b : buffers) n += b.size();
    {
      std::lock_guard lock(mu_);
      write_sizes_.push_back(n);
    }
    inner_->AsyncWrite(buffers, std::move(handler));
  }

 private:
  std::shared_ptr<Connection> inner_;
  mutable std::mutex mu_;  // guards reads_ and write_sizes_
  std::condition_variable cv_;
  size_t reads_ = 0;
  std::vector<size_t> write_sizes_;
};

}  // namespace testpipe
