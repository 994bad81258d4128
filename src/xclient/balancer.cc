// balancer.cc: the selection algorithms. Smooth weighted round-robin is nginx's
// (ngx_http_upstream_get_peer); the hash ring is ketama's shape, as brpc's c_murmurhash.
#include "xclient/balancer.h"

#include <algorithm>

namespace netrpc::xclient {

Balancer::Balancer(SelectMode mode) : mode_(mode) {}

uint64_t Balancer::HashKey(std::string_view key) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

void Balancer::Reset(const std::vector<std::pair<std::string, uint32_t>>& endpoints) {
  size_ = endpoints.size();
  weight_.clear();
  current_.assign(size_, 0);
  ring_.clear();
  for (const auto& [address, weight] : endpoints) weight_.push_back(weight == 0 ? 1 : weight);
  if (mode_ == SelectMode::kConsistentHash) {
    // Points depend on the address only, so an endpoint leaving moves only the keys it held.
    ring_.reserve(size_ * kPointsPerEndpoint);
    for (size_t i = 0; i < size_; ++i) {
      for (int p = 0; p < kPointsPerEndpoint; ++p) {
        ring_.emplace_back(HashKey(endpoints[i].first + "#" + std::to_string(p)), i);
      }
    }
    std::sort(ring_.begin(), ring_.end());
  }
}

int Balancer::Pick(std::string_view key, const std::function<bool(size_t)>& allowed,
                   const std::function<int64_t(size_t)>& outstanding) {
  std::vector<size_t> ok;
  for (size_t i = 0; i < size_; ++i) {
    if (allowed(i)) ok.push_back(i);
  }
  if (ok.empty()) return -1;
  switch (mode_) {
    case SelectMode::kRandom:
      return static_cast<int>(ok[random_() % ok.size()]);
    case SelectMode::kRoundRobin: {
      // The next allowed endpoint at or after the cursor, in discovery's order.
      for (size_t step = 0; step < size_; ++step) {
        size_t i = (next_ + step) % size_;
        if (allowed(i)) {
          next_ = i + 1;
          return static_cast<int>(i);
        }
      }
      return -1;
    }
    case SelectMode::kWeightedRoundRobin: {
      // nginx: every peer gains its weight, the largest is chosen and loses the total.
      int64_t total = 0;
      size_t best = ok[0];
      for (size_t i : ok) {
        current_[i] += weight_[i];
        total += weight_[i];
        if (current_[i] > current_[best]) best = i;
      }
      current_[best] -= total;
      return static_cast<int>(best);
    }
    case SelectMode::kConsistentHash: {
      uint64_t h = HashKey(key);
      auto it = std::lower_bound(ring_.begin(), ring_.end(), std::make_pair(h, size_t{0}));
      for (size_t step = 0; step < ring_.size(); ++step, ++it) {
        if (it == ring_.end()) it = ring_.begin();
        if (allowed(it->second)) return static_cast<int>(it->second);
      }
      return -1;
    }
    case SelectMode::kLeastOutstanding: {
      // Ties go round-robin, so that idle endpoints share a light load.
      size_t start = next_++ % ok.size();
      size_t best = ok[start];
      for (size_t k = 1; k < ok.size(); ++k) {
        size_t i = ok[(start + k) % ok.size()];
        if (outstanding(i) < outstanding(best)) best = i;
      }
      return static_cast<int>(best);
    }
  }
  return -1;
}

}  // namespace netrpc::xclient
