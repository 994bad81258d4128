// gob_decode.cc: the decoding half of Go's encoding/gob, over netrpc's TypeInfo descriptions.
// Input is untrusted: every length is checked against the bytes left before use, nesting is
// bounded by Limits::max_depth, and every failure is an Error, never a crash.
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "codec/gob_wire.h"

namespace netrpc::codec::gob {

namespace {

// A peer could otherwise grow a stream's type table without bound.
constexpr size_t kMaxWireTypes = 1 << 16;

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint";
    case Kind::kFloat32:
      return "float32";
    case Kind::kFloat64:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kBytes:
      return "[]byte";
    case Kind::kVector:
      return "slice";
    case Kind::kMap:
      return "map";
    case Kind::kOptional:
      return "pointer";
    case Kind::kStruct:
      return "struct";
  }
  return "?";
}

// ParseFields walks a struct of a fixed layout (the wire type descriptions): each field delta
// is checked against max_field before on_field consumes the field's value.
template <class F>
bool ParseFields(Reader& r, int64_t max_field, F&& on_field) {
  int64_t field = -1;
  for (;;) {
    uint64_t delta;
    if (!r.ReadUint(&delta)) return false;
    if (delta == 0) return true;
    if (delta > static_cast<uint64_t>(max_field - field)) return false;
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

bool ParseCommon(Reader& r, WireType* w) {
  return ParseFields(r, 1, [&](int64_t f) {
    int64_t ignored;  // CommonType.Id repeats the message's id; Go ignores it too
    return f == 0 ? ReadString(r, &w->name) : r.ReadInt(&ignored);
  });
}

// ParseWireType reads Go's wireType{ArrayT, SliceT, StructT, MapT, GobEncoderT,
// BinaryMarshalerT, TextMarshalerT}; exactly one of them must be present.
bool ParseWireType(Reader& r, WireType* w) {
  bool have_kind = false;
  bool ok = ParseFields(r, 6, [&](int64_t f) {
    if (have_kind) return false;
    have_kind = true;
    switch (f) {
      case 0:  // arrayType{CommonType, Elem, Len}
        w->kind = WireType::Kind::kArray;
        return ParseFields(r, 2, [&](int64_t g) {
          int64_t len;
          return g == 0 ? ParseCommon(r, w) : g == 1 ? r.ReadInt(&w->elem) : r.ReadInt(&len);
        });
      case 1:  // sliceType{CommonType, Elem}
        w->kind = WireType::Kind::kSlice;
        return ParseFields(
            r, 1, [&](int64_t g) { return g == 0 ? ParseCommon(r, w) : r.ReadInt(&w->elem); });
      case 2:  // structType{CommonType, Field []*fieldType}
        w->kind = WireType::Kind::kStruct;
        return ParseFields(r, 1, [&](int64_t g) {
          if (g == 0) return ParseCommon(r, w);
          uint64_t n;
          if (!r.ReadUint(&n) || n > r.remaining()) return false;
          for (uint64_t i = 0; i < n; ++i) {
            std::pair<std::string, int64_t> field;
            if (!ParseFields(r, 1, [&](int64_t h) {
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
        return ParseFields(r, 2, [&](int64_t g) {
          return g == 0 ? ParseCommon(r, w) : g == 1 ? r.ReadInt(&w->key) : r.ReadInt(&w->elem);
        });
      default:  // gobEncoderType{CommonType}: the value travels as a byte string
        w->kind = WireType::Kind::kGobEncoder;
        return ParseFields(r, 0, [&](int64_t) { return ParseCommon(r, w); });
    }
  });
  return ok && have_kind;
}

}  // namespace

bool Reader::ReadUint(uint64_t* v, bool* bad_uint) {
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
    return false;
  }
  if (remaining() < n + 1) return false;
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

bool Reader::Skip(size_t n) {
  if (n > remaining()) return false;
  p_ += n;
  return true;
}

struct StreamDecoder::Ctx {
  Reader r;
  ErrorCode code;
  Error err;
  bool Fail(const std::string& message) {
    if (!err) err = Error(code, "gob: " + message);
    return false;
  }
  bool Truncated() { return Fail("unexpected end of message or corrupted data"); }
};

Error StreamDecoder::DefineType(int64_t id, std::string_view body) {
  if (id == std::numeric_limits<int64_t>::min()) {  // -id would overflow
    return Error(ErrorCode::kProtocol, "gob: bad type id");
  }
  id = -id;
  if (id < kFirstUserId || wire_.contains(id)) {
    return Error(ErrorCode::kProtocol, "gob: duplicate type received");
  }
  if (wire_.size() >= kMaxWireTypes) return Error(ErrorCode::kProtocol, "gob: too many types");
  Reader r(body);
  WireType w;
  if (!ParseWireType(r, &w)) return Error(ErrorCode::kProtocol, "gob: bad type definition");
  if (r.remaining() != 0) return Error(ErrorCode::kProtocol, "gob: extra data in buffer");
  wire_.emplace(id, std::move(w));
  return Error();
}

const WireType* StreamDecoder::Find(int64_t id) const {
  auto it = wire_.find(id);
  return it == wire_.end() ? nullptr : &it->second;
}

// FieldMap gives, per wire field, the index of the local field of the same name or -1;
// it is built once per (wire type, local type) pair because names rarely change.
const std::vector<int>& StreamDecoder::FieldMap(int64_t wire_id, const WireType& wire,
                                                const TypeInfo* type) {
  auto [it, inserted] = field_maps_.try_emplace({wire_id, type});
  if (inserted) {
    it->second.assign(wire.fields.size(), -1);
    for (size_t i = 0; i < wire.fields.size(); ++i) {
      for (size_t j = 0; j < type->fields.size(); ++j) {
        if (type->fields[j].name == wire.fields[i].first) it->second[i] = static_cast<int>(j);
      }
    }
  }
  return it->second;
}

bool StreamDecoder::Decode(Ctx& c, int64_t wire_id, const TypeInfo* type, void* object,
                           size_t depth) {
  if (depth > limits_.max_depth) return c.Fail("invalid nesting depth");
  while (type->kind == Kind::kOptional) {
    object = type->opt.emplace(object);
    type = type->elem();
  }
  const WireType* wire = wire_id >= kFirstUserId ? Find(wire_id) : nullptr;
  auto mismatch = [&] {
    // Built by appending: g++ 12 at -O3 warns falsely (-Wrestrict, PR 105329) on
    // "literal" + std::string.
    std::string what("decoding into local ");
    what.append(KindName(type->kind));
    if (!type->name.empty()) what.append(" ").append(type->name);
    what.append(", received remote type id ").append(std::to_string(wire_id));
    if (wire != nullptr)
      what.append(" (").append(wire->name.empty() ? "unnamed" : wire->name).append(")");
    return c.Fail(what);
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
        return c.Fail("value out of range for int" + std::to_string(bits));
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
      if (bits < 64 && v >= (uint64_t{1} << bits)) {
        return c.Fail("value out of range for uint" + std::to_string(bits));
      }
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
      if (std::fabs(d) > FLT_MAX && !std::isinf(d)) return c.Fail("value out of range for float32");
      *static_cast<float*>(object) = static_cast<float>(d);
      return true;
    }
    case Kind::kString:
    case Kind::kBytes: {
      uint64_t n;
      if (wire_id != (type->kind == Kind::kString ? kStringId : kBytesId)) return mismatch();
      if (!c.r.ReadUint(&n)) return c.Truncated();
      if (n > c.r.remaining()) return c.Fail("invalid length " + std::to_string(n));
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
      // Every encoded element takes at least one byte, so this bounds the allocation by the
      // message, itself bounded by max_message_bytes.
      if (n > c.r.remaining()) return c.Fail("slice length exceeds input size");
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
      if (n > c.r.remaining()) return c.Fail("map length exceeds input size");
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
  const std::vector<int>& local = FieldMap(wire_id, wire, type);
  uint64_t field = ~uint64_t{0};  // -1: deltas count from before the first field
  for (;;) {
    uint64_t delta;
    if (!c.r.ReadUint(&delta)) return c.Truncated();
    if (delta == 0) return true;
    if (delta > wire.fields.size() - (field + 1)) {
      return c.Fail("bad data: field numbers out of bounds");
    }
    field += delta;
    int64_t field_wire_id = wire.fields[field].second;
    int index = local[field];
    bool ok = index < 0 ? Ignore(c, field_wire_id, depth + 1)
                        : Decode(c, field_wire_id, type->fields[index].type(),
                                 type->fields[index].get(object), depth + 1);
    if (!ok) return false;
  }
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
      return (c.r.ReadUint(&n) && c.r.Skip(n)) || c.Truncated();
    case kInterfaceId:
      return IgnoreInterface(c, depth);
    default:
      break;
  }
  const WireType* wire = Find(wire_id);
  if (wire == nullptr) return c.Fail("unknown type id " + std::to_string(wire_id));
  switch (wire->kind) {
    case WireType::Kind::kArray:
    case WireType::Kind::kSlice:
    case WireType::Kind::kMap:
      if (!c.r.ReadUint(&n)) return c.Truncated();
      if (n > c.r.remaining()) return c.Fail("length exceeds input size");
      for (uint64_t i = 0; i < n; ++i) {
        if (wire->kind == WireType::Kind::kMap && !Ignore(c, wire->key, depth + 1)) return false;
        if (!Ignore(c, wire->elem, depth + 1)) return false;
      }
      return true;
    case WireType::Kind::kGobEncoder:
      return (c.r.ReadUint(&n) && c.r.Skip(n)) || c.Truncated();
    case WireType::Kind::kStruct: {
      uint64_t field = ~uint64_t{0};
      for (;;) {
        uint64_t delta;
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
  return c.Fail("unknown type id " + std::to_string(wire_id));
}

// IgnoreInterface skips Go's interface encoding: a registered name, the concrete type id and a
// length-prefixed value. Definitions nested inside an interface value are not supported.
bool StreamDecoder::IgnoreInterface(Ctx& c, size_t depth) {
  (void)depth;
  uint64_t n;
  if (!c.r.ReadUint(&n)) return c.Truncated();
  if (n == 0) return true;  // nil interface
  if (!c.r.Skip(n)) return c.Fail("invalid interface name length");
  int64_t id;
  if (!c.r.ReadInt(&id)) return c.Truncated();
  if (id < 0) return c.Fail("type definitions inside interface values are not supported");
  if (!c.r.ReadUint(&n) || !c.r.Skip(n)) return c.Fail("invalid interface value length");
  return true;
}

Error StreamDecoder::DecodeValue(int64_t id, std::string_view body, Value value, ErrorCode code) {
  Ctx c{Reader(body), code, Error()};
  const WireType* wire = id >= kFirstUserId ? Find(id) : nullptr;
  bool is_struct = wire != nullptr && wire->kind == WireType::Kind::kStruct;
  bool ok = true;
  if (!is_struct) {
    // Go frames a top-level non-struct value as a singleton field with delta 0.
    uint64_t delta;
    if (!c.r.ReadUint(&delta)) {
      ok = c.Truncated();
    } else if (delta != 0) {
      ok = c.Fail("decode: corrupted data: non-zero delta for singleton");
    }
  }
  if (ok) {
    if (value.object == nullptr || value.type == nullptr) {
      ok = Ignore(c, id, 0);
    } else {
      value.type->reset(value.object);
      ok = Decode(c, id, value.type, value.object, 0);
    }
  }
  if (ok && c.r.remaining() != 0) c.Fail("extra data in buffer");
  return c.err;
}

}  // namespace netrpc::codec::gob
