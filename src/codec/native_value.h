// native_value.h: the native codec's encoding of one described value.
// Positional and compact: varints for integers, length-prefixed strings and containers.
#pragma once

#include <string>
#include <string_view>

#include "codec/codec.h"

namespace netrpc::codec {

// AppendNativeValue appends the encoding of v to out. With `borrowed`, strings and byte
// slices of at least Borrowed::kMinSpan bytes are listed there instead of copied.
void AppendNativeValue(ConstValue v, std::string* out, Borrowed* borrowed = nullptr);

// NativeReader decodes values from a byte span it never reads past.
class NativeReader {
 public:
  NativeReader(std::string_view in, const Limits& limits) : in_(in), limits_(limits) {}
  // In part: `in` is the start of a `whole`-byte encoding. A string or byte slice that
  // reaches exactly to the end of it is sized in full, filled as far as `in` goes, and the
  // rest of its bytes are left for the caller in *tail.
  NativeReader(std::string_view in, size_t whole, Tail* tail, const Limits& limits)
      : in_(in), limits_(limits), whole_(whole), tail_(tail) {}

  // In part mode, AllowAfter lets the tail end between min and max bytes before `whole` (a
  // native request's records follow its body), and *tail's `after` is sized for them.
  void AllowAfter(size_t min, size_t max) {
    after_min_ = min;
    after_max_ = max;
  }

  Error ReadValue(Value v);
  // PlanTail walks the encoding of a `t` without storing anything, in part mode, and says
  // whether it ends in a string or byte slice cut off by the end of `in`.
  bool PlanTail(const TypeInfo* t, TailPlan* plan);
  // In part mode, SetStaged makes the tail value come whole from *staged (a std::string or
  // Bytes, per the kind) by swapping, instead of being sized and filled.
  void SetStaged(void* staged) { staged_ = staged; }
  bool ReadVarint(uint64_t* out);
  bool ReadBytes(size_t n, std::string_view* out);
  size_t Remaining() const { return in_.size() - pos_; }
  size_t Position() const { return pos_; }

 private:
  Error Read(const TypeInfo* t, void* object, size_t depth);
  Error Fail(std::string_view what) const;

  bool ReadTail(const TypeInfo* t, void* object, uint64_t n);
  bool Skip(const TypeInfo* t, size_t depth, TailPlan* plan);

  std::string_view in_;
  size_t pos_ = 0;
  const Limits& limits_;
  size_t whole_ = 0;
  Tail* tail_ = nullptr;
  void* staged_ = nullptr;
  size_t after_min_ = 0;
  size_t after_max_ = 0;
};

void AppendVarintSlow(uint64_t v, std::string* out);

// AppendVarint is inline for the one-byte case: seqs, ids, lengths and small numbers.
inline void AppendVarint(uint64_t v, std::string* out) {
  if (v < 0x80) {
    out->push_back(static_cast<char>(v));
    return;
  }
  AppendVarintSlow(v, out);
}

}  // namespace netrpc::codec
