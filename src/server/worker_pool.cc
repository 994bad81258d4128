// worker_pool.cc: a task queue and the threads that take from it, started on demand and let
// go when idle. One lock; an idle worker is reserved by the Post that wakes it.
#include "server/worker_pool.h"

#include <algorithm>

namespace netrpc::server {

WorkerPool::WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_keep)
    : min_(std::max<size_t>(1, min)), max_(std::max(min_, max)), idle_keep_(idle_keep) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < min_; ++i) StartLocked(false);
}

WorkerPool::~WorkerPool() { Join(); }

void WorkerPool::Enqueue(std::unique_ptr<Task> task) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  queue_.push_back(std::move(task));
  if (available_ > 0) {  // reserve a free worker for it, so that a second Post does not count it
    --available_;
    ++wakeups_;
    ready_.notify_one();
  } else if (running_ < max_) {  // every worker is busy or reserved: one more, for this task
    StartLocked(true);
  }
}

void WorkerPool::StartLocked(bool reserved) {
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
  ++running_;
  if (!reserved) ++available_;  // free from the start, before it even waits
  threads_.emplace_back([this, reserved] { Work(reserved); });
}

void WorkerPool::Work(bool reserved) {
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
      ++available_;
      reserved = false;
    }
    bool woken = ready_.wait_for(lock, idle_keep_, [&] { return wakeups_ > 0 || stopping_; });
    if (woken && wakeups_ > 0) {  // a Post reserved a worker (and took it off available_)
      --wakeups_;
      reserved = true;
      continue;
    }
    if (stopping_ || running_ > min_) {  // stopping: run what is left; idle: leave
      --available_;
      if (!stopping_) break;
      reserved = true;
    }
  }
  --running_;
  done_.push_back(std::this_thread::get_id());
  all_done_.notify_all();
}

void WorkerPool::Join() {
  std::vector<std::thread> threads;
  {
    std::unique_lock lock(mu_);
    stopping_ = true;
    ready_.notify_all();
    all_done_.wait(lock, [&] { return running_ == 0; });
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
  return running_ - available_;
}

}  // namespace netrpc::server
