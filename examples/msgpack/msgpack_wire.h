// msgpack_wire.h: msgpack's type bytes and big-endian numbers, the vocabulary that the writer,
// the scanner and the reader share (https://github.com/msgpack/msgpack/blob/master/spec.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace msgpackrpc::wire {

// Type bytes. Fixed forms carry a small value or length in the byte itself.
inline constexpr uint8_t kPositiveFixintMax = 0x7f;  // 0x00-0x7f: 0..127
inline constexpr uint8_t kFixmap = 0x80;             // 0x80-0x8f: up to 15 pairs
inline constexpr uint8_t kFixarray = 0x90;           // 0x90-0x9f: up to 15 elements
inline constexpr uint8_t kFixstr = 0xa0;             // 0xa0-0xbf: up to 31 bytes
inline constexpr uint8_t kNil = 0xc0;
inline constexpr uint8_t kNeverUsed = 0xc1;
inline constexpr uint8_t kFalse = 0xc2;
inline constexpr uint8_t kTrue = 0xc3;
inline constexpr uint8_t kBin8 = 0xc4;  // then bin16, bin32
inline constexpr uint8_t kExt8 = 0xc7;  // then ext16, ext32
inline constexpr uint8_t kFloat32 = 0xca;
inline constexpr uint8_t kFloat64 = 0xcb;
inline constexpr uint8_t kUint8 = 0xcc;              // then uint16, uint32, uint64
inline constexpr uint8_t kInt8 = 0xd0;               // then int16, int32, int64
inline constexpr uint8_t kFixext1 = 0xd4;            // fixext 1, 2, 4, 8, 16: 0xd4-0xd8
inline constexpr uint8_t kStr8 = 0xd9;               // then str16, str32
inline constexpr uint8_t kArray16 = 0xdc;            // then array32
inline constexpr uint8_t kMap16 = 0xde;              // then map32
inline constexpr uint8_t kNegativeFixintMin = 0xe0;  // 0xe0-0xff: -32..-1

// The limits of the fixed forms, for the writer's choice of the smallest encoding.
inline constexpr size_t kFixstrMaxLen = 31;
inline constexpr size_t kFixContainerMaxLen = 15;

// Nesting deeper than this is refused by the writer, the scanner and the reader, so that a
// hostile message or a recursive value cannot exhaust the stack.
inline constexpr size_t kDefaultMaxDepth = 64;

// AppendBigEndian appends the low `bytes` bytes of v, most significant first.
inline void AppendBigEndian(uint64_t v, size_t bytes, std::string* out) {
  for (size_t i = bytes; i-- > 0;) out->push_back(static_cast<char>(v >> (8 * i)));
}

// LoadBigEndian reads `bytes` bytes, most significant first; the caller checked they exist.
inline uint64_t LoadBigEndian(const char* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace msgpackrpc::wire
