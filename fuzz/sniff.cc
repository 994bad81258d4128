// sniff: protocol::Sniff on every prefix of the input (up to 4 * kMaxSniffBytes bytes). Once
// it answers a protocol the answer must never change as bytes are added, and from
// kMaxSniffBytes bytes on it must always decide. SniffTls, which a TLS port asks first, is
// held to the same, deciding from kTlsSniffBytes bytes on.
#include "protocol/sniff.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using netrpc::protocol::Detected;
using netrpc::protocol::kMaxSniffBytes;
using netrpc::protocol::kTlsSniffBytes;
using netrpc::protocol::Sniff;
using netrpc::protocol::SniffTls;
using netrpc::protocol::TlsStart;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (Sniff(in.substr(0, 0)) != Detected::kNeedMore) __builtin_trap();
  Detected decided = Detected::kNeedMore;
  const size_t n = std::min(size, 4 * kMaxSniffBytes);
  for (size_t i = 1; i <= n; ++i) {
    Detected d = Sniff(in.substr(0, i));
    if (decided != Detected::kNeedMore && d != decided) __builtin_trap();   // flipped
    if (i >= kMaxSniffBytes && d == Detected::kNeedMore) __builtin_trap();  // undecided
    decided = d;
  }
  if (size > n && Sniff(in) != decided) __builtin_trap();
  TlsStart tls = TlsStart::kNeedMore;
  for (size_t i = 0; i <= std::min(size, 2 * kTlsSniffBytes); ++i) {
    TlsStart t = SniffTls(in.substr(0, i));
    if (tls != TlsStart::kNeedMore && t != tls) __builtin_trap();
    if (i >= kTlsSniffBytes && t == TlsStart::kNeedMore) __builtin_trap();
    tls = t;
  }
  return 0;
}
