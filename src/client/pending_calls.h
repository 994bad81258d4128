// pending_calls.h: the client's table of calls in flight, keyed by sequence number, and
// their deadlines. Take removes an entry; whoever takes a call is the one who completes it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "netrpc/netrpc.h"

namespace netrpc::client {

using Clock = std::chrono::steady_clock;

// Not synchronized: ClientCore guards it with its own mutex.
class PendingCalls {
 public:
  void Add(uint64_t seq, std::shared_ptr<Call> call, Clock::time_point deadline) {
    Entry* e;
    if (!spare_.empty()) {  // reuse a node: no allocation per call in the steady state
      Map::node_type node = std::move(spare_.back());
      spare_.pop_back();
      node.key() = seq;
      e = &calls_.insert(std::move(node)).position->second;
    } else {
      e = &calls_[seq];
    }
    e->call = std::move(call);
    e->has_deadline = deadline != Clock::time_point::max();
    if (e->has_deadline) e->deadline = deadlines_.emplace(deadline, seq);
  }

  // Find returns the call without taking it: only to look at it under the table's lock.
  const Call* Find(uint64_t seq) const {
    auto it = calls_.find(seq);
    return it == calls_.end() ? nullptr : it->second.call.get();
  }

  // Take removes and returns the call; a late reply or a second timeout then finds nothing.
  std::shared_ptr<Call> Take(uint64_t seq) {
    auto it = calls_.find(seq);
    if (it == calls_.end()) return nullptr;
    std::shared_ptr<Call> call = std::move(it->second.call);
    if (it->second.has_deadline) deadlines_.erase(it->second.deadline);
    Map::node_type node = calls_.extract(it);
    if (spare_.size() < kMaxSpare) spare_.push_back(std::move(node));
    return call;
  }

  // TakeExpired removes every call whose deadline is at or before now.
  std::vector<std::shared_ptr<Call>> TakeExpired(Clock::time_point now) {
    std::vector<std::shared_ptr<Call>> out;
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      out.push_back(Take(deadlines_.begin()->second));
    }
    return out;
  }

  std::vector<std::shared_ptr<Call>> TakeAll() {
    std::vector<std::shared_ptr<Call>> out;
    out.reserve(calls_.size());
    for (auto& [seq, e] : calls_) out.push_back(std::move(e.call));
    calls_.clear();
    deadlines_.clear();
    return out;
  }

  Clock::time_point NextDeadline() const {
    return deadlines_.empty() ? Clock::time_point::max() : deadlines_.begin()->first;
  }
  size_t Size() const { return calls_.size(); }

 private:
  using Deadlines = std::multimap<Clock::time_point, uint64_t>;
  struct Entry {
    std::shared_ptr<Call> call;
    bool has_deadline = false;
    Deadlines::iterator deadline;
  };
  using Map = std::unordered_map<uint64_t, Entry>;
  static constexpr size_t kMaxSpare = 1024;
  Map calls_;
  std::vector<Map::node_type> spare_;  // nodes of finished calls, kept for the next ones
  Deadlines deadlines_;
};

}  // namespace netrpc::client
