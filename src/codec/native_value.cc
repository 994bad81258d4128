// native_value.cc: encode and decode a described value in netrpc's native binary form.
// Walks the TypeInfo; every length read from the wire is checked against the bytes left.
#include "codec/native_value.h"

#include <bit>
#include <cstring>

#include "codec/integers.h"

namespace netrpc::codec {
namespace {

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Encoder appends values to out; with a Borrowed list, large strings and byte slices are
// listed there and left out of out (their length prefix stays in).
struct Encoder {
  std::string* out;
  Borrowed* borrowed;

  void Append(const TypeInfo* t, const void* p) {
    switch (t->kind) {
      case Kind::kBool:
        out->push_back(*static_cast<const bool*>(p) ? 1 : 0);
        return;
      case Kind::kInt:
        AppendVarint(ZigZag(LoadInt(p, t->size)), out);
        return;
      case Kind::kUint:
        AppendVarint(LoadUint(p, t->size), out);
        return;
      case Kind::kFloat32:
      case Kind::kFloat64:
        out->append(static_cast<const char*>(p), t->size);
        return;
      case Kind::kString:
      case Kind::kBytes: {
        size_t n = t->seq.size(p);
        AppendVarint(n, out);
        if (borrowed != nullptr && n >= Borrowed::kMinSpan) {
          borrowed->Add(out->size(), t->seq.data(p), n);
        } else {
          out->append(t->seq.data(p), n);
        }
        return;
      }
      case Kind::kVector: {
        size_t n = t->seq.size(p);
        AppendVarint(n, out);
        const TypeInfo* e = t->elem();
        void* base = const_cast<void*>(p);
        for (size_t i = 0; i < n; ++i) Append(e, t->seq.at(base, i));
        return;
      }
      case Kind::kMap: {
        AppendVarint(t->map.size(p), out);
        struct Ctx {
          Encoder* enc;
          const TypeInfo* k;
          const TypeInfo* v;
        } ctx{this, t->key(), t->elem()};
        t->map.for_each(p, &ctx, [](void* c, const void* k, const void* v) {
          auto* x = static_cast<Ctx*>(c);
          x->enc->Append(x->k, k);
          x->enc->Append(x->v, v);
          return true;
        });
        return;
      }
      case Kind::kOptional: {
        const void* inner = t->opt.get(p);
        out->push_back(inner ? 1 : 0);
        if (inner) Append(t->elem(), inner);
        return;
      }
      case Kind::kStruct:
        for (const FieldInfo& f : t->fields) Append(f.type(), f.get(const_cast<void*>(p)));
        return;
    }
  }
};

}  // namespace

void AppendVarintSlow(uint64_t v, std::string* out) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

void AppendNativeValue(ConstValue v, std::string* out, Borrowed* borrowed) {
  Encoder{out, borrowed}.Append(v.type, v.object);
}

bool NativeReader::ReadVarint(uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && pos_ < in_.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in_[pos_++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      return true;
    }
  }
  return false;
}

bool NativeReader::ReadBytes(size_t n, std::string_view* out) {
  if (n > Remaining()) return false;
  *out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool NativeReader::PlanTail(const TypeInfo* t, TailPlan* plan) {
  return tail_ != nullptr && Skip(t, 0, plan) && plan->size != 0;
}

// Skip is Read without storing: the same checks, so that a plan that succeeds means the
// decode will, and the first string or byte slice cut off at the end of the input must end
// the whole message, as ReadTail requires.
bool NativeReader::Skip(const TypeInfo* t, size_t depth, TailPlan* plan) {
  if (depth > limits_.max_depth || plan->size != 0) return false;  // nothing after the tail
  uint64_t u = 0;
  std::string_view b;
  switch (t->kind) {
    case Kind::kBool:
    case Kind::kOptional:
      if (!ReadBytes(1, &b) || static_cast<uint8_t>(b[0]) > 1) return false;
      return t->kind == Kind::kBool || b[0] == 0 || Skip(t->elem(), depth + 1, plan);
    case Kind::kInt:
      return ReadVarint(&u) && FitsInt(UnZigZag(u), t->size);
    case Kind::kUint:
      return ReadVarint(&u) && FitsUint(u, t->size);
    case Kind::kFloat32:
    case Kind::kFloat64:
      return ReadBytes(t->size, &b);
    case Kind::kString:
    case Kind::kBytes:
      if (!ReadVarint(&u)) return false;
      if (u > Remaining()) {
        if (u != whole_ - pos_) return false;
        *plan = {t->kind, u, Remaining()};
        pos_ = in_.size();
        return true;
      }
      return ReadBytes(u, &b);
    case Kind::kVector: {
      if (!ReadVarint(&u) || u > Remaining()) return false;
      for (size_t i = 0; i < u; ++i) {
        if (!Skip(t->elem(), depth + 1, plan)) return false;
      }
      return true;
    }
    case Kind::kMap:
      if (!ReadVarint(&u) || u > Remaining() / 2) return false;
      for (size_t i = 0; i < u; ++i) {
        if (!Skip(t->key(), depth + 1, plan) || !Skip(t->elem(), depth + 1, plan)) return false;
      }
      return true;
    case Kind::kStruct:
      for (const FieldInfo& f : t->fields) {
        if (!Skip(f.type(), depth + 1, plan)) return false;
      }
      return true;
  }
  return false;
}

Error NativeReader::Fail(std::string_view what) const {
  return Error(ErrorCode::kCodec,
               "native: " + std::string(what) + " at byte " + std::to_string(pos_));
}

Error NativeReader::ReadValue(Value v) { return Read(v.type, v.object, 0); }

bool NativeReader::ReadTail(const TypeInfo* t, void* p, uint64_t n) {
  // n is bounded: it must end at the end of the whole message (or within AllowAfter's bytes
  // of it), whose size the frame reader checked against the limit; and Tail grows the value
  // only as bytes arrive.
  if (tail_ == nullptr || tail_->object != nullptr || n > whole_ - pos_) return false;
  size_t after = whole_ - pos_ - n;
  if (after < after_min_ || after > after_max_) return false;
  if (staged_ != nullptr) {  // the value arrived whole elsewhere: take it
    bool fits = t->kind == Kind::kBytes ? static_cast<Bytes*>(staged_)->size() == n
                                        : static_cast<std::string*>(staged_)->size() == n;
    if (!fits) return false;
    if (t->kind == Kind::kBytes) {
      static_cast<Bytes*>(p)->swap(*static_cast<Bytes*>(staged_));
    } else {
      static_cast<std::string*>(p)->swap(*static_cast<std::string*>(staged_));
    }
    tail_->type = t;
    tail_->object = p;
    tail_->size = tail_->filled = n;
    pos_ = in_.size();
    return true;
  }
  tail_->Begin(t, p, n, in_.substr(pos_));
  tail_->after.assign(after, '\0');
  tail_->after_filled = 0;
  pos_ = in_.size();
  return true;
}

Error NativeReader::Read(const TypeInfo* t, void* p, size_t depth) {
  if (depth > limits_.max_depth) return Fail("nesting deeper than the limit");
  uint64_t u = 0;
  switch (t->kind) {
    case Kind::kBool: {
      std::string_view b;
      if (!ReadBytes(1, &b) || static_cast<uint8_t>(b[0]) > 1) return Fail("bad bool");
      *static_cast<bool*>(p) = b[0] != 0;
      return {};
    }
    case Kind::kInt:
      if (!ReadVarint(&u)) return Fail("truncated integer");
      if (!FitsInt(UnZigZag(u), t->size)) return Fail("integer out of range");
      StoreInt(p, t->size, UnZigZag(u));
      return {};
    case Kind::kUint:
      if (!ReadVarint(&u)) return Fail("truncated integer");
      if (!FitsUint(u, t->size)) return Fail("integer out of range");
      StoreUint(p, t->size, u);
      return {};
    case Kind::kFloat32:
    case Kind::kFloat64: {
      std::string_view b;
      if (!ReadBytes(t->size, &b)) return Fail("truncated float");
      std::memcpy(p, b.data(), t->size);
      return {};
    }
    case Kind::kString:
    case Kind::kBytes: {
      std::string_view b;
      if (!ReadVarint(&u)) return Fail("truncated string");
      if (u > Remaining() && ReadTail(t, p, u)) return {};
      if (!ReadBytes(u, &b)) return Fail("truncated string");
      t->seq.assign(p, b.data(), b.size());
      return {};
    }
    case Kind::kVector: {
      // Every element takes at least one byte, so the count cannot exceed what is left.
      if (!ReadVarint(&u) || u > Remaining()) return Fail("bad element count");
      t->seq.resize(p, u);
      const TypeInfo* e = t->elem();
      for (size_t i = 0; i < u; ++i) {
        if (Error err = Read(e, t->seq.at(p, i), depth + 1)) return err;
      }
      return {};
    }
    case Kind::kMap: {
      if (!ReadVarint(&u) || u > Remaining() / 2) return Fail("bad entry count");
      t->map.clear(p);
      struct Ctx {
        NativeReader* r;
        const TypeInfo* k;
        const TypeInfo* v;
        size_t depth;
        Error err;
      } ctx{this, t->key(), t->elem(), depth + 1, {}};
      for (size_t i = 0; i < u; ++i) {
        bool ok = t->map.insert(p, &ctx, [](void* c, void* k, void* v) {
          auto* x = static_cast<Ctx*>(c);
          x->err = x->r->Read(x->k, k, x->depth);
          if (!x->err) x->err = x->r->Read(x->v, v, x->depth);
          return !x->err;
        });
        if (!ok) return ctx.err;
      }
      return {};
    }
    case Kind::kOptional: {
      std::string_view b;
      if (!ReadBytes(1, &b) || static_cast<uint8_t>(b[0]) > 1) return Fail("bad optional tag");
      if (b[0] == 0) {
        t->opt.reset(p);
        return {};
      }
      return Read(t->elem(), t->opt.emplace(p), depth + 1);
    }
    case Kind::kStruct:
      for (const FieldInfo& f : t->fields) {
        if (Error err = Read(f.type(), f.get(p), depth + 1)) return err;
      }
      return {};
  }
  return Fail("unknown kind");
}

}  // namespace netrpc::codec
