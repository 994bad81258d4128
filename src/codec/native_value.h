// native_value.h: the native codec's encoding of one described value.
// Positional and compact: varints for integers, length-prefixed strings and containers.
#pragma once

#include <string>
#include <string_view>

#include "codec/codec.h"

namespace netrpc::codec {

// AppendNativeValue appends the encoding of v to out.
void AppendNativeValue(ConstValue v, std::string* out);

// NativeReader decodes values from a byte span it never reads past.
class NativeReader {
 public:
  NativeReader(std::string_view in, const Limits& limits) : in_(in), limits_(limits) {}

  Error ReadValue(Value v);
  bool ReadVarint(uint64_t* out);
  bool ReadBytes(size_t n, std::string_view* out);
  size_t Remaining() const { return in_.size() - pos_; }
  size_t Position() const { return pos_; }

 private:
  Error Read(const TypeInfo* t, void* object, size_t depth);
  Error Fail(std::string_view what) const;

  std::string_view in_;
  size_t pos_ = 0;
  const Limits& limits_;
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
