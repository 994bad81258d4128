// json_decode.cc: Go's json.Unmarshal into described values, from an already parsed
// boost::json::value, with Go's matching rules and Go's error messages word for word.
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "codec/cpp_type_name.h"
#include "codec/integers.h"
#include "codec/json_text.h"
#include "codec/json_value.h"

namespace netrpc::codec {

using json::AssignValidUtf8;
using json::DecodeBase64;
using json::IsNumber;
using json::IsString;
using json::IsValidUtf8;
using json::JsonKindWord;
using json::NumberLiteral;
using json::NumberText;
using json::ParseLiteral;

namespace {

namespace bj = boost::json;

// The range of an integer of the given width, for Go's out-of-range errors.
int64_t MinInt(size_t size) { return size >= 8 ? INT64_MIN : -(int64_t{1} << (size * 8 - 1)); }
int64_t MaxInt(size_t size) { return size >= 8 ? INT64_MAX : (int64_t{1} << (size * 8 - 1)) - 1; }
uint64_t MaxUint(size_t size) { return size >= 8 ? UINT64_MAX : (uint64_t{1} << (size * 8)) - 1; }

// Decoder keeps Go's error context: the innermost struct and the path of field names.
class Decoder {
 public:
  Error Decode(const bj::value& j, const TypeInfo* t, void* p) {
    if (j.is_null()) {
      // Go: null empties slices, maps and pointers and leaves everything else alone.
      switch (t->kind) {
        case Kind::kBytes:
        case Kind::kVector:
          t->seq.resize(p, 0);
          break;
        case Kind::kMap:
          t->map.clear(p);
          break;
        case Kind::kOptional:
          t->opt.reset(p);
          break;
        default:
          break;
      }
      return {};
    }
    switch (t->kind) {
      case Kind::kBool:
        if (!j.is_bool()) return Mismatch(JsonKindWord(j), t);
        *static_cast<bool*>(p) = j.get_bool();
        return {};
      case Kind::kInt:
        return DecodeInt(j, t, p);
      case Kind::kUint:
        return DecodeUint(j, t, p);
      case Kind::kFloat32:
      case Kind::kFloat64:
        return DecodeFloat(j, t, p);
      case Kind::kString: {
        if (!IsString(j)) return Mismatch(JsonKindWord(j), t);
        std::string_view s = j.get_string();
        if (IsValidUtf8(s)) {
          t->seq.assign(p, s.data(), s.size());
        } else {
          std::string fixed;
          AssignValidUtf8(s, &fixed);
          t->seq.assign(p, fixed.data(), fixed.size());
        }
        return {};
      }
      case Kind::kBytes:
        return DecodeBytes(j, t, p);
      case Kind::kVector: {
        if (!j.is_array()) return Mismatch(JsonKindWord(j), t);
        const bj::array& a = j.get_array();
        // The array is already in memory, so its size is bounded by the message size.
        t->seq.resize(p, 0);
        t->seq.resize(p, a.size());
        const TypeInfo* elem = t->elem();
        for (size_t i = 0; i < a.size(); ++i) {
          if (Error e = Decode(a[i], elem, t->seq.at(p, i))) return e;
        }
        return {};
      }
      case Kind::kMap:
        return DecodeMap(j, t, p);
      case Kind::kOptional: {
        const void* have = t->opt.get(p);
        void* v = have != nullptr ? const_cast<void*>(have) : t->opt.emplace(p);
        return Decode(j, t->elem(), v);
      }
      case Kind::kStruct:
        return DecodeStruct(j, t, p);
    }
    return Error(ErrorCode::kCodec, "json: unsupported type");
  }

 private:
  // Mismatch is Go's UnmarshalTypeError text with the destination named in C++ terms ("into
  // C++ value of type int8_t"), since the value being filled is a C++ one.
  Error Mismatch(std::string_view what, const TypeInfo* t) {
    std::string m = "json: cannot unmarshal ";
    m.append(what);
    if (!struct_name_.empty() || !fields_.empty()) {
      m.append(" into C++ struct field ");
      m.append(struct_name_);
      for (std::string_view f : fields_) {
        m.push_back('.');
        m.append(f);
      }
    } else {
      m.append(" into C++ value");
    }
    m.append(" of type ");
    m.append(CppTypeName(t));
    return Error(ErrorCode::kCodec, std::move(m));
  }
  Error BadNumber(const bj::value& j, const TypeInfo* t) {
    return Mismatch("number " + NumberText(j), t);
  }

  Error DecodeInt(const bj::value& j, const TypeInfo* t, void* p) {
    int64_t v;
    if (j.is_int64()) {
      v = j.get_int64();
    } else if (j.is_double() && j.get_double() == 0 && std::signbit(j.get_double())) {
      v = 0;  // "-0": the reader keeps it a double for floats, Go's ParseInt accepts it
    } else if (IsNumber(j)) {
      return BadNumber(j, t);  // fractions, exponents and values past int64 all fail in Go
    } else {
      return Mismatch(JsonKindWord(j), t);
    }
    if (v < MinInt(t->size) || v > MaxInt(t->size)) return BadNumber(j, t);
    StoreInt(p, t->size, v);
    return {};
  }

  Error DecodeUint(const bj::value& j, const TypeInfo* t, void* p) {
    uint64_t v;
    if (j.is_uint64()) {
      v = j.get_uint64();
    } else if (j.is_int64() && j.get_int64() >= 0) {
      v = static_cast<uint64_t>(j.get_int64());
    } else if (IsNumber(j)) {
      return BadNumber(j, t);
    } else {
      return Mismatch(JsonKindWord(j), t);
    }
    if (v > MaxUint(t->size)) return BadNumber(j, t);
    StoreUint(p, t->size, v);
    return {};
  }

  Error DecodeFloat(const bj::value& j, const TypeInfo* t, void* p) {
    if (std::string_view literal = NumberLiteral(j); !literal.empty()) {
      // One rounding from the text at the field's width, as Go's ParseFloat(s, 32 or 64).
      const bool ok = t->kind == Kind::kFloat64 ? ParseLiteral(literal, static_cast<double*>(p))
                                                : ParseLiteral(literal, static_cast<float*>(p));
      return ok ? Error() : BadNumber(j, t);
    }
    if (!j.is_number()) return Mismatch(JsonKindWord(j), t);
    double d;
    if (j.is_int64()) {
      d = static_cast<double>(j.get_int64());
    } else if (j.is_uint64()) {
      d = static_cast<double>(j.get_uint64());
    } else {
      d = j.get_double();
    }
    if (std::isinf(d)) return BadNumber(j, t);  // the literal overflowed a double
    if (t->kind == Kind::kFloat64) {
      *static_cast<double*>(p) = d;
      return {};
    }
    // Beyond FLT_MAX plus half an ulp Go's ParseFloat(s, 32) overflows; converting such a
    // double to float would be undefined, so check first.
    constexpr double kLimit = 3.4028235677973366e38;  // FLT_MAX + 2^103
    if (std::fabs(d) >= kLimit) return BadNumber(j, t);
    if (j.is_int64()) {
      *static_cast<float*>(p) = static_cast<float>(j.get_int64());  // one rounding, like Go
    } else if (j.is_uint64()) {
      *static_cast<float*>(p) = static_cast<float>(j.get_uint64());
    } else {
      *static_cast<float*>(p) = static_cast<float>(d);
    }
    return {};
  }

  Error DecodeBytes(const bj::value& j, const TypeInfo* t, void* p) {
    if (IsString(j)) {
      std::vector<uint8_t> raw;
      std::string_view s = j.get_string();
      if (Error e = DecodeBase64(s, &raw)) return e;
      t->seq.assign(p, reinterpret_cast<const char*>(raw.data()), raw.size());
      return {};
    }
    if (j.is_array()) {  // Go also accepts []byte as an array of numbers
      const bj::array& a = j.get_array();
      std::vector<uint8_t> raw(a.size());
      static const TypeInfo* const kByte = TypeOf<uint8_t>();
      for (size_t i = 0; i < a.size(); ++i) {
        if (Error e = Decode(a[i], kByte, &raw[i])) return e;
      }
      t->seq.assign(p, reinterpret_cast<const char*>(raw.data()), raw.size());
      return {};
    }
    return Mismatch(JsonKindWord(j), t);
  }

  Error DecodeMap(const bj::value& j, const TypeInfo* t, void* p) {
    if (!j.is_object()) return Mismatch(JsonKindWord(j), t);
    struct Ctx {
      Decoder* self;
      const TypeInfo* key_type;
      const TypeInfo* elem;
      std::string_view key;
      const bj::value* value;
      Error error;
    } ctx{this, t->key(), t->elem(), {}, nullptr, {}};
    for (const bj::key_value_pair& kv : j.get_object()) {
      ctx.key = kv.key();
      ctx.value = &kv.value();
      bool ok = t->map.insert(p, &ctx, [](void* c, void* k, void* v) {
        auto* x = static_cast<Ctx*>(c);
        const TypeInfo* kt = x->key_type;
        if (kt->kind == Kind::kString) {
          if (IsValidUtf8(x->key)) {
            kt->seq.assign(k, x->key.data(), x->key.size());
          } else {
            std::string fixed;  // Go unquotes keys as strings: each invalid byte is U+FFFD
            AssignValidUtf8(x->key, &fixed);
            kt->seq.assign(k, fixed.data(), fixed.size());
          }
        } else {
          // Go parses integer keys from their decimal text with the key's width: ParseInt
          // takes a leading '+', ParseUint does not.
          const char* b = x->key.data();
          const char* e = b + x->key.size();
          if (kt->kind == Kind::kInt && b != e && *b == '+' && e - b > 1 && b[1] != '-') ++b;
          bool good;
          if (kt->kind == Kind::kInt) {
            int64_t n = 0;
            auto r = std::from_chars(b, e, n);
            good =
                r.ec == std::errc() && r.ptr == e && n >= MinInt(kt->size) && n <= MaxInt(kt->size);
            if (good) StoreInt(k, kt->size, n);
          } else {
            uint64_t n = 0;
            auto r = std::from_chars(b, e, n);
            good = r.ec == std::errc() && r.ptr == e && n <= MaxUint(kt->size);
            if (good) StoreUint(k, kt->size, n);
          }
          if (!good) {
            x->error = x->self->Mismatch("number " + std::string(x->key), kt);
            return false;
          }
        }
        x->error = x->self->Decode(*x->value, x->elem, v);
        return x->error.ok();
      });
      if (!ok) return ctx.error;
    }
    return {};
  }

  Error DecodeStruct(const bj::value& j, const TypeInfo* t, void* p) {
    if (!j.is_object()) return Mismatch(JsonKindWord(j), t);
    std::string_view saved = struct_name_;
    struct_name_ = t->name;
    for (const bj::key_value_pair& kv : j.get_object()) {
      std::string_view key = kv.key();
      const FieldInfo* field = nullptr;
      for (const FieldInfo& f : t->fields) {
        if (f.name == key) {
          field = &f;
          break;
        }
      }
      if (field == nullptr) {
        for (const FieldInfo& f : t->fields) {
          if (FieldNameMatches(key, f.name)) {
            field = &f;
            break;
          }
        }
      }
      if (field == nullptr) continue;  // Go ignores unknown keys
      fields_.push_back(field->name);
      Error e = Decode(kv.value(), field->type(), field->get(p));
      fields_.pop_back();
      if (e) return e;
    }
    struct_name_ = saved;
    return {};
  }

  std::string_view struct_name_;
  std::vector<std::string_view> fields_;
};

}  // namespace

bool FieldNameMatches(std::string_view key, std::string_view name) {
  size_t i = 0, j = 0;
  for (; i < key.size() && j < name.size(); ++j) {
    char n = static_cast<char>(name[j] | 0x20);
    if (key.compare(i, 3, "\xE2\x84\xAA") == 0 && n == 'k') {
      i += 3;
    } else if (key.compare(i, 2, "\xC5\xBF") == 0 && n == 's') {
      i += 2;
    } else {
      char k = key[i];
      if (k >= 'A' && k <= 'Z') k |= 0x20;
      char m = name[j];
      if (m >= 'A' && m <= 'Z') m |= 0x20;
      if (k != m) return false;
      ++i;
    }
  }
  return i == key.size() && j == name.size();
}

Error DecodeJson(const boost::json::value& json, Value v) {
  if (v.object == nullptr || v.type == nullptr) return {};
  try {
    return Decoder().Decode(json, v.type, v.object);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
  }
}

}  // namespace netrpc::codec
