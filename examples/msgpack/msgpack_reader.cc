// msgpack_reader.cc: go-msgpack's decoder (decode.go, msgpack.go of go-msgpack 0.5.5) over
// described values, with bounds: nothing is sized from the wire before the bytes are seen.
#include "msgpack_reader.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <string>

#include "integer_fields.h"
#include "msgpack_scan.h"

namespace msgpackrpc {
namespace {

using netrpc::Error;
using netrpc::ErrorCode;
using netrpc::FieldInfo;
using netrpc::Kind;
using netrpc::TypeInfo;

// FormName names the msgpack type a type byte starts, for error messages.
const char* FormName(uint8_t b) {
  if (b <= wire::kPositiveFixintMax || b >= wire::kNegativeFixintMin) return "int";
  if ((b & 0xf0) == wire::kFixmap) return "map";
  if ((b & 0xf0) == wire::kFixarray) return "array";
  if ((b & 0xe0) == wire::kFixstr) return "str";
  if (b == wire::kNil) return "nil";
  if (b == wire::kFalse || b == wire::kTrue) return "bool";
  if (b == wire::kFloat32 || b == wire::kFloat64) return "float";
  if (b >= wire::kUint8 && b < wire::kUint8 + 8) return "int";
  if (b >= wire::kStr8 && b < wire::kStr8 + 3) return "str";
  if (b >= wire::kBin8 && b < wire::kBin8 + 3) return "bin";
  if (b >= wire::kArray16 && b < wire::kArray16 + 2) return "array";
  if (b >= wire::kMap16 && b < wire::kMap16 + 2) return "map";
  if (b == wire::kNeverUsed) return "0xc1";
  return "ext";
}

std::string KindName(const TypeInfo* t) {
  switch (t->kind) {
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int" + std::to_string(t->size * 8);
    case Kind::kUint:
      return "uint" + std::to_string(t->size * 8);
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
      return "struct " + std::string(t->name);
  }
  return "value";
}

// An integer in any of msgpack's forms: negative ones as int64, the others as uint64.
struct Integer {
  bool negative = false;
  uint64_t bits = 0;
};

class Reader {
 public:
  Reader(std::string_view in, size_t max_depth) : in_(in), max_depth_(max_depth) {}

  size_t Position() const { return pos_; }

  Error Read(const TypeInfo* t, void* p, size_t depth) {
    if (depth > max_depth_) return Fail("values nested deeper than " + std::to_string(max_depth_));
    if (pos_ >= in_.size()) return Fail("value cut short");
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    if (b == wire::kNil) {  // decodeValue: nil in the stream sets the zero value
      ++pos_;
      t->reset(p);
      return {};
    }
    switch (t->kind) {
      case Kind::kBool:
        return ReadBool(p, t);
      case Kind::kInt:
        return ReadInt(t, p);
      case Kind::kUint:
        return ReadUint(t, p);
      case Kind::kFloat32:
      case Kind::kFloat64:
        return ReadFloat(t, p);
      case Kind::kString:
      case Kind::kBytes: {
        std::string_view s;
        if (Error e = ReadRaw(t, &s)) return e;
        t->seq.assign(p, s.data(), s.size());
        return {};
      }
      case Kind::kVector:
        return ReadVector(t, p, depth);
      case Kind::kMap:
        return ReadMap(t, p, depth);
      case Kind::kOptional: {  // a pointer: allocated when the stream holds a value
        const void* have = t->opt.get(p);
        void* v = have != nullptr ? const_cast<void*>(have) : t->opt.emplace(p);
        return Read(t->elem(), v, depth + 1);
      }
      case Kind::kStruct:
        return ReadStruct(t, p, depth);
    }
    return Fail("unsupported type");
  }

 private:
  Error Fail(std::string what) const {
    return Error(ErrorCode::kCodec, "msgpack: " + what + " at byte " + std::to_string(pos_));
  }
  Error Mismatch(const TypeInfo* t) const {
    return Fail(std::string("cannot decode ") + FormName(static_cast<uint8_t>(in_[pos_])) +
                " into " + KindName(t));
  }

  // Take returns the next n bytes, or false (nothing consumed) when fewer remain.
  bool Take(uint64_t n, std::string_view* out) {
    if (n > in_.size() - pos_) return false;
    *out = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool TakeBigEndian(size_t width, uint64_t* v) {
    std::string_view b;
    if (!Take(width, &b)) return false;
    *v = wire::LoadBigEndian(b.data(), width);
    return true;
  }

  // decodeBool: false, true, or the fixints 0 and 1.
  Error ReadBool(void* p, const TypeInfo* t) {
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    if (b != wire::kFalse && b != wire::kTrue && b > 1) return Mismatch(t);
    ++pos_;
    *static_cast<bool*>(p) = b == wire::kTrue || b == 1;
    return {};
  }

  // ReadInteger reads any integer form: fixints, uint8..64, int8..64.
  Error ReadInteger(const TypeInfo* t, Integer* v) {
    const size_t start = pos_;
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    if (b <= wire::kPositiveFixintMax || b >= wire::kNegativeFixintMin) {
      ++pos_;
      *v = {b >= wire::kNegativeFixintMin,
            static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(b)))};
      return {};
    }
    const bool is_uint = b >= wire::kUint8 && b < wire::kUint8 + 4;
    const bool is_int = b >= wire::kInt8 && b < wire::kInt8 + 4;
    if (!is_uint && !is_int) return Mismatch(t);
    const size_t width = size_t{1} << (b - (is_uint ? wire::kUint8 : wire::kInt8));
    ++pos_;
    uint64_t bits = 0;
    if (!TakeBigEndian(width, &bits)) {
      pos_ = start;
      return Fail("integer cut short");
    }
    if (is_int && width < 8) {  // sign-extend
      const int shift = static_cast<int>(64 - 8 * width);
      bits = static_cast<uint64_t>(static_cast<int64_t>(bits << shift) >> shift);
    }
    *v = {is_int && static_cast<int64_t>(bits) < 0, bits};
    return {};
  }

  // decodeInt checks that the number fits the width. Unlike Go, a uint64 past 2^63 - 1 is
  // refused rather than wrapped to a negative int64.
  Error ReadInt(const TypeInfo* t, void* p) {
    Integer v;
    if (Error e = ReadInteger(t, &v)) return e;
    const auto i = static_cast<int64_t>(v.bits);
    if ((!v.negative && v.bits > static_cast<uint64_t>(INT64_MAX)) || !FitsInt(i, t->size)) {
      return Fail(IntegerText(v) + " overflows " + KindName(t));
    }
    StoreInt(p, t->size, i);
    return {};
  }

  // decodeUint refuses negative numbers and checks the width.
  Error ReadUint(const TypeInfo* t, void* p) {
    Integer v;
    if (Error e = ReadInteger(t, &v)) return e;
    if (v.negative || !FitsUint(v.bits, t->size)) {
      return Fail(IntegerText(v) + " overflows " + KindName(t));
    }
    StoreUint(p, t->size, v.bits);
    return {};
  }

  static std::string IntegerText(const Integer& v) {
    return v.negative ? std::to_string(static_cast<int64_t>(v.bits)) : std::to_string(v.bits);
  }

  // decodeFloat: float32, float64 or any integer; a float32 field refuses what it cannot
  // hold (checkOverflowFloat32).
  Error ReadFloat(const TypeInfo* t, void* p) {
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    double f = 0;
    if (b == wire::kFloat32 || b == wire::kFloat64) {
      ++pos_;
      const size_t width = b == wire::kFloat32 ? 4 : 8;
      uint64_t bits = 0;
      if (!TakeBigEndian(width, &bits)) return Fail("float cut short");
      if (width == 4) {
        float f32;
        const auto bits32 = static_cast<uint32_t>(bits);
        std::memcpy(&f32, &bits32, 4);
        f = f32;
      } else {
        std::memcpy(&f, &bits, 8);
      }
    } else {
      Integer v;
      if (Error e = ReadInteger(t, &v)) return e;
      f = v.negative ? static_cast<double>(static_cast<int64_t>(v.bits))
                     : static_cast<double>(v.bits);
    }
    if (t->kind == Kind::kFloat64) {
      std::memcpy(p, &f, 8);
      return {};
    }
    if (std::isfinite(f) && std::abs(f) > std::numeric_limits<float>::max()) {
      return Fail("float " + std::to_string(f) + " overflows float32");
    }
    const auto f32 = static_cast<float>(f);
    std::memcpy(p, &f32, 4);
    return {};
  }

  // ReadRaw reads str (fixstr, str8, 16, 32) or bin (bin8, 16, 32): decodeBytes takes both,
  // and so does this for a string, where Go's decodeString takes only str.
  Error ReadRaw(const TypeInfo* t, std::string_view* s) {
    const size_t start = pos_;
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    uint64_t n = 0;
    ++pos_;
    bool ok = true;
    if ((b & 0xe0) == wire::kFixstr) {
      n = b & 0x1fu;
    } else if (b >= wire::kStr8 && b < wire::kStr8 + 3) {
      ok = TakeBigEndian(size_t{1} << (b - wire::kStr8), &n);
    } else if (b >= wire::kBin8 && b < wire::kBin8 + 3) {
      ok = TakeBigEndian(size_t{1} << (b - wire::kBin8), &n);
    } else {
      pos_ = start;
      return Mismatch(t);
    }
    if (!ok || !Take(n, s)) {
      pos_ = start;
      return Fail("string of " + std::to_string(n) + " bytes cut short");
    }
    return {};
  }

  // ReadHeader reads the count of an array (array = true) or a map, in any of its forms;
  // the caller checks the count against the bytes left.
  Error ReadHeader(const TypeInfo* t, bool array, uint64_t* n) {
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    const uint8_t fixed = array ? wire::kFixarray : wire::kFixmap;
    const uint8_t form16 = array ? wire::kArray16 : wire::kMap16;
    if ((b & 0xf0) == fixed) {
      ++pos_;
      *n = b & 0x0fu;
      return {};
    }
    if (b != form16 && b != form16 + 1) return Mismatch(t);
    ++pos_;
    if (!TakeBigEndian(b == form16 ? 2 : 4, n)) return Fail("count cut short");
    return {};
  }

  Error ReadVector(const TypeInfo* t, void* p, size_t depth) {
    uint64_t n = 0;
    if (Error e = ReadHeader(t, true, &n)) return e;
    // Each element takes at least one byte: a larger count is a lie, refused before resize.
    if (n > in_.size() - pos_) return Fail("array of " + std::to_string(n) + " elements cut short");
    t->seq.resize(p, 0);  // fresh elements, not the previous contents
    t->seq.resize(p, n);
    const TypeInfo* elem = t->elem();
    for (uint64_t i = 0; i < n; ++i) {
      if (Error e = Read(elem, t->seq.at(p, i), depth + 1)) return e;
    }
    return {};
  }

  // kMap: entries are added to the map (Go's decoder keeps a non-nil map and sets keys).
  Error ReadMap(const TypeInfo* t, void* p, size_t depth) {
    uint64_t n = 0;
    if (Error e = ReadHeader(t, false, &n)) return e;
    if (n > (in_.size() - pos_) / 2) {  // each entry takes at least two bytes
      return Fail("map of " + std::to_string(n) + " entries cut short");
    }
    struct Ctx {
      Reader* r;
      const TypeInfo* key;
      const TypeInfo* value;
      size_t depth;
      Error error;
    } ctx{this, t->key(), t->elem(), depth + 1, {}};
    for (uint64_t i = 0; i < n; ++i) {
      t->map.insert(p, &ctx, [](void* c, void* k, void* v) {
        auto* x = static_cast<Ctx*>(c);
        x->error = x->r->Read(x->key, k, x->depth);
        if (!x->error) x->error = x->r->Read(x->value, v, x->depth);
        return !x->error;
      });
      if (ctx.error) return ctx.error;
    }
    return {};
  }

  // kStruct: from a map, each key names a field (exactly; unknown keys are skipped, as with
  // ErrorIfNoField off); from an array, elements fill the fields in order, extras skipped.
  Error ReadStruct(const TypeInfo* t, void* p, size_t depth) {
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    const bool array =
        (b & 0xf0) == wire::kFixarray || b == wire::kArray16 || b == wire::kArray16 + 1;
    uint64_t n = 0;
    if (Error e = ReadHeader(t, array, &n)) return e;
    if (n > (in_.size() - pos_) / (array ? 1 : 2)) return Fail("struct cut short");
    for (uint64_t i = 0; i < n; ++i) {
      const FieldInfo* field = nullptr;
      if (array) {
        if (i < t->fields.size()) field = &t->fields[i];
      } else {
        std::string_view name;
        if (Error e = ReadRaw(netrpc::TypeOf<std::string>(), &name)) return e;
        for (const FieldInfo& f : t->fields) {
          if (f.name == name) field = &f;
        }
      }
      Error e = field != nullptr ? Read(field->type(), field->get(p), depth + 1) : Skip(depth + 1);
      if (e) return e;
    }
    return {};
  }

  // Skip steps over a value no field wants, with the depth budget that is left.
  Error Skip(size_t depth) {
    if (depth > max_depth_) return Fail("values nested deeper than " + std::to_string(max_depth_));
    ScanResult s = ScanValue(in_, pos_, max_depth_ - depth);
    if (s.status == ScanResult::Status::kMalformed) return Fail(s.error);
    if (s.status == ScanResult::Status::kNeedMore) return Fail("value cut short");
    pos_ = s.end;
    return {};
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t max_depth_;
};

}  // namespace

Error ReadValue(std::string_view in, netrpc::Value v, size_t max_depth) {
  if (v.type == nullptr || v.object == nullptr) return {};
  Reader reader(in, max_depth);
  try {
    if (Error e = reader.Read(v.type, v.object, 0)) return e;
  } catch (const std::exception& e) {  // bad_alloc filling v: an error, never a throw
    return Error(ErrorCode::kCodec, std::string("msgpack: ") + e.what());
  }
  if (reader.Position() != in.size()) {
    return Error(ErrorCode::kCodec, "msgpack: " + std::to_string(in.size() - reader.Position()) +
                                        " bytes after the value");
  }
  return {};
}

}  // namespace msgpackrpc
