// gee_option: bytes a GeeRPC client opens its connection with, through protocol::GeeOptionReader.
// Checks: no crash/leak/UB; whole and split feeds (NeedMore contract) agree on the error code or
// on the Option (consumed may differ by trailing whitespace only); an accepted Option has the
// magic number and a known codec type; the Option netrpc writes itself reads back whole.
#include "protocol/gee_option.h"

#include <cstring>
#include <memory>

using namespace netrpc;
using namespace netrpc::protocol;

namespace {

struct Outcome {
  netrpc::ReadResult r;
  GeeOption option;
};

Outcome ReadSplit(const char* data, size_t size, size_t split) {
  GeeOptionReader reader;
  Outcome o;
  if (split < size) {
    std::unique_ptr<char[]> first(new char[split == 0 ? 1 : split]);
    if (split) std::memcpy(first.get(), data, split);
    o.r = reader.Read(std::string_view(first.get(), split), &o.option);
    if (o.r.consumed > split) __builtin_trap();
    if (!o.r.NeedMore()) return o;
  }
  o.r = reader.Read(std::string_view(data, size), &o.option);
  if (o.r.consumed > size) __builtin_trap();
  return o;
}

size_t SplitPoint(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return size == 0 ? 0 : static_cast<size_t>(h % (size + 1));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool self_check = [] {
    for (std::string_view type : {kGeeGob, kGeeJson}) {
      std::string json = GeeOptionJson(type, 10'000'000'000, 1'500'000'000);
      GeeOptionReader reader;
      GeeOption o;
      netrpc::ReadResult r = reader.Read(json, &o);
      if (r.error || r.consumed != json.size() || o.magic_number != kGeeMagicNumber ||
          o.codec_type != type || o.handle_timeout_ns != 1'500'000'000) {
        __builtin_trap();
      }
    }
    return true;
  }();
  (void)self_check;

  const char* p = reinterpret_cast<const char*>(data);
  Outcome whole = ReadSplit(p, size, size);
  Outcome split = ReadSplit(p, size, SplitPoint(data, size));
  // Error codes only: Boost.JSON's incremental parser may word the same error differently
  // depending on where a chunk ends ("illegal leading/trailing surrogate").
  if (whole.r.error.code() != split.r.error.code()) __builtin_trap();
  if (whole.r.NeedMore() != split.r.NeedMore()) __builtin_trap();
  if (whole.r.consumed != 0) {
    if (split.r.consumed == 0 || split.r.consumed > whole.r.consumed) __builtin_trap();
    for (size_t i = split.r.consumed; i < whole.r.consumed; ++i) {
      if (!IsSpace(p[i])) __builtin_trap();  // only trailing whitespace may differ
    }
    if (whole.option.magic_number != split.option.magic_number ||
        whole.option.codec_type != split.option.codec_type) {
      __builtin_trap();
    }
    if (whole.option.magic_number != kGeeMagicNumber) __builtin_trap();
    if (whole.option.codec_type != kGeeGob && whole.option.codec_type != kGeeJson) __builtin_trap();
  }
  return 0;
}
