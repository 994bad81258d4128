// msgpack_writer.cc: go-msgpack's encoder (encode.go, msgpack.go of go-msgpack 0.5.5) over
// described values. Each rule below names the Go behaviour it copies.
#include "msgpack_writer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "integer_fields.h"

namespace msgpackrpc {
namespace {

using netrpc::Error;
using netrpc::ErrorCode;
using netrpc::FieldInfo;
using netrpc::Kind;
using netrpc::TypeInfo;

// msgpackEncDriver.encodeUint: the smallest of positive fixint, uint8, 16, 32, 64.
void AppendUint(uint64_t v, std::string* out) {
  if (v <= wire::kPositiveFixintMax) {
    out->push_back(static_cast<char>(v));
  } else if (v <= UINT8_MAX) {
    out->push_back(static_cast<char>(wire::kUint8));
    wire::AppendBigEndian(v, 1, out);
  } else if (v <= UINT16_MAX) {
    out->push_back(static_cast<char>(wire::kUint8 + 1));
    wire::AppendBigEndian(v, 2, out);
  } else if (v <= UINT32_MAX) {
    out->push_back(static_cast<char>(wire::kUint8 + 2));
    wire::AppendBigEndian(v, 4, out);
  } else {
    out->push_back(static_cast<char>(wire::kUint8 + 3));
    wire::AppendBigEndian(v, 8, out);
  }
}

// msgpackEncDriver.encodeInt: a non-negative value is written as unsigned (msgpack-c does the
// same), a negative one in the smallest of negative fixint, int8, 16, 32, 64.
void AppendInt(int64_t v, std::string* out) {
  if (v >= 0) {
    AppendUint(static_cast<uint64_t>(v), out);
  } else if (v >= -32) {
    out->push_back(static_cast<char>(v));
  } else if (v >= INT8_MIN) {
    out->push_back(static_cast<char>(wire::kInt8));
    wire::AppendBigEndian(static_cast<uint64_t>(v), 1, out);
  } else if (v >= INT16_MIN) {
    out->push_back(static_cast<char>(wire::kInt8 + 1));
    wire::AppendBigEndian(static_cast<uint64_t>(v), 2, out);
  } else if (v >= INT32_MIN) {
    out->push_back(static_cast<char>(wire::kInt8 + 2));
    wire::AppendBigEndian(static_cast<uint64_t>(v), 4, out);
  } else {
    out->push_back(static_cast<char>(wire::kInt8 + 3));
    wire::AppendBigEndian(static_cast<uint64_t>(v), 8, out);
  }
}

// writeContainerLen: a fixed form below its cutoff, then the 16- and 32-bit forms. With
// WriteExt off there is no str8 (a 32..255-byte string is str16), and the str forms serve
// []byte as well: the handle never writes bin.
Error AppendLength(uint8_t fixed, size_t fixed_max, uint8_t form16, size_t n, std::string* out) {
  if (n <= fixed_max) {
    out->push_back(static_cast<char>(fixed | n));
  } else if (n <= UINT16_MAX) {
    out->push_back(static_cast<char>(form16));
    wire::AppendBigEndian(n, 2, out);
  } else if (n <= UINT32_MAX) {
    out->push_back(static_cast<char>(form16 + 1));
    wire::AppendBigEndian(n, 4, out);
  } else {
    return Error(ErrorCode::kTooLarge, "msgpack: " + std::to_string(n) + " is past 2^32 - 1");
  }
  return {};
}

Error AppendRaw(std::string_view s, std::string* out) {
  if (Error e = AppendLength(wire::kFixstr, wire::kFixstrMaxLen, wire::kStr8 + 1, s.size(), out)) {
    return e;
  }
  out->append(s);
  return {};
}

Error AppendArrayHeader(size_t n, std::string* out) {
  return AppendLength(wire::kFixarray, wire::kFixContainerMaxLen, wire::kArray16, n, out);
}

// TopLevelEmptyIsContainer: Go's Encoder.Encode takes fast paths for a value of type []byte,
// []string, []int64, []uint64 or map[string]string (or a pointer to one), which write an
// empty container even for a nil value; the reflection path below them writes nil.
bool TopLevelEmptyIsContainer(const TypeInfo* t) {
  if (t->kind == Kind::kBytes) return true;
  if (t->kind == Kind::kVector) {
    const TypeInfo* e = t->elem();
    return e->kind == Kind::kString ||
           ((e->kind == Kind::kInt || e->kind == Kind::kUint) && e->size == 8 && !e->is_enum);
  }
  return t->kind == Kind::kMap && t->key()->kind == Kind::kString &&
         t->elem()->kind == Kind::kString;
}

class Writer {
 public:
  Writer(std::string* out, size_t max_depth) : out_(out), max_depth_(max_depth) {}

  Error Write(const TypeInfo* t, const void* p, size_t depth) {
    switch (t->kind) {
      case Kind::kBool:
        out_->push_back(
            static_cast<char>(*static_cast<const bool*>(p) ? wire::kTrue : wire::kFalse));
        return {};
      case Kind::kInt:  // enums too: Go has no enums, a named integer type travels as its kind
        AppendInt(LoadInt(p, t->size), out_);
        return {};
      case Kind::kUint:
        AppendUint(LoadUint(p, t->size), out_);
        return {};
      case Kind::kFloat32: {
        uint32_t bits;
        std::memcpy(&bits, p, 4);
        out_->push_back(static_cast<char>(wire::kFloat32));
        wire::AppendBigEndian(bits, 4, out_);
        return {};
      }
      case Kind::kFloat64: {
        uint64_t bits;
        std::memcpy(&bits, p, 8);
        out_->push_back(static_cast<char>(wire::kFloat64));
        wire::AppendBigEndian(bits, 8, out_);
        return {};
      }
      case Kind::kString:
        return AppendRaw({t->seq.data(p), t->seq.size(p)}, out_);
      case Kind::kBytes:
        if (t->seq.size(p) == 0 && depth > 0) return Nil();  // kSlice: a nil []byte is nil
        return AppendRaw({t->seq.data(p), t->seq.size(p)}, out_);
      default:
        break;
    }
    if (depth > max_depth_) {
      return Error(ErrorCode::kTooLarge,
                   "msgpack: value nested deeper than " + std::to_string(max_depth_));
    }
    switch (t->kind) {
      case Kind::kVector:
        return WriteVector(t, p, depth);
      case Kind::kMap:
        return WriteMap(t, p, depth);
      case Kind::kOptional: {  // a pointer: nil, or what it points to
        const void* v = t->opt.get(p);
        return v == nullptr ? Nil() : Write(t->elem(), v, depth + 1);
      }
      case Kind::kStruct:
        return WriteStruct(t, p, depth);
      default:
        return Error(ErrorCode::kCodec, "msgpack: unsupported type");
    }
  }

 private:
  Error Nil() {
    AppendNil(out_);
    return {};
  }

  Error WriteVector(const TypeInfo* t, const void* p, size_t depth) {
    const size_t n = t->seq.size(p);
    if (n == 0 && !(depth == 0 && TopLevelEmptyIsContainer(t))) return Nil();
    if (Error e = AppendArrayHeader(n, out_)) return e;
    const TypeInfo* elem = t->elem();
    void* base = const_cast<void*>(p);  // at() is not const in the ops table; it only reads
    for (size_t i = 0; i < n; ++i) {
      if (Error e = Write(elem, t->seq.at(base, i), depth + 1)) return e;
    }
    return {};
  }

  // kMap writes entries in the map's own order, as Go (whose order is random); a reader
  // must not depend on it.
  Error WriteMap(const TypeInfo* t, const void* p, size_t depth) {
    const size_t n = t->map.size(p);
    if (n == 0 && !(depth == 0 && TopLevelEmptyIsContainer(t))) return Nil();
    if (Error e = AppendLength(wire::kFixmap, wire::kFixContainerMaxLen, wire::kMap16, n, out_)) {
      return e;
    }
    struct Ctx {
      Writer* w;
      const TypeInfo* key;
      const TypeInfo* value;
      size_t depth;
      Error error;
    } ctx{this, t->key(), t->elem(), depth + 1, {}};
    t->map.for_each(p, &ctx, [](void* c, const void* k, const void* v) {
      auto* x = static_cast<Ctx*>(c);
      x->error = x->w->Write(x->key, k, x->depth);
      if (!x->error) x->error = x->w->Write(x->value, v, x->depth);
      return !x->error;
    });
    return ctx.error;
  }

  // kStruct with StructToArray off: a map of every field, keyed by its name, in the order of
  // typeInfo.sfi, which go-msgpack sorts by name (Go's string <, bytewise).
  Error WriteStruct(const TypeInfo* t, const void* p, size_t depth) {
    std::vector<const FieldInfo*> fields;
    fields.reserve(t->fields.size());
    for (const FieldInfo& f : t->fields) fields.push_back(&f);
    std::sort(fields.begin(), fields.end(),
              [](const FieldInfo* a, const FieldInfo* b) { return a->name < b->name; });
    AppendMapHeader(fields.size(), out_);
    for (const FieldInfo* f : fields) {
      if (Error e = AppendRaw(f->name, out_)) return e;
      if (Error e = Write(f->type(), f->get(const_cast<void*>(p)), depth + 1)) return e;
    }
    return {};
  }

  std::string* out_;
  size_t max_depth_;
};

}  // namespace

void AppendNil(std::string* out) { out->push_back(static_cast<char>(wire::kNil)); }

void AppendMapHeader(size_t count, std::string* out) {
  // A described struct or a header never reaches 2^32 entries, so this cannot fail.
  (void)AppendLength(wire::kFixmap, wire::kFixContainerMaxLen, wire::kMap16, count, out);
}

Error AppendValue(netrpc::ConstValue v, std::string* out, size_t max_depth) {
  if (v.type == nullptr || v.object == nullptr) {
    AppendNil(out);
    return {};
  }
  const size_t start = out->size();
  Error err;
  try {
    err = Writer(out, max_depth).Write(v.type, v.object, 0);
  } catch (const std::exception& e) {  // bad_alloc growing out: an error, never a throw
    err = Error(ErrorCode::kCodec, std::string("msgpack: ") + e.what());
  }
  if (err) out->resize(start);
  return err;
}

}  // namespace msgpackrpc
