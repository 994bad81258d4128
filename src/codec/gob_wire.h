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
#include <unordered_set>
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
  // FaultText is Go's text for the last failed ReadUint: decodeUint's errBadUint, or its
  // "invalid uint data length", or io.EOF's "EOF" when no byte was left.
  std::string FaultText() const;

 private:
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint8_t fault_count_ = 0;  // the byte count of the uint that did not fit; 9: out of range
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
  int64_t len = 0;  // kArray: the fixed length every value repeats
  std::vector<std::pair<std::string, int64_t>> fields;
};

enum class Framed { kOk, kNeedMore, kError };

// NextMessage frames the length-prefixed message at in[*pos] (Go's recvMessage): on kOk,
// *message is its bytes and *pos moves past it; kNeedMore leaves *pos alone.
Framed NextMessage(std::string_view in, size_t* pos, const Limits& limits,
                   std::string_view* message, Error* error);

// StreamDecoder is one stream's gob.Decoder, fed whole messages by the codec.
//
// A value usually is one message, but Go sends the definition of an interface value's concrete
// type in the middle of the value the first time that type goes out: the bytes before it are
// flushed as a message, the definition follows, and the value goes on in the next message
// (encode.go encodeInterface, decoder.go decodeTypeSequence). So the codec asks MayContinue,
// and for such types Measure finds where the value ends before DecodeValue reads it.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Limits& limits) : limits_(limits) {}
  // BeginTentative: definitions applied from here on are undone by Rollback, for a caller that
  // finds its input incomplete and will scan the same bytes again later.
  void BeginTentative() {
    tentative_.clear();
    tentative_on_ = true;
  }
  void Rollback();
  void EndTentative() { tentative_on_ = false; }
  // DefineType applies one type-definition message: id is the (negative) message id and
  // body the bytes after it.
  Error DefineType(int64_t id, std::string_view body);
  // Defined reports whether a definition for user type `id` has been received.
  bool Defined(int64_t id) const { return wire_.contains(id); }
  // MayContinue: can a value of wire type `id` hold interface values (and so span messages)?
  bool MayContinue(int64_t id);
  // Measure walks a value whose first message holds `first` (the bytes after its id) through
  // the messages of `rest` it continues into, applying the definitions it meets. *used is the
  // bytes of `rest` the value takes; *need_more is set when `rest` ends before the value.
  Error Measure(int64_t id, std::string_view first, std::string_view rest, size_t* used,
                bool* need_more);
  // DecodeValue decodes a value (first and rest as given to Measure, rest empty for a value
  // of one message) into value; a null value.object skips it. Errors carry `code`; a value
  // that needs more than `rest` fails with rest_error, Measure's error, when there was one.
  Error DecodeValue(int64_t id, std::string_view first, std::string_view rest, Value value,
                    ErrorCode code, const Error& rest_error = Error());

 private:
  struct Ctx;
  // Plan is Go's decEngine for a (wire struct, local struct) pair: the local field index per
  // wire field (-1: ignored), or the error compiling it gave.
  struct Plan {
    std::vector<int> local;
    int matched = 0;
    std::string error;
    uint64_t generation = 0;  // generation_ when compiled
  };
  // Checked is CheckIgnorable's remembered answer for one id.
  struct Checked {
    std::string error;
    uint64_t generation = 0;
  };
  Error Define(int64_t id, Reader& r);
  bool Top(Ctx& c, int64_t id, const TypeInfo* type, void* object);
  bool Compatible(const TypeInfo* t, int64_t wire_id) const;
  std::string Check(int64_t wire_id, const TypeInfo* type, size_t depth);
  const Plan& Compile(int64_t wire_id, const WireType& wire, const TypeInfo* type, size_t depth);
  bool Decode(Ctx& c, int64_t wire_id, const TypeInfo* type, void* object, size_t depth);
  bool DecodeStruct(Ctx& c, const WireType& wire, int64_t wire_id, const TypeInfo* type,
                    void* object, size_t depth);
  bool Ignore(Ctx& c, int64_t wire_id, size_t depth);
  bool IgnoreSingle(Ctx& c, int64_t wire_id, size_t depth);
  bool IgnoreInterface(Ctx& c, size_t depth);
  bool TypeSequence(Ctx& c, int64_t* id);
  bool HoldsInterface(int64_t id, std::unordered_set<int64_t>& seen, size_t depth) const;
  std::string CheckIgnorable(int64_t id, std::unordered_set<int64_t>& seen, size_t depth);
  std::string TypeString(int64_t id, size_t depth = 0) const;
  const WireType* Find(int64_t id) const;

  Limits limits_;
  std::unordered_map<int64_t, WireType> wire_;
  std::vector<int64_t> tentative_;  // ids defined since BeginTentative
  bool tentative_on_ = false;
  std::unordered_map<int64_t, bool> may_continue_;
  std::map<std::pair<int64_t, const TypeInfo*>, Plan> plans_;
  std::unordered_map<int64_t, Checked> ignorable_;
  uint64_t generation_ = 0;  // counts definitions: a failure may not hold after the next one
};

}  // namespace netrpc::codec::gob
