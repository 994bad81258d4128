// event_loop.h: an io_context and the threads that run it, or a user's io_context that the
// user runs. Servers and clients each own one unless they are handed a shared loop.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace netrpc {
class EventLoop;  // the public handle (netrpc.h)
}

namespace netrpc::transport {

class EventLoop {
 public:
  explicit EventLoop(size_t threads);
  // EventLoop(io) runs on a user's io_context, on the threads that run it: none of its own.
  explicit EventLoop(boost::asio::io_context& io);
  ~EventLoop();  // stops the loop and joins its threads, if they are its own
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  boost::asio::io_context& Context() { return *io_; }
  // Owned is false for a user's io_context: nobody here may stop it.
  bool Owned() const { return own_io_ != nullptr; }
  // InLoopThread is true on a thread running this loop: blocking there would deadlock.
  bool InLoopThread() const;
  // Stop stops an owned loop and joins its threads; a user's io_context is left running.
  void Stop();

 private:
  std::unique_ptr<boost::asio::io_context> own_io_;
  boost::asio::io_context* io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

// DefaultLoop runs the connections and listeners made by netrpc::Listen, DialConn, FileConn
// and Pipe, for life, whoever serves them: a user's handle may outlive a server or client,
// and must not outlive the loop its socket is registered with. A thread per core, started on
// first use, never stopped (as Go's network poller); each connection runs on a strand of it.
EventLoop& DefaultLoop();

}  // namespace netrpc::transport

namespace netrpc::detail {
// LoopAccess opens a public netrpc::EventLoop to the layers above.
struct LoopAccess {
  static transport::EventLoop& Of(netrpc::EventLoop& loop);
};
}  // namespace netrpc::detail
