// event_loop.h: an io_context and the threads that run it.
// Servers and clients each own one unless they are handed a shared loop.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>
#include <vector>

namespace netrpc::transport {

class EventLoop {
 public:
  explicit EventLoop(size_t threads);
  ~EventLoop();  // stops the loop and joins its threads
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  boost::asio::io_context& Context() { return io_; }
  // InLoopThread is true on one of this loop's threads: blocking there would deadlock.
  bool InLoopThread() const;
  void Stop();

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

// DefaultLoop runs the connections and listeners made by netrpc::Listen, DialConn, FileConn
// and Pipe, for life, whoever serves them: a user's handle may outlive a server or client,
// and must not outlive the loop its socket is registered with. A thread per core, started on
// first use, never stopped (as Go's network poller); each connection runs on a strand of it.
EventLoop& DefaultLoop();

}  // namespace netrpc::transport
