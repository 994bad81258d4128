// balancer.h: picks the endpoint of a call (random, round-robin, nginx's smooth weighted
// round-robin, a consistent-hash ring, least outstanding). Not thread-safe: XClient locks.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/xclient.h"

namespace netrpc::xclient {

class Balancer {
 public:
  explicit Balancer(SelectMode mode);

  // Reset takes a new endpoint list (addresses and weights, in discovery's order); indices
  // passed to and returned by Pick are into it.
  void Reset(const std::vector<std::pair<std::string, uint32_t>>& endpoints);
  // Pick returns the index of the endpoint to call, among those allowed(i) accepts, or -1 if
  // none. key is the call's hash key (kConsistentHash); outstanding(i) the calls in flight
  // on endpoint i (kLeastOutstanding).
  int Pick(std::string_view key, const std::function<bool(size_t)>& allowed,
           const std::function<int64_t(size_t)>& outstanding);

  // HashKey is the ring's hash: FNV-1a 64, then MurmurHash3's fmix64 to spread nearby keys.
  static uint64_t HashKey(std::string_view key);
  static constexpr int kPointsPerEndpoint = 160;  // ketama's count

 private:
  SelectMode mode_;
  size_t size_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
  uint64_t next_ = 0;                              // kRoundRobin, kLeastOutstanding's tie-break
  std::vector<int64_t> weight_;                    // kWeightedRoundRobin
  std::vector<int64_t> current_;                   // its running current weights
  std::vector<std::pair<uint64_t, size_t>> ring_;  // kConsistentHash: point, endpoint
};

}  // namespace netrpc::xclient
