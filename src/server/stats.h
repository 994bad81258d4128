// stats.h: the live counters a server keeps for its debug page: per method (calls in flight,
// errors, latency) and per wire protocol (connections, bytes). Relaxed atomics, no locks.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netrpc::server {

// LatencyHistogram counts durations in log-linear buckets: eight per power of two of
// nanoseconds from 1 µs to 18 minutes, so a quantile read from it is within 12.5% of the true
// value (below 1 µs it reads 1 µs, above 18 minutes 18 minutes). Record costs one relaxed
// increment; any thread may record and read at once.
class LatencyHistogram {
 public:
  void Record(int64_t ns) { counts_[Bucket(ns)].fetch_add(1, std::memory_order_relaxed); }

  // Quantile is the upper bound, in ns, of the bucket holding the q-th fraction of what was
  // recorded (q in [0, 1]); 0 if nothing was.
  int64_t Quantile(double q) const {
    std::array<uint64_t, kBuckets> counts;
    uint64_t total = 0;
    for (size_t i = 0; i < kBuckets; ++i)
      total += counts[i] = counts_[i].load(std::memory_order_relaxed);
    if (total == 0) return 0;
    // The nearest rank: the smallest value with at least q of the recordings at or below it.
    auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
    rank = rank == 0 ? 0 : rank - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts[i];
      if (seen > rank) return UpperBound(i);
    }
    return UpperBound(kBuckets - 1);
  }

 private:
  static constexpr int kSubBits = 3;  // 2^3 buckets per power of two
  static constexpr int kMinExp = 10;  // below 2^10 ns: bucket 0
  static constexpr int kMaxExp = 40;  // 2^40 ns (18 minutes) and more: the last bucket
  static constexpr size_t kBuckets = 2 + (kMaxExp - kMinExp) * (1 << kSubBits);

  static size_t Bucket(int64_t ns) {
    if (ns < (int64_t{1} << kMinExp)) return 0;
    int exp = std::bit_width(static_cast<uint64_t>(ns)) - 1;
    if (exp >= kMaxExp) return kBuckets - 1;
    auto sub = static_cast<size_t>((ns >> (exp - kSubBits)) & ((1 << kSubBits) - 1));
    return 1 + static_cast<size_t>(exp - kMinExp) * (1 << kSubBits) + sub;
  }
  static int64_t UpperBound(size_t bucket) {
    if (bucket == 0) return int64_t{1} << kMinExp;
    if (bucket == kBuckets - 1) return int64_t{1} << kMaxExp;
    int exp = kMinExp + static_cast<int>((bucket - 1) >> kSubBits);
    auto sub = static_cast<int64_t>((bucket - 1) & ((1 << kSubBits) - 1));
    return ((int64_t{1} << kSubBits) + sub + 1) << (exp - kSubBits);
  }

  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
};

// MethodStats is one method's: calls started (net/rpc's numCalls), in flight, answered with
// an error, and how long handlers took from dispatch to reply.
struct MethodStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> in_flight{0};
  std::atomic<uint64_t> errors{0};
  LatencyHistogram latency;
};

// WireProtocol is what a server connection turned out to speak, after sniffing (an HTTP
// CONNECT counts as the protocol that follows it).
enum class WireProtocol : uint8_t { kNative, kGob, kJsonRpc, kGeeRpc, kHttp, kCodec, kCount };

inline std::string_view WireProtocolName(WireProtocol p) {
  constexpr std::string_view kNames[] = {"native", "gob", "jsonrpc", "geerpc", "http", "codec"};
  return kNames[static_cast<size_t>(p)];
}

struct ProtocolStats {
  std::atomic<uint64_t> open{0};      // connections now
  std::atomic<uint64_t> total{0};     // connections ever
  std::atomic<uint64_t> bytes_in{0};  // read from the connections, protocol framing included
  std::atomic<uint64_t> bytes_out{0};
};

struct ServerStats {
  std::array<ProtocolStats, static_cast<size_t>(WireProtocol::kCount)> protocols;
  ProtocolStats& Of(WireProtocol p) { return protocols[static_cast<size_t>(p)]; }
  const ProtocolStats& Of(WireProtocol p) const { return protocols[static_cast<size_t>(p)]; }
};

// StatsSnapshot is a copy of the counters, taken for one page or JSON answer: services and
// methods sorted by name, as Go's debug page sorts them.
struct StatsSnapshot {
  struct Method {
    std::string name;        // "Multiply"
    std::string args_type;   // as gob names it: "main.Args"
    std::string reply_type;  // "*int64"
    uint64_t calls = 0, in_flight = 0, errors = 0;
    int64_t p50_ns = 0, p99_ns = 0;
  };
  struct Service {
    std::string name;
    std::vector<Method> methods;
  };
  struct Protocol {
    std::string name;
    uint64_t open = 0, total = 0, bytes_in = 0, bytes_out = 0;
  };
  std::vector<Service> services;
  std::vector<Protocol> protocols;
};

}  // namespace netrpc::server
