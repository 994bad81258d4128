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
  // The idle thread woken for a task is the one that went idle last, so that under a light
  // load the others stay idle long enough to leave.
  WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_keep);
  ~WorkerPool();  // Join()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Post runs fn on a worker, from any thread. A callable that may only be moved is fine.
  // If no thread can be started (the system's limit), the task waits for a busy worker.
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
  // Not from a worker.
  void Join();

  size_t Threads() const;  // now, for tests
  size_t Busy() const;

 private:
  struct Task {
    virtual ~Task() = default;
    virtual void Run() = 0;
  };
  // Waiter is an idle worker, on its own stack, woken alone.
  struct Waiter {
    std::condition_variable cv;
    bool reserved = false;  // a Post chose it for a queued task
  };
  void Enqueue(std::unique_ptr<Task> task);
  // Work is a thread's life; reserved: it was started for a task that is queued.
  void Work(bool reserved);
  bool StartLocked(bool reserved);

  const size_t min_, max_;
  const std::chrono::milliseconds idle_keep_;
  mutable std::mutex mu_;            // guards everything below
  std::condition_variable changed_;  // a worker parked or left
  std::deque<std::unique_ptr<Task>> queue_;
  std::vector<Waiter*> idle_;          // idle workers, the last to go idle at the back
  std::vector<std::thread> threads_;   // running or done; joined by Join or the next start
  std::vector<std::thread::id> done_;  // threads that left, to be joined
  size_t running_ = 0;                 // threads in Work
  bool stopping_ = false;
};

}  // namespace netrpc::server
