// gob_wire.h: the per-stream halves of Go's encoding/gob, shared by the gob codecs in gob.cc.
// StreamEncoder mirrors gob.Encoder (type ids and definitions sent once per stream) and
// StreamDecoder mirrors gob.Decoder (remembers received definitions, decodes by field name).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/codec.h"
#include "netrpc/describe.h"
#include "netrpc/error.h"

namespace netrpc::codec::gob {

// Go's predefined type ids (encoding/gob/type.go); user types start after kFirstUserId.
inline constexpr int64_t kBoolId = 1;
inline constexpr int64_t kIntId = 2;
inline constexpr int64_t kUintId = 3;
inline constexpr int64_t kFloatId = 4;
inline constexpr int64_t kBytesId = 5;
inline constexpr int64_t kStringId = 6;
inline constexpr int64_t kComplexId = 7;
inline constexpr int64_t kInterfaceId = 8;
inline constexpr int64_t kFirstUserId = 64;

void PutUint(std::string* out, uint64_t v);
void PutInt(std::string* out, int64_t v);

// Reader walks one message's bytes; every read is bounds-checked and fails instead of
// running past the end.
class Reader {
 public:
  Reader() = default;
  explicit Reader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const char* position() const { return reinterpret_cast<const char*>(p_); }
  // ReadUint: false when the bytes end first or the encoding is invalid (bad_uint set).
  bool ReadUint(uint64_t* v, bool* bad_uint = nullptr);
  bool ReadInt(int64_t* v);
  bool Skip(size_t n);

 private:
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
};

// StreamEncoder is one stream's gob.Encoder. Type ids are allocated per stream starting at 65
// in the order Go's newTypeObject allocates them, so a fresh stream matches Go's bytes.
class StreamEncoder {
 public:
  explicit StreamEncoder(const Limits& limits) : limits_(limits) {}
  // Pending is a value encoded but not yet written: Prepare can fail, Commit cannot, so a
  // header and body pair is written whole or not at all and `sent` never lies.
  struct Pending {
    const TypeInfo* type = nullptr;
    std::string message;  // type id and value, without the length prefix
  };
  Error Prepare(ConstValue value, Pending* pending);
  // Commit appends the definitions of types not yet sent on this stream, then the value.
  void Commit(const Pending& pending, std::string* out);

 private:
  struct TypeEntry {
    int64_t id = 0;
    std::string name;
    bool sent = false;
  };
  int64_t WireId(const TypeInfo* type) const;
  void Allocate(const TypeInfo* type, std::string name);
  void SendType(const TypeInfo* type, std::string* out);
  bool EncodeValue(const TypeInfo* type, const void* object, std::string* b, size_t depth);
  bool EncodeStruct(const TypeInfo* type, const void* object, std::string* b, size_t depth);
  void EncodeZero(const TypeInfo* type, std::string* b, size_t depth);

  Limits limits_;
  int64_t next_id_ = kFirstUserId;
  std::unordered_map<const TypeInfo*, TypeEntry> types_;
  Error error_;
};

// WireType is a received type definition (Go's wireType, flattened).
struct WireType {
  enum class Kind : uint8_t { kArray, kSlice, kStruct, kMap, kGobEncoder };
  Kind kind = Kind::kStruct;
  std::string name;
  int64_t elem = 0;
  int64_t key = 0;
  std::vector<std::pair<std::string, int64_t>> fields;
};

// StreamDecoder is one stream's gob.Decoder, fed whole messages by the codec.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Limits& limits) : limits_(limits) {}
  // DefineType applies one type-definition message: id is the (negative) message id and
  // body the bytes after it.
  Error DefineType(int64_t id, std::string_view body);
  // DecodeValue decodes a value message (body = bytes after the id) into value; a null
  // value.object skips it. Errors carry `code`.
  Error DecodeValue(int64_t id, std::string_view body, Value value, ErrorCode code);
  // Defined reports whether a definition for user type `id` has been received.
  bool Defined(int64_t id) const { return wire_.contains(id); }

 private:
  struct Ctx;
  bool Decode(Ctx& c, int64_t wire_id, const TypeInfo* type, void* object, size_t depth);
  bool DecodeStruct(Ctx& c, const WireType& wire, int64_t wire_id, const TypeInfo* type,
                    void* object, size_t depth);
  bool Ignore(Ctx& c, int64_t wire_id, size_t depth);
  bool IgnoreInterface(Ctx& c, size_t depth);
  const WireType* Find(int64_t id) const;
  const std::vector<int>& FieldMap(int64_t wire_id, const WireType& wire, const TypeInfo* type);

  Limits limits_;
  std::unordered_map<int64_t, WireType> wire_;
  std::map<std::pair<int64_t, const TypeInfo*>, std::vector<int>> field_maps_;
};

}  // namespace netrpc::codec::gob
