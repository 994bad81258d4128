// histogram.h: a log-linear latency histogram that every C++ bench client records into.
// Fixed buckets (32 per power of two, about 3% wide), so recording never allocates.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace netrpc::bench {

class Histogram {
 public:
  // Record adds one sample in nanoseconds.
  void Record(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
  }
  void Merge(const Histogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }
  uint64_t Count() const { return total_; }
  // Percentile returns the upper bound (ns) of the bucket holding the q-quantile, 0 < q < 1.
  uint64_t Percentile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return UpperBound(i);
    }
    return UpperBound(kBuckets - 1);
  }

 private:
  static constexpr int kSubBits = 5;  // 32 linear sub-buckets per power of two
  static constexpr uint64_t kSub = 1u << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSub;

  // Values below kSub map to themselves; above, the exponent picks a group and the next
  // kSubBits bits below the leading one pick the sub-bucket.
  static size_t Index(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    int msb = 63 - std::countl_zero(v);
    int shift = msb - kSubBits;
    uint64_t sub = (v >> shift) & (kSub - 1);
    return static_cast<size_t>((shift + 1) * kSub + sub);
  }
  static uint64_t UpperBound(size_t i) {
    if (i < kSub) return i;
    uint64_t shift = i / kSub - 1;
    uint64_t sub = i % kSub;
    return ((kSub + sub + 1) << shift) - 1;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

}  // namespace netrpc::bench
