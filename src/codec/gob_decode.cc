// gob_decode.cc: the decoding half of Go's encoding/gob, over netrpc's TypeInfo descriptions.
// Input is untrusted: every length is checked against the bytes left before use, nesting is
// bounded by Limits::max_depth, and every failure is an Error, never a crash.
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "codec/go_type_name.h"
#include "codec/gob_wire.h"

namespace netrpc::codec::gob {

namespace {

// A peer could otherwise grow a stream's type table without bound.
constexpr size_t kMaxWireTypes = 1 << 16;

// Base drops optionals: a Go pointer travels as the value it points to.
const TypeInfo* Base(const TypeInfo* t) {
  while (t->kind == Kind::kOptional) t = t->elem();
  return t;
}

// LocalName is Go's reflect spelling of a local type, user types in package main as the
// encoder names them ("main.Inner", "[]int64", "*main.Inner").
std::string LocalName(const TypeInfo* t) { return GoTypeName(t, "main"); }

// TopName is the type Go names at the top level: net/rpc always decodes through a pointer.
std::string TopName(const TypeInfo* t) {
  return t->kind == Kind::kOptional ? LocalName(t) : std::string("*").append(LocalName(t));
}

// ParseFields walks a struct of a fixed layout (the wire type descriptions): each field delta
// is checked against max_field before on_field consumes the field's value.
// *out_of_bounds is set on a delta past the last field, which Go reports as errRange.
template <class F>
bool ParseFields(Reader& r, int64_t max_field, bool* out_of_bounds, F&& on_field) {
  int64_t field = -1;
  for (;;) {
    uint64_t delta;
    if (!r.ReadUint(&delta)) return false;
    if (delta == 0) return true;
    if (delta > static_cast<uint64_t>(max_field - field)) {
      *out_of_bounds = true;
      return false;
    }
    field += static_cast<int64_t>(delta);
    if (!on_field(field)) return false;
  }
}

bool ReadString(Reader& r, std::string* s) {
  uint64_t n;
  if (!r.ReadUint(&n) || n > r.remaining()) return false;
  s->assign(r.position(), n);
  return r.Skip(n);
}

bool ParseCommon(Reader& r, WireType* w, bool* oob) {
  return ParseFields(r, 1, oob, [&](int64_t f) {
    int64_t ignored;  // CommonType.Id repeats the message's id; Go ignores it too
    return f == 0 ? ReadString(r, &w->name) : r.ReadInt(&ignored);
  });
}

// ParseWireType reads Go's wireType{ArrayT, SliceT, StructT, MapT, GobEncoderT,
// BinaryMarshalerT, TextMarshalerT}; exactly one of them must be present.
// On failure *error is Go's text for a field number out of range, else netrpc's.
bool ParseWireType(Reader& r, WireType* w, std::string* error) {
  bool have_kind = false;
  bool oob = false;
  bool ok = ParseFields(r, 6, &oob, [&](int64_t f) {
    if (have_kind) return false;
    have_kind = true;
    switch (f) {
      case 0:  // arrayType{CommonType, Elem, Len}
        w->kind = WireType::Kind::kArray;
        return ParseFields(r, 2, &oob, [&](int64_t g) {
          return g == 0   ? ParseCommon(r, w, &oob)
                 : g == 1 ? r.ReadInt(&w->elem)
                          : r.ReadInt(&w->len);
        });
      case 1:  // sliceType{CommonType, Elem}
        w->kind = WireType::Kind::kSlice;
        return ParseFields(r, 1, &oob, [&](int64_t g) {
          return g == 0 ? ParseCommon(r, w, &oob) : r.ReadInt(&w->elem);
        });
      case 2:  // structType{CommonType, Field []*fieldType}
        w->kind = WireType::Kind::kStruct;
        return ParseFields(r, 1, &oob, [&](int64_t g) {
          if (g == 0) return ParseCommon(r, w, &oob);
          uint64_t n;
          if (!r.ReadUint(&n) || n > r.remaining()) return false;
          for (uint64_t i = 0; i < n; ++i) {
            std::pair<std::string, int64_t> field;
            if (!ParseFields(r, 1, &oob, [&](int64_t h) {
                  return h == 0 ? ReadString(r, &field.first) : r.ReadInt(&field.second);
                })) {
              return false;
            }
            w->fields.push_back(std::move(field));
          }
          return true;
        });
      case 3:  // mapType{CommonType, Key, Elem}
        w->kind = WireType::Kind::kMap;
        return ParseFields(r, 2, &oob, [&](int64_t g) {
          return g == 0   ? ParseCommon(r, w, &oob)
                 : g == 1 ? r.ReadInt(&w->key)
                          : r.ReadInt(&w->elem);
        });
      default:  // gobEncoderType{CommonType}: the value travels as a byte string
        w->kind = WireType::Kind::kGobEncoder;
        return ParseFields(r, 0, &oob, [&](int64_t) { return ParseCommon(r, w, &oob); });
    }
  });
  if (ok && have_kind) return true;
  *error = oob ? "gob: bad data: field numbers out of bounds" : "gob: bad type definition";
  return false;
}

}  // namespace

bool Reader::ReadUint(uint64_t* v, bool* bad_uint) {
  fault_count_ = 0;
  if (p_ == end_) return false;
  uint8_t b = *p_;
  if (b < 0x80) {
    *v = b;
    ++p_;
    return true;
  }
  size_t n = 256 - b;  // Go writes the byte count negated
  if (n > 8) {
    if (bad_uint != nullptr) *bad_uint = true;
    fault_count_ = 9;
    return false;
  }
  if (remaining() < n + 1) {
    fault_count_ = static_cast<uint8_t>(n);
    return false;
  }
  uint64_t x = 0;
  for (size_t i = 1; i <= n; ++i) x = x << 8 | p_[i];
  p_ += n + 1;
  *v = x;
  return true;
}

bool Reader::ReadInt(int64_t* v) {
  uint64_t u;
  if (!ReadUint(&u)) return false;
  *v = (u & 1) != 0 ? static_cast<int64_t>(~(u >> 1)) : static_cast<int64_t>(u >> 1);
  return true;
}

std::string Reader::FaultText() const {
  if (fault_count_ == 0) return "EOF";
  if (fault_count_ > 8) return "gob: encoded unsigned integer out of range";
  return "gob: invalid uint data length " + std::to_string(fault_count_) + ": exceeds input size " +
         std::to_string(remaining() - 1);
}

bool Reader::Skip(size_t n) {
  if (n > remaining()) return false;
  p_ += n;
  return true;
}

Framed NextMessage(std::string_view in, size_t* pos, const Limits& limits,
                   std::string_view* message, Error* error) {
  Reader r(in.substr(*pos));
  uint64_t n;
  bool bad = false;
  if (!r.ReadUint(&n, &bad)) {
    if (!bad) return Framed::kNeedMore;
    *error = Error(ErrorCode::kProtocol, "gob: encoded unsigned integer out of range");
    return Framed::kError;
  }
  if (n == 0) {
    *error = Error(ErrorCode::kProtocol, "gob: invalid message length");
    return Framed::kError;
  }
  if (n > limits.max_message_bytes) {
    *error = Error(ErrorCode::kTooLarge,
                   "gob: message of " + std::to_string(n) + " bytes exceeds the limit");
    return Framed::kError;
  }
  if (n > r.remaining()) return Framed::kNeedMore;
  size_t start = static_cast<size_t>(r.position() - in.data());
  *message = in.substr(start, n);
  *pos = start + n;
  return Framed::kOk;
}

// Ctx is one value's decoding: the message being read, the messages the value may continue
// into, and the first error. `field` names the struct field being decoded for Go's range
// errors; empty at the top level.
struct StreamDecoder::Ctx {
  Reader r;
  std::string_view rest;
  size_t rest_pos = 0;
  const Limits* limits = nullptr;
  ErrorCode code = ErrorCode::kCodec;
  bool replay = false;  // Measure already applied the definitions inside this value
  bool need_more = false;
  const Error* rest_error = nullptr;  // why Measure stopped where `rest` ends, if it failed
  const TypeInfo* top = nullptr;
  std::string_view field;
  Error err;

  bool Fail(const std::string& message) { return FailPlain("gob: " + message); }
  // FailPlain is for the texts Go gives without the "gob: " prefix (its overflow errors).
  bool FailPlain(const std::string& message) {
    if (!err) err = Error(code, message);
    return false;
  }
  // Truncated reports a read that ran out of bytes, in Go's words (decodeUint's errors).
  bool Truncated() { return FailPlain(r.FaultText()); }
  bool OutOfRange() {
    std::string name = field.empty() ? TopName(top) : std::string(field);
    return FailPlain("value for \"" + name + "\" out of range");
  }
  // Available bounds a count of values: each takes a byte at least, in this message or in
  // one the value continues into.
  size_t Available() const { return r.remaining() + (rest.size() - rest_pos); }
  // Next moves to the next message, as decodeTypeSequence does when a value's message ends
  // before the id of an interface value's concrete type.
  bool Next() {
    std::string_view m;
    Error e;
    switch (NextMessage(rest, &rest_pos, *limits, &m, &e)) {
      case Framed::kNeedMore:
        if (rest_error != nullptr && *rest_error) return FailPlain(rest_error->message());
        need_more = true;
        return Truncated();
      case Framed::kError:
        return FailPlain(e.message());
      case Framed::kOk:
        r = Reader(m);
        return true;
    }
    return false;
  }
};

void StreamDecoder::Rollback() {
  for (int64_t id : tentative_) wire_.erase(id);
  tentative_.clear();
  tentative_on_ = false;
  may_continue_.clear();
  ignorable_.clear();
}

// Define applies the definition of type `id` read from r (recvType).
Error StreamDecoder::Define(int64_t id, Reader& r) {
  if (id < kFirstUserId || wire_.contains(id)) {
    return Error(ErrorCode::kProtocol, "gob: duplicate type received");
  }
  if (wire_.size() >= kMaxWireTypes) return Error(ErrorCode::kProtocol, "gob: too many types");
  WireType w;
  if (std::string e; !ParseWireType(r, &w, &e)) return Error(ErrorCode::kProtocol, e);
  wire_.emplace(id, std::move(w));
  ++generation_;
  if (tentative_on_) tentative_.push_back(id);
  return Error();
}

Error StreamDecoder::DefineType(int64_t id, std::string_view body) {
  if (id == std::numeric_limits<int64_t>::min()) {  // -id would overflow
    return Error(ErrorCode::kProtocol, "gob: bad type id");
  }
  Reader r(body);
  if (Error e = Define(-id, r)) return e;
  // Go's text, without the "gob: " prefix.
  if (r.remaining() != 0) return Error(ErrorCode::kProtocol, "extra data in buffer");
  return Error();
}

const WireType* StreamDecoder::Find(int64_t id) const {
  auto it = wire_.find(id);
  return it == wire_.end() ? nullptr : &it->second;
}

// Top decodes (or, with a null object, skips) a top-level value, or one an interface holds:
// a struct as its fields, anything else as a singleton field of delta 0.
bool StreamDecoder::Top(Ctx& c, int64_t id, const TypeInfo* type, void* object) {
  const WireType* wire = id >= kFirstUserId ? Find(id) : nullptr;
  bool is_struct = wire != nullptr && wire->kind == WireType::Kind::kStruct;
  if (object == nullptr) {
    std::unordered_set<int64_t> seen;
    if (std::string e = CheckIgnorable(id, seen, 0); !e.empty()) return c.Fail(e);
  } else {
    const TypeInfo* base = Base(type);
    c.top = type;
    if (base->kind != Kind::kStruct && !Compatible(type, id)) {
      return c.Fail("decoding into local type " + TopName(type) + ", received remote type " +
                    TypeString(id));
    }
    if (std::string e = Check(id, type, 0); !e.empty()) return c.Fail(e);
    if (base->kind == Kind::kStruct) {
      const Plan& plan = Compile(id, *wire, base, 0);
      if (plan.matched == 0 && !base->fields.empty() && !wire->fields.empty()) {
        return c.Fail("type mismatch: no fields matched compiling decoder for " +
                      std::string(base->name));
      }
    }
  }
  if (!is_struct) {
    uint64_t delta;
    if (!c.r.ReadUint(&delta)) return c.Truncated();
    if (delta != 0) return c.Fail("decode: corrupted data: non-zero delta for singleton");
  }
  if (object == nullptr) return Ignore(c, id, 0);
  type->reset(object);
  return Decode(c, id, type, object, 0);
}

bool StreamDecoder::Decode(Ctx& c, int64_t wire_id, const TypeInfo* type, void* object,
                           size_t depth) {
  if (depth > limits_.max_depth) return c.Fail("invalid nesting depth");
  while (type->kind == Kind::kOptional) {
    object = type->opt.emplace(object);
    type = type->elem();
  }
  const WireType* wire = wire_id >= kFirstUserId ? Find(wire_id) : nullptr;
  // Check has matched the types before decoding; this guards the cases it lets through.
  auto mismatch = [&] {
    return c.Fail("decoding into local type " + LocalName(type) + ", received remote type " +
                  TypeString(wire_id));
  };
  switch (type->kind) {
    case Kind::kBool: {
      uint64_t v;
      if (wire_id != kBoolId) return mismatch();
      if (!c.r.ReadUint(&v)) return c.Truncated();
      *static_cast<bool*>(object) = v != 0;
      return true;
    }
    case Kind::kInt: {
      int64_t v;
      if (wire_id != kIntId) return mismatch();
      if (!c.r.ReadInt(&v)) return c.Truncated();
      int bits = type->size * 8;
      if (bits < 64 && (v < -(int64_t{1} << (bits - 1)) || v >= (int64_t{1} << (bits - 1)))) {
        return c.OutOfRange();
      }
      // Little-endian hosts keep the low bytes first, so the narrowed value is a prefix copy.
      static_assert(std::endian::native == std::endian::little);
      std::memcpy(object, &v, type->size);
      return true;
    }
    case Kind::kUint: {
      uint64_t v;
      if (wire_id != kUintId) return mismatch();
      if (!c.r.ReadUint(&v)) return c.Truncated();
      int bits = type->size * 8;
      if (bits < 64 && v >= (uint64_t{1} << bits)) return c.OutOfRange();
      std::memcpy(object, &v, type->size);
      return true;
    }
    case Kind::kFloat32:
    case Kind::kFloat64: {
      uint64_t v;
      if (wire_id != kFloatId) return mismatch();
      if (!c.r.ReadUint(&v)) return c.Truncated();
      double d = std::bit_cast<double>(__builtin_bswap64(v));
      if (type->kind == Kind::kFloat64) {
        *static_cast<double*>(object) = d;
        return true;
      }
      if (std::fabs(d) > FLT_MAX && !std::isinf(d)) return c.OutOfRange();
      *static_cast<float*>(object) = static_cast<float>(d);
      return true;
    }
    case Kind::kString:
    case Kind::kBytes: {
      uint64_t n;
      if (wire_id != (type->kind == Kind::kString ? kStringId : kBytesId)) return mismatch();
      if (!c.r.ReadUint(&n)) return c.Truncated();
      if (n > c.r.remaining()) {
        return c.Fail("bad " + LocalName(type) + " slice length: " + std::to_string(n));
      }
      type->seq.assign(object, c.r.position(), n);
      return c.r.Skip(n);
    }
    case Kind::kVector: {
      uint64_t n;
      if (wire == nullptr ||
          (wire->kind != WireType::Kind::kSlice && wire->kind != WireType::Kind::kArray)) {
        return mismatch();
      }
      if (!c.r.ReadUint(&n)) return c.Truncated();
      if (wire->kind == WireType::Kind::kArray && n != static_cast<uint64_t>(wire->len)) {
        return c.Fail("length mismatch in decodeArray");
      }
      // Every encoded element takes at least one byte, so this bounds the allocation by the
      // input, itself bounded by max_message_bytes.
      if (n > c.Available()) {
        return c.Fail("decoding array or slice: length exceeds input size (" + std::to_string(n) +
                      " elements)");
      }
      type->seq.resize(object, n);
      for (uint64_t i = 0; i < n; ++i) {
        if (!Decode(c, wire->elem, type->elem(), type->seq.at(object, i), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case Kind::kMap: {
      uint64_t n;
      if (wire == nullptr || wire->kind != WireType::Kind::kMap) return mismatch();
      if (!c.r.ReadUint(&n)) return c.Truncated();
      if (n > c.Available()) {
        return c.Fail("decoding map: length exceeds input size (" + std::to_string(n) +
                      " elements)");
      }
      type->map.clear(object);
      struct Fill {
        StreamDecoder* self;
        Ctx* c;
        const WireType* wire;
        const TypeInfo* type;
        size_t depth;
      } fill{this, &c, wire, type, depth};
      for (uint64_t i = 0; i < n; ++i) {
        bool ok = type->map.insert(object, &fill, [](void* ctx, void* key, void* val) {
          auto* f = static_cast<Fill*>(ctx);
          return f->self->Decode(*f->c, f->wire->key, f->type->key(), key, f->depth + 1) &&
                 f->self->Decode(*f->c, f->wire->elem, f->type->elem(), val, f->depth + 1);
        });
        if (!ok) return false;
      }
      return true;
    }
    case Kind::kStruct:
      if (wire == nullptr || wire->kind != WireType::Kind::kStruct) return mismatch();
      return DecodeStruct(c, *wire, wire_id, type, object, depth);
    case Kind::kOptional:
      break;  // removed above
  }
  return mismatch();
}

// DecodeStruct matches wire fields to local fields by name; fields the local struct lacks are
// skipped and local fields the wire lacks keep their zero value.
bool StreamDecoder::DecodeStruct(Ctx& c, const WireType& wire, int64_t wire_id,
                                 const TypeInfo* type, void* object, size_t depth) {
  const Plan& plan = Compile(wire_id, wire, type, depth);
  if (!plan.error.empty()) return c.Fail(plan.error);
  std::string_view outer_field = c.field;
  uint64_t field = ~uint64_t{0};  // -1: deltas count from before the first field
  // Go's decodeStruct also stops where the message ends, terminator or not.
  while (c.r.remaining() > 0) {
    uint64_t delta;
    if (!c.r.ReadUint(&delta)) return c.Truncated();
    if (delta == 0) break;
    if (delta > wire.fields.size() - (field + 1)) {
      return c.Fail("bad data: field numbers out of bounds");
    }
    field += delta;
    int64_t field_wire_id = wire.fields[field].second;
    int index = plan.local[field];
    if (index < 0) {
      if (!Ignore(c, field_wire_id, depth + 1)) return false;
      continue;
    }
    c.field = type->fields[index].name;
    if (!Decode(c, field_wire_id, type->fields[index].type(), type->fields[index].get(object),
                depth + 1)) {
      return false;
    }
  }
  c.field = outer_field;
  return true;
}

// Ignore skips one value of any wire type, as Go's ignore ops do.
bool StreamDecoder::Ignore(Ctx& c, int64_t wire_id, size_t depth) {
  if (depth > limits_.max_depth) return c.Fail("invalid nesting depth");
  uint64_t n;
  switch (wire_id) {
    case kBoolId:
    case kIntId:
    case kUintId:
    case kFloatId:
      return c.r.ReadUint(&n) || c.Truncated();
    case kComplexId:
      return (c.r.ReadUint(&n) && c.r.ReadUint(&n)) || c.Truncated();
    case kBytesId:
    case kStringId:
      if (!c.r.ReadUint(&n)) return c.Truncated();
      return c.r.Skip(n) || c.Fail("slice length too large");
    case kInterfaceId:
      return IgnoreInterface(c, depth);
    default:
      break;
  }
  const WireType* wire = Find(wire_id);
  if (wire == nullptr) return c.Fail("bad data: undefined type <nil>");
  switch (wire->kind) {
    case WireType::Kind::kArray:
    case WireType::Kind::kSlice:
    case WireType::Kind::kMap:
      if (!c.r.ReadUint(&n)) return c.Truncated();
      if (wire->kind == WireType::Kind::kArray && n != static_cast<uint64_t>(wire->len)) {
        return c.Fail("length mismatch in ignoreArray");
      }
      // Each element takes a byte at least: a count beyond the input fails before the loop.
      if (n > c.Available()) {
        return c.Fail("decoding array or slice: length exceeds input size (" + std::to_string(n) +
                      " elements)");
      }
      for (uint64_t i = 0; i < n; ++i) {
        if (wire->kind == WireType::Kind::kMap && !Ignore(c, wire->key, depth + 1)) return false;
        if (!Ignore(c, wire->elem, depth + 1)) return false;
      }
      return true;
    case WireType::Kind::kGobEncoder:
      if (!c.r.ReadUint(&n)) return c.Truncated();
      return c.r.Skip(n) || c.Fail("GobDecoder: length too large for buffer");
    case WireType::Kind::kStruct: {
      uint64_t field = ~uint64_t{0};
      for (;;) {
        uint64_t delta;
        if (c.r.remaining() == 0) return true;  // as ignoreStruct: the message's end ends it
        if (!c.r.ReadUint(&delta)) return c.Truncated();
        if (delta == 0) return true;
        if (delta > wire->fields.size() - (field + 1)) {
          return c.Fail("bad data: field numbers out of bounds");
        }
        field += delta;
        if (!Ignore(c, wire->fields[field].second, depth + 1)) return false;
      }
    }
  }
  return c.Fail("bad data: undefined type <nil>");
}

// TypeSequence reads what precedes an interface value's concrete value (decodeTypeSequence
// with isInterface): definitions, each followed by a count Go skips while the message has
// bytes left, then the concrete type id. A message that ends is followed by the next one.
bool StreamDecoder::TypeSequence(Ctx& c, int64_t* id) {
  for (;;) {
    if (c.r.remaining() == 0 && !c.Next()) return false;
    int64_t v;
    if (!c.r.ReadInt(&v)) return c.Truncated();
    if (v >= 0) {
      *id = v;
      return true;
    }
    if (v == std::numeric_limits<int64_t>::min()) return c.Fail("bad type id");
    if (c.replay && Defined(-v)) {
      WireType ignored;  // applied by Measure already; read past it
      if (std::string e; !ParseWireType(c.r, &ignored, &e)) return c.FailPlain(e);
    } else if (Error e = Define(-v, c.r)) {
      return c.FailPlain(e.message());
    }
    uint64_t count;
    if (c.r.remaining() > 0 && !c.r.ReadUint(&count)) return c.Truncated();
  }
}

// IgnoreInterface skips an interface value: the registered name of its concrete type (empty
// for nil), the type sequence, a byte count and the concrete value. Go drops the count's bytes
// (ignoreInterface); but when the value holds interfaces whose types are sent for the first
// time, that count covers only the value's first part and Go loses its place in the stream
// ("bad data: field numbers out of bounds"). netrpc walks the value instead, as Go's
// decodeInterface reads it, and so also remembers the definitions inside it.
bool StreamDecoder::IgnoreInterface(Ctx& c, size_t depth) {
  uint64_t n;
  if (!c.r.ReadUint(&n)) return c.Truncated();
  if (n == 0) return true;  // nil interface
  if (!c.r.Skip(n)) return c.Fail("bad interface encoding: name too large for buffer");
  int64_t id;
  if (!TypeSequence(c, &id)) return false;
  if (!c.r.ReadUint(&n)) return c.Truncated();
  if (n > c.r.remaining())
    return c.Fail("bad interface encoding: data length too large for buffer");
  return IgnoreSingle(c, id, depth + 1);
}

// IgnoreSingle skips a value as a top-level one is framed: structs bare, anything else as a
// singleton field.
bool StreamDecoder::IgnoreSingle(Ctx& c, int64_t id, size_t depth) {
  const WireType* wire = id >= kFirstUserId ? Find(id) : nullptr;
  if (wire == nullptr || wire->kind != WireType::Kind::kStruct) {
    uint64_t delta;
    if (!c.r.ReadUint(&delta)) return c.Truncated();
    if (delta != 0) return c.Fail("decode: corrupted data: non-zero delta for singleton");
  }
  return Ignore(c, id, depth);
}

Error StreamDecoder::Measure(int64_t id, std::string_view first, std::string_view rest,
                             size_t* used, bool* need_more) {
  Ctx c;
  c.r = Reader(first);
  c.rest = rest;
  c.limits = &limits_;
  c.code = ErrorCode::kCodec;
  IgnoreSingle(c, id, 0);
  *used = c.rest_pos;
  *need_more = c.need_more;
  return c.err;
}

Error StreamDecoder::DecodeValue(int64_t id, std::string_view first, std::string_view rest,
                                 Value value, ErrorCode code, const Error& rest_error) {
  Ctx c;
  c.rest_error = &rest_error;
  c.r = Reader(first);
  c.rest = rest;
  c.limits = &limits_;
  c.code = code;
  c.replay = true;
  // Bytes left after the value are dropped, as Go's Decoder drops its buffer's rest.
  if (value.object == nullptr || value.type == nullptr) {
    Top(c, id, nullptr, nullptr);
  } else {
    Top(c, id, value.type, value.object);
  }
  return c.err;
}

}  // namespace netrpc::codec::gob
