// integer_fields.h: loads and stores an integer field of any width, given its TypeInfo size.
// A described value reaches the codec as a void* and a size; memcpy keeps enums alias-safe.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace msgpackrpc {

static_assert(std::endian::native == std::endian::little,
              "integer_fields.h copies the low bytes of a 64-bit value: little-endian only");

// LoadInt sign-extends a signed integer of 1, 2, 4 or 8 bytes.
inline int64_t LoadInt(const void* p, size_t size) {
  switch (size) {
    case 1: {
      int8_t v;
      std::memcpy(&v, p, 1);
      return v;
    }
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

inline uint64_t LoadUint(const void* p, size_t size) {
  uint64_t v = 0;
  std::memcpy(&v, p, size);
  return v;
}

// FitsInt and FitsUint say whether v survives a store into `size` bytes.
inline bool FitsInt(int64_t v, size_t size) {
  if (size >= 8) return true;
  int64_t limit = int64_t{1} << (size * 8 - 1);
  return v >= -limit && v < limit;
}
inline bool FitsUint(uint64_t v, size_t size) { return size >= 8 || v >> (size * 8) == 0; }

// StoreInt and StoreUint keep the low `size` bytes; callers check Fits* first.
inline void StoreInt(void* p, size_t size, int64_t v) { std::memcpy(p, &v, size); }
inline void StoreUint(void* p, size_t size, uint64_t v) { std::memcpy(p, &v, size); }

}  // namespace msgpackrpc
