// worker_pool.h: the threads that run blocking handlers. It grows when every worker is busy,
// so a ready call never waits behind blocked ones (Go runs a goroutine per call), and shrinks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace netrpc::server {

class WorkerPool {
 public:
  // A pool keeps `min` threads for life, starts one more (up to `max`) whenever a task
  // arrives with none idle, and lets a thread beyond `min` go after idle_keep without work.
  WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_keep);
  ~WorkerPool();  // Join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Post runs fn on a worker, from any thread. A callable that may only be moved is fine.
  template <class F>
  void Post(F fn) {
    struct Impl final : Task {
      explicit Impl(F f) : fn(std::move(f)) {}
      void Run() override { fn(); }
      F fn;
    };
    Enqueue(std::make_unique<Impl>(std::move(fn)));
  }
  // Join runs what is queued, then stops and joins every thread; Post after it does nothing.
  void Join();

  size_t Threads() const;  // now, for tests and the debug page
  size_t Busy() const;

 private:
  struct Task {
    virtual ~Task() = default;
    virtual void Run() = 0;
  };
  void Enqueue(std::unique_ptr<Task> task);
  // Work is a thread's life; reserved: it was started for a task that is queued.
  void Work(bool reserved);
  void StartLocked(bool reserved);

  const size_t min_, max_;
  const std::chrono::milliseconds idle_keep_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable ready_;
  std::condition_variable all_done_;
  std::deque<std::unique_ptr<Task>> queue_;
  std::vector<std::thread> threads_;   // running or done; joined by Join or the next start
  std::vector<std::thread::id> done_;  // threads that left, to be joined
  size_t running_ = 0;                 // threads in Work
  size_t available_ = 0;               // of those, free for a task and not reserved for one
  size_t wakeups_ = 0;                 // reservations made by Post, not yet taken
  bool stopping_ = false;
};

}  // namespace netrpc::server
