// event_loop.cc: starts and joins the threads of an EventLoop.
// Stopping drops the work guard and stops the context, so no handler runs after the join.
#include "transport/event_loop.h"

#include <algorithm>
#include <cstdlib>

#include "netrpc/netrpc.h"

namespace netrpc::transport {

EventLoop::EventLoop(size_t threads)
    : own_io_(std::make_unique<boost::asio::io_context>(
          static_cast<int>(std::max<size_t>(threads, 1)))),
      io_(own_io_.get()) {
  work_.emplace(io_->get_executor());
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    threads_.emplace_back([this] { io_->run(); });
  }
}

EventLoop::EventLoop(boost::asio::io_context& io) : io_(&io) {}

EventLoop::~EventLoop() { Stop(); }

bool EventLoop::InLoopThread() const {
  if (!own_io_) return io_->get_executor().running_in_this_thread();
  auto me = std::this_thread::get_id();
  return std::any_of(threads_.begin(), threads_.end(),
                     [me](const std::thread& t) { return t.get_id() == me; });
}

void EventLoop::Stop() {
  if (!own_io_) return;
  work_.reset();
  io_->stop();
  for (auto& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.detach();  // Stop called from a loop thread: it ends on return
  }
}

EventLoop& DefaultLoop() {
  // Never destroyed: connections made on it may outlive static destruction's order. Its
  // threads stop at exit, before the statics made earlier (Go's errors, say) are destroyed
  // under a handler still running there: atexit runs in reverse order of registration.
  static EventLoop* loop = [] {
    auto* l = new EventLoop(std::max(1u, std::thread::hardware_concurrency()));
    std::atexit([] { DefaultLoop().Stop(); });
    return l;
  }();
  return *loop;
}

}  // namespace netrpc::transport

namespace netrpc {

struct EventLoop::Impl {
  explicit Impl(size_t threads) : loop(threads) {}
  explicit Impl(boost::asio::io_context& io) : loop(io) {}
  transport::EventLoop loop;
};
EventLoop::EventLoop(size_t threads) : impl_(std::make_unique<Impl>(threads)) {}
EventLoop::EventLoop(boost::asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}
EventLoop::~EventLoop() = default;

transport::EventLoop& detail::LoopAccess::Of(netrpc::EventLoop& loop) { return loop.impl_->loop; }

}  // namespace netrpc
