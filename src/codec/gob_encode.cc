// gob_encode.cc: the encoding half of Go's encoding/gob, over netrpc's TypeInfo descriptions.
// It follows encoder.go/encode.go/type.go closely so that a fresh stream matches Go byte for byte.
#include <bit>
#include <cstring>

#include "codec/go_type_name.h"
#include "codec/gob_wire.h"
#include "codec/integers.h"

namespace netrpc::codec::gob {

void PutUint(std::string* out, uint64_t v) {
  if (v < 0x80) {
    out->push_back(static_cast<char>(v));
    return;
  }
  // Go writes the byte count negated, then the value big-endian without leading zeros.
  char buf[9];
  int n = 0;
  while (v != 0) {
    buf[8 - n] = static_cast<char>(v & 0xff);
    v >>= 8;
    ++n;
  }
  buf[8 - n] = static_cast<char>(-n);
  out->append(buf + 8 - n, n + 1);
}

void PutInt(std::string* out, int64_t v) {
  uint64_t u = v < 0 ? (~static_cast<uint64_t>(v) << 1) | 1 : static_cast<uint64_t>(v) << 1;
  PutUint(out, u);
}

namespace {

void PutString(std::string* out, std::string_view s) {
  PutUint(out, s.size());
  out->append(s);
}

void AppendMessage(std::string* out, const std::string& message) {
  PutUint(out, message.size());
  out->append(message);
}

// Base drops optionals: a Go pointer travels as the value it points to.
const TypeInfo* Base(const TypeInfo* t) {
  while (t->kind == Kind::kOptional) t = t->elem();
  return t;
}

// Composite types need a definition on the wire; []byte is predefined.
bool IsComposite(const TypeInfo* t) {
  return t->kind == Kind::kVector || t->kind == Kind::kMap || t->kind == Kind::kStruct;
}

// FloatBits is gob's float encoding: the IEEE754 bits of the float64, byte-reversed, so that
// common values with zero low mantissa bytes travel short.
uint64_t FloatBits(double d) { return __builtin_bswap64(std::bit_cast<uint64_t>(d)); }

// IsZero mirrors Go's per-op zero checks: struct fields holding these are not sent at all.
bool IsZero(const TypeInfo* t, const void* p) {
  switch (t->kind) {
    case Kind::kBool:
      return !*static_cast<const bool*>(p);
    case Kind::kInt:
      return LoadInt(p, t->size) == 0;
    case Kind::kUint:
      return LoadUint(p, t->size) == 0;
    case Kind::kFloat32:
      return *static_cast<const float*>(p) == 0;
    case Kind::kFloat64:
      return *static_cast<const double*>(p) == 0;
    case Kind::kString:
    case Kind::kBytes:
    case Kind::kVector:
      return t->seq.size(p) == 0;
    case Kind::kMap:
      return t->map.size(p) == 0;
    case Kind::kOptional:
      return t->opt.get(p) == nullptr;
    case Kind::kStruct:
      return false;  // Go always sends struct-valued fields
  }
  return false;
}

}  // namespace

int64_t StreamEncoder::WireId(const TypeInfo* type) const {
  type = Base(type);
  switch (type->kind) {
    case Kind::kBool:
      return kBoolId;
    case Kind::kInt:
      return kIntId;
    case Kind::kUint:
      return kUintId;
    case Kind::kFloat32:
    case Kind::kFloat64:
      return kFloatId;
    case Kind::kString:
      return kStringId;
    case Kind::kBytes:
      return kBytesId;
    default: {
      auto it = types_.find(type);
      return it == types_.end() ? 0 : it->second.id;
    }
  }
}

// Allocate assigns ids in the order of Go's newTypeObject: a struct before its fields, a
// slice or map after its elements (Go's "historical aside"), names as Go gives them.
void StreamEncoder::Allocate(const TypeInfo* type, std::string name) {
  type = Base(type);
  if (!IsComposite(type) || types_.contains(type)) return;
  auto fix_id = [this](const TypeInfo* t) {
    t = Base(t);
    if (!IsComposite(t)) return;
    TypeEntry& e = types_[t];
    if (e.id == 0) e.id = ++next_id_;
  };
  switch (type->kind) {
    case Kind::kStruct: {
      TypeEntry& entry = types_[type];
      entry.id = ++next_id_;
      entry.name = std::move(name);
      for (const FieldInfo& field : type->fields) {
        const TypeInfo* ft = Base(field.type());
        // Go names an unnamed field type after its spelling, user types in package main.
        Allocate(ft, ft->kind == Kind::kStruct ? std::string(ft->name) : GoTypeName(ft, "main"));
        fix_id(ft);  // a slice still being built further up gets its id here, as in Go
      }
      return;
    }
    case Kind::kVector: {
      types_[type].name = std::move(name);  // id stays 0 while the element is built
      const TypeInfo* elem = type->elem();
      Allocate(elem, elem->kind == Kind::kStruct ? std::string(elem->name) : "");
      fix_id(type);
      fix_id(elem);
      return;
    }
    case Kind::kMap:
      types_[type].name = std::move(name);
      Allocate(type->key(), "");
      Allocate(type->elem(), "");
      fix_id(type);
      return;
    default:
      return;
  }
}

// SendType writes (-id, wireType) messages for type and then its inner types, like Go's
// sendActualType; the wireType struct is written by hand since its layout is fixed.
void StreamEncoder::SendType(const TypeInfo* type, std::string* out) {
  type = Base(type);
  if (!IsComposite(type)) return;
  TypeEntry& entry = types_[type];
  if (entry.sent) return;
  entry.sent = true;
  std::string m;
  PutInt(&m, -entry.id);
  auto put_common = [&] {
    PutUint(&m, 1);  // CommonType
    if (!entry.name.empty()) {
      PutUint(&m, 1);
      PutString(&m, entry.name);
      PutUint(&m, 1);
    } else {
      PutUint(&m, 2);
    }
    PutInt(&m, entry.id);
    PutUint(&m, 0);
  };
  switch (type->kind) {
    case Kind::kVector:
      PutUint(&m, 2);  // wireType.SliceT
      put_common();
      PutUint(&m, 1);
      PutInt(&m, WireId(type->elem()));
      break;
    case Kind::kMap:
      PutUint(&m, 4);  // wireType.MapT
      put_common();
      PutUint(&m, 1);
      PutInt(&m, WireId(type->key()));
      PutUint(&m, 1);
      PutInt(&m, WireId(type->elem()));
      break;
    default:
      PutUint(&m, 3);  // wireType.StructT
      put_common();
      if (!type->fields.empty()) {
        PutUint(&m, 1);
        PutUint(&m, type->fields.size());
        for (const FieldInfo& field : type->fields) {
          PutUint(&m, 1);
          PutString(&m, field.name);
          PutUint(&m, 1);
          PutInt(&m, WireId(field.type()));
          PutUint(&m, 0);
        }
      }
      break;
  }
  PutUint(&m, 0);  // end of the inner type
  PutUint(&m, 0);  // end of wireType
  AppendMessage(out, m);
  switch (type->kind) {
    case Kind::kVector:
      SendType(type->elem(), out);
      break;
    case Kind::kMap:
      SendType(type->key(), out);
      SendType(type->elem(), out);
      break;
    default:
      for (const FieldInfo& field : type->fields) SendType(field.type(), out);
      break;
  }
}

// EncodeValue writes a value in a context where zero values are sent (singletons, slice
// elements, map entries); type is never optional here.
bool StreamEncoder::EncodeValue(const TypeInfo* type, const void* object, std::string* b,
                                size_t depth) {
  if (depth > limits_.max_depth) {
    error_ = Error(ErrorCode::kCodec, "gob: value nested too deeply");
    return false;
  }
  switch (type->kind) {
    case Kind::kBool:
      PutUint(b, *static_cast<const bool*>(object) ? 1 : 0);
      return true;
    case Kind::kInt:
      PutInt(b, LoadInt(object, type->size));
      return true;
    case Kind::kUint:
      PutUint(b, LoadUint(object, type->size));
      return true;
    case Kind::kFloat32:
      PutUint(b, FloatBits(*static_cast<const float*>(object)));
      return true;
    case Kind::kFloat64:
      PutUint(b, FloatBits(*static_cast<const double*>(object)));
      return true;
    case Kind::kString:
    case Kind::kBytes:
      PutString(b, std::string_view(type->seq.data(object), type->seq.size(object)));
      return true;
    case Kind::kVector: {
      size_t n = type->seq.size(object);
      PutUint(b, n);
      for (size_t i = 0; i < n; ++i) {
        const void* elem = type->seq.at(const_cast<void*>(object), i);
        const TypeInfo* et = type->elem();
        while (elem != nullptr && et->kind == Kind::kOptional) {
          elem = et->opt.get(elem);
          et = et->elem();
        }
        if (elem == nullptr) {
          error_ = Error(ErrorCode::kCodec, "gob: encodeArray: nil element");
          return false;
        }
        if (!EncodeValue(et, elem, b, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kMap: {
      PutUint(b, type->map.size(object));
      struct Ctx {
        StreamEncoder* self;
        const TypeInfo* type;
        std::string* b;
        size_t depth;
      } ctx{this, type, b, depth};
      return type->map.for_each(object, &ctx, [](void* c, const void* key, const void* val) {
        auto* x = static_cast<Ctx*>(c);
        if (!x->self->EncodeValue(Base(x->type->key()), key, x->b, x->depth + 1)) return false;
        const TypeInfo* vt = x->type->elem();
        while (val != nullptr && vt->kind == Kind::kOptional) {
          val = vt->opt.get(val);
          vt = vt->elem();
        }
        if (val == nullptr) {
          x->self->error_ = Error(ErrorCode::kCodec, "gob: encodeReflectValue: nil element");
          return false;
        }
        return x->self->EncodeValue(vt, val, x->b, x->depth + 1);
      });
    }
    case Kind::kOptional: {
      const void* inner = type->opt.get(object);
      if (inner == nullptr) {
        EncodeZero(type->elem(), b, depth + 1);
        return true;
      }
      return EncodeValue(type->elem(), inner, b, depth + 1);
    }
    case Kind::kStruct:
      return EncodeStruct(type, object, b, depth);
  }
  return true;
}

// EncodeStruct sends fields by delta of their index, omitting absent optionals and zero values
// the way Go's encodeStruct does, and ends with a 0 delta.
bool StreamEncoder::EncodeStruct(const TypeInfo* type, const void* object, std::string* b,
                                 size_t depth) {
  if (depth > limits_.max_depth) {
    error_ = Error(ErrorCode::kCodec, "gob: value nested too deeply");
    return false;
  }
  int64_t last = -1;
  for (size_t i = 0; i < type->fields.size(); ++i) {
    const FieldInfo& field = type->fields[i];
    const TypeInfo* ft = field.type();
    const void* p = field.get(const_cast<void*>(object));
    while (p != nullptr && ft->kind == Kind::kOptional) {
      p = ft->opt.get(p);
      ft = ft->elem();
    }
    if (p == nullptr || IsZero(ft, p)) continue;
    PutUint(b, static_cast<int64_t>(i) - last);
    last = static_cast<int64_t>(i);
    if (!EncodeValue(ft, p, b, depth + 1)) return false;
  }
  PutUint(b, 0);
  return true;
}

// EncodeZero writes the zero value of type without an object: Go cannot send a nil pointer
// at top level, so an absent optional there travels as its zero value.
void StreamEncoder::EncodeZero(const TypeInfo* type, std::string* b, size_t depth) {
  type = Base(type);
  if (type->kind != Kind::kStruct) {
    PutUint(b, 0);  // 0, false, 0.0, "" and empty containers all encode as a single 0
    return;
  }
  int64_t last = -1;
  for (size_t i = 0; i < type->fields.size() && depth <= limits_.max_depth; ++i) {
    const TypeInfo* ft = type->fields[i].type();
    if (ft->kind != Kind::kStruct) continue;
    PutUint(b, static_cast<int64_t>(i) - last);
    last = static_cast<int64_t>(i);
    EncodeZero(ft, b, depth + 1);
  }
  PutUint(b, 0);
}

Error StreamEncoder::Prepare(ConstValue value, Pending* pending) {
  if (value.type == nullptr) return Error(ErrorCode::kCodec, "gob: cannot encode untyped value");
  const TypeInfo* type = value.type;
  const void* object = value.object;
  while (type->kind == Kind::kOptional) {
    if (object != nullptr) object = type->opt.get(object);
    type = type->elem();
  }
  Allocate(type, type->kind == Kind::kStruct ? std::string(type->name) : "");
  pending->type = type;
  std::string& m = pending->message;
  m.clear();
  PutInt(&m, WireId(type));
  error_ = Error();
  if (type->kind == Kind::kStruct) {
    if (object == nullptr) {
      EncodeZero(type, &m, 1);
    } else if (!EncodeStruct(type, object, &m, 1)) {
      return error_;
    }
  } else {
    PutUint(&m, 0);  // singleton: a field delta of 0 frames a lone non-struct value
    if (object == nullptr) {
      EncodeZero(type, &m, 1);
    } else if (!EncodeValue(type, object, &m, 1)) {
      return error_;
    }
  }
  if (m.size() > limits_.max_message_bytes) {
    return Error(ErrorCode::kTooLarge, "gob: encoded message of " + std::to_string(m.size()) +
                                           " bytes exceeds the limit");
  }
  return Error();
}

void StreamEncoder::Commit(const Pending& pending, std::string* out) {
  SendType(pending.type, out);
  AppendMessage(out, pending.message);
}

}  // namespace netrpc::codec::gob
