// worker_pool.cc: a task queue and the threads that take from it, started on demand and let
// go when idle. One lock; a Post wakes the idle worker it reserves, and no other.
#include "server/worker_pool.h"

#include <algorithm>
#include <system_error>

#include "types/log.h"

namespace netrpc::server {

WorkerPool::WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_keep)
    : min_(std::max<size_t>(1, min)), max_(std::max(min_, max)), idle_keep_(idle_keep) {
  std::unique_lock lock(mu_);
  for (size_t i = 0; i < min_; ++i) StartLocked(false);
  // Until they wait, tasks would find no idle worker and start more threads.
  changed_.wait(lock, [&] { return idle_.size() == running_; });
}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::Enqueue(std::unique_ptr<Task> task) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  queue_.push_back(std::move(task));
  if (!idle_.empty()) {  // the last to go idle: the others may stay idle long enough to leave
    Waiter* w = idle_.back();
    idle_.pop_back();
    w->reserved = true;
    w->cv.notify_one();
  } else if (running_ < max_) {  // every worker is busy or reserved: one more, for this task
    StartLocked(true);
  }
}

bool WorkerPool::StartLocked(bool reserved) {
  // Threads that left since the last start are joined here, so their handles do not pile up.
  for (auto id : done_) {
    auto it = std::find_if(threads_.begin(), threads_.end(),
                           [&](const std::thread& t) { return t.get_id() == id; });
    if (it != threads_.end()) {
      it->join();  // it has left Work and no longer takes the lock
      threads_.erase(it);
    }
  }
  done_.clear();
  try {
    threads_.emplace_back([this, reserved] { Work(reserved); });
  } catch (const std::system_error& e) {
    // Out of threads: the task stays queued, and a busy worker takes it when it is done
    // (every worker empties the queue before it goes idle).
    Log(LogLevel::kWarning, "worker pool: cannot start a thread (", running_,
        " running): ", e.what());
    return false;
  }
  ++running_;
  return true;
}

void WorkerPool::Work(bool reserved) {
  Waiter self;
  std::unique_lock lock(mu_);
  for (;;) {
    if (reserved) {
      while (!queue_.empty()) {
        std::unique_ptr<Task> task = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        task->Run();
        task.reset();  // what it holds goes on this thread, outside the lock
        lock.lock();
      }
      if (stopping_) break;
    }
    self.reserved = false;
    idle_.push_back(&self);
    changed_.notify_all();
    self.cv.wait_for(lock, idle_keep_, [&] { return self.reserved || stopping_; });
    reserved = true;
    if (self.reserved) continue;  // Enqueue took it off idle_
    idle_.erase(std::find(idle_.begin(), idle_.end(), &self));
    if (!stopping_ && running_ > min_) break;  // idle too long, and more than the minimum
    // Stopping: run what is left, then leave. Below the minimum: wait again.
    reserved = stopping_;
  }
  --running_;
  done_.push_back(std::this_thread::get_id());
  changed_.notify_all();
}

void WorkerPool::Join() {
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    for (Waiter* w : idle_) w->cv.notify_one();
    changed_.wait(lock, [&] { return running_ == 0; });
    threads = std::move(threads_);
    threads_.clear();
    done_.clear();
  }
  for (auto& t : threads) t.join();
}

size_t WorkerPool::Threads() const {
  std::lock_guard lock(mu_);
  return running_;
}

size_t WorkerPool::Busy() const {
  std::lock_guard lock(mu_);
  return running_ - idle_.size();
}

}  // namespace netrpc::server
