// json_value.cc: encodes described values as Go's encoding/json does, decodes parsed JSON into
// them, and reads JSON texts from a stream with exact number conversion.
#include "codec/json_value.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "codec/go_type_name.h"

namespace netrpc::codec {
namespace {

namespace bj = boost::json;

constexpr char kHex[] = "0123456789abcdef";

// DecodeRune is Go's utf8.DecodeRune: any invalid or overlong sequence, surrogate or value over
// U+10FFFF decodes as one invalid byte (rune -1, width 1), so output matches Go byte for byte.
std::pair<int32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const size_t left = s.size() - i;
  const uint8_t c = b(0);
  if (c < 0x80) return {c, 1};
  auto cont = [&](size_t k) { return k < left && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) {
    if (cont(1)) return {((c & 0x1F) << 6) | (b(1) & 0x3F), 2};
  } else if (c >= 0xE0 && c <= 0xEF) {
    if (cont(1) && cont(2)) {
      int32_t r = ((c & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
      if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) return {r, 3};
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    if (cont(1) && cont(2) && cont(3)) {
      int32_t r = ((c & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
      if (r >= 0x10000 && r <= 0x10FFFF) return {r, 4};
    }
  }
  return {-1, 1};
}

// ToValidUtf8 replaces each invalid byte with U+FFFD, as Go's decoder does for strings.
void AssignValidUtf8(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    auto [r, w] = DecodeRune(s, i);
    if (r < 0) {
      out->append("\xEF\xBF\xBD");
    } else {
      out->append(s.substr(i, w));
    }
    i += w;
  }
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    auto [r, w] = DecodeRune(s, i);
    if (r < 0) return false;
    i += w;
  }
  return true;
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendBase64(const uint8_t* p, size_t n, std::string* out) {
  out->reserve(out->size() + (n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out->push_back(kBase64[v >> 18]);
    out->push_back(kBase64[(v >> 12) & 63]);
    out->push_back(kBase64[(v >> 6) & 63]);
    out->push_back(kBase64[v & 63]);
  }
  if (i < n) {
    uint32_t v = p[i] << 16;
    if (i + 1 < n) v |= p[i + 1] << 8;
    out->push_back(kBase64[v >> 18]);
    out->push_back(kBase64[(v >> 12) & 63]);
    out->push_back(i + 1 < n ? kBase64[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

// DecodeBase64 is Go's base64.StdEncoding.Decode: padding required, \r and \n skipped, and the
// error names the offending byte offset as Go's CorruptInputError does.
Error DecodeBase64(std::string_view s, std::vector<uint8_t>* out) {
  auto corrupt = [](size_t at) {
    return Error(ErrorCode::kCodec, "illegal base64 data at input byte " + std::to_string(at));
  };
  out->clear();
  out->reserve(s.size() / 4 * 3);
  uint32_t acc = 0;
  int have = 0;  // sextets in acc
  int pad = 0;   // '=' seen
  size_t last = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r' || c == '\n') continue;
    last = i;
    if (c == '=') {
      if (have < 2 || have + pad >= 4) return corrupt(i);
      ++pad;
      continue;
    }
    if (pad > 0) return corrupt(i);
    const char* pos = std::strchr(kBase64, c);
    if (c == '\0' || pos == nullptr) return corrupt(i);
    acc = (acc << 6) | static_cast<uint32_t>(pos - kBase64);
    if (++have == 4) {
      out->push_back(static_cast<uint8_t>(acc >> 16));
      out->push_back(static_cast<uint8_t>(acc >> 8));
      out->push_back(static_cast<uint8_t>(acc));
      acc = 0;
      have = 0;
    }
  }
  if (have == 0 && pad == 0) return {};
  if (have + pad != 4) return corrupt(have == 1 ? last : s.size());
  if (have == 2) {
    out->push_back(static_cast<uint8_t>(acc >> 4));
  } else {
    out->push_back(static_cast<uint8_t>(acc >> 10));
    out->push_back(static_cast<uint8_t>(acc >> 2));
  }
  return {};
}

// Integers and floats are stored at the address with the width the TypeInfo gives.
int64_t LoadInt(const void* p, size_t size) {
  switch (size) {
    case 1:
      return *static_cast<const int8_t*>(p);
    case 2:
      return *static_cast<const int16_t*>(p);
    case 4:
      return *static_cast<const int32_t*>(p);
    default:
      return *static_cast<const int64_t*>(p);
  }
}
uint64_t LoadUint(const void* p, size_t size) {
  switch (size) {
    case 1:
      return *static_cast<const uint8_t*>(p);
    case 2:
      return *static_cast<const uint16_t*>(p);
    case 4:
      return *static_cast<const uint32_t*>(p);
    default:
      return *static_cast<const uint64_t*>(p);
  }
}
void StoreInt(void* p, size_t size, int64_t v) {
  switch (size) {
    case 1:
      *static_cast<int8_t*>(p) = static_cast<int8_t>(v);
      break;
    case 2:
      *static_cast<int16_t*>(p) = static_cast<int16_t>(v);
      break;
    case 4:
      *static_cast<int32_t*>(p) = static_cast<int32_t>(v);
      break;
    default:
      *static_cast<int64_t*>(p) = v;
      break;
  }
}
void StoreUint(void* p, size_t size, uint64_t v) {
  switch (size) {
    case 1:
      *static_cast<uint8_t*>(p) = static_cast<uint8_t>(v);
      break;
    case 2:
      *static_cast<uint16_t*>(p) = static_cast<uint16_t>(v);
      break;
    case 4:
      *static_cast<uint32_t*>(p) = static_cast<uint32_t>(v);
      break;
    default:
      *static_cast<uint64_t*>(p) = v;
      break;
  }
}
int64_t MinInt(size_t size) { return size >= 8 ? INT64_MIN : -(int64_t{1} << (size * 8 - 1)); }
int64_t MaxInt(size_t size) { return size >= 8 ? INT64_MAX : (int64_t{1} << (size * 8 - 1)) - 1; }
uint64_t MaxUint(size_t size) { return size >= 8 ? UINT64_MAX : (uint64_t{1} << (size * 8)) - 1; }

template <class T>
void AppendInteger(T v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// AppendFloat is Go's floatEncoder: shortest round-trip digits, %f between 1e-6 and 1e21 and
// %e outside, with Go's exponent spelling (e+21, e-7).
template <class F>
Error AppendFloat(F f, std::string* out) {
  if (std::isnan(f)) return Error(ErrorCode::kCodec, "json: unsupported value: NaN");
  if (std::isinf(f)) {
    return Error(ErrorCode::kCodec,
                 f > 0 ? "json: unsupported value: +Inf" : "json: unsupported value: -Inf");
  }
  const F abs = std::fabs(f);
  const bool exp = abs != 0 && (abs < F(1e-6) || abs >= F(1e21));
  char buf[64];
  // Shortest digits always come from %e: libstdc++'s shortest %f prints large values with
  // their exact binary digits (123456789012345683968), where Go pads the shortest digits with
  // zeros (123456789012345680000).
  auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  size_t n = r.ptr - buf;
  if (exp) {
    // Go trims a leading zero of a two-digit negative exponent: 1e-07 becomes 1e-7.
    if (n >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
      buf[n - 2] = buf[n - 1];
      --n;
    }
    out->append(buf, n);
    return {};
  }
  std::string_view sci(buf, n);
  size_t e_pos = sci.find('e');
  int exponent = 0;
  std::from_chars(buf + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), buf + n, exponent);
  std::string digits;
  size_t start = 0;
  if (sci[0] == '-') {
    out->push_back('-');
    start = 1;
  }
  for (size_t i = start; i < e_pos; ++i) {
    if (sci[i] != '.') digits.push_back(sci[i]);
  }
  if (exponent >= 0) {
    // exponent < 21 here, so the padding is short.
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_digits) {
      out->append(digits);
      out->append(int_digits - digits.size(), '0');
    } else {
      out->append(digits, 0, int_digits);
      out->push_back('.');
      out->append(digits, int_digits, std::string::npos);
    }
  } else {
    out->append("0.");
    out->append(static_cast<size_t>(-exponent - 1), '0');
    out->append(digits);
  }
  return {};
}


std::string NumberText(const bj::value& j) {
  std::string s;
  if (j.is_int64()) {
    AppendInteger(j.get_int64(), &s);
  } else if (j.is_uint64()) {
    AppendInteger(j.get_uint64(), &s);
  } else if (j.is_double()) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, j.get_double());
    s.assign(buf, r.ptr);
  }
  return s;
}

// JsonKindWord is how Go's UnmarshalTypeError names the JSON side of a mismatch.
const char* JsonKindWord(const bj::value& j) {
  switch (j.kind()) {
    case bj::kind::null:
      return "null";
    case bj::kind::bool_:
      return "bool";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_:
      return "number";
    case bj::kind::string:
      return "string";
    case bj::kind::array:
      return "array";
    case bj::kind::object:
      return "object";
  }
  return "value";
}

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

namespace {

class Encoder {
 public:
  Encoder(std::string* out, size_t max_depth) : out_(out), max_depth_(max_depth) {}

  Error Encode(const TypeInfo* t, const void* p, size_t depth) {
    switch (t->kind) {
      case Kind::kBool:
        out_->append(*static_cast<const bool*>(p) ? "true" : "false");
        return {};
      case Kind::kInt:
        AppendInteger(LoadInt(p, t->size), out_);
        return {};
      case Kind::kUint:
        AppendInteger(LoadUint(p, t->size), out_);
        return {};
      case Kind::kFloat32:
        return AppendFloat(*static_cast<const float*>(p), out_);
      case Kind::kFloat64:
        return AppendFloat(*static_cast<const double*>(p), out_);
      case Kind::kString:
        AppendJsonString(std::string_view(t->seq.data(p), t->seq.size(p)), out_);
        return {};
      case Kind::kBytes: {
        size_t n = t->seq.size(p);
        if (n == 0) {
          out_->append("null");  // Go's nil []byte; C++ has no separate empty
          return {};
        }
        out_->push_back('"');
        AppendBase64(reinterpret_cast<const uint8_t*>(t->seq.data(p)), n, out_);
        out_->push_back('"');
        return {};
      }
      default:
        break;
    }
    // Containers and structs nest; the bound keeps a recursive type from exhausting the stack.
    if (depth >= max_depth_) {
      return Error(ErrorCode::kTooLarge,
                   "json: value nested deeper than " + std::to_string(max_depth_));
    }
    switch (t->kind) {
      case Kind::kVector: {
        size_t n = t->seq.size(p);
        if (n == 0) {
          out_->append("null");
          return {};
        }
        const TypeInfo* elem = t->elem();
        out_->push_back('[');
        for (size_t i = 0; i < n; ++i) {
          if (i > 0) out_->push_back(',');
          // at() is not const in the ops table, but only reads here.
          if (Error e = Encode(elem, t->seq.at(const_cast<void*>(p), i), depth + 1)) return e;
        }
        out_->push_back(']');
        return {};
      }
      case Kind::kMap:
        return EncodeMap(t, p, depth);
      case Kind::kOptional: {
        const void* v = t->opt.get(p);
        if (v == nullptr) {
          out_->append("null");
          return {};
        }
        return Encode(t->elem(), v, depth + 1);
      }
      case Kind::kStruct: {
        out_->push_back('{');
        bool first = true;
        for (const FieldInfo& f : t->fields) {
          if (!first) out_->push_back(',');
          first = false;
          AppendJsonString(f.name, out_);
          out_->push_back(':');
          if (Error e = Encode(f.type(), f.get(const_cast<void*>(p)), depth + 1)) return e;
        }
        out_->push_back('}');
        return {};
      }
      default:
        return Error(ErrorCode::kCodec, "json: unsupported type");
    }
  }

 private:
  struct Entry {
    std::string key;
    const void* value;
  };

  // Go sorts map entries by their key's string form, so integer keys sort as text (1, 10, 2).
  Error EncodeMap(const TypeInfo* t, const void* p, size_t depth) {
    if (t->map.size(p) == 0) {
      out_->append("null");
      return {};
    }
    struct Ctx {
      const TypeInfo* key;
      std::vector<Entry> entries;
    } ctx{t->key(), {}};
    ctx.entries.reserve(t->map.size(p));
    t->map.for_each(p, &ctx, [](void* c, const void* k, const void* v) {
      auto* x = static_cast<Ctx*>(c);
      Entry e{{}, v};
      if (x->key->kind == Kind::kString) {
        e.key.assign(x->key->seq.data(k), x->key->seq.size(k));
      } else if (x->key->kind == Kind::kInt) {
        AppendInteger(LoadInt(k, x->key->size), &e.key);
      } else {
        AppendInteger(LoadUint(k, x->key->size), &e.key);
      }
      x->entries.push_back(std::move(e));
      return true;
    });
    std::sort(ctx.entries.begin(), ctx.entries.end(),
              [](const Entry& a, const Entry& b) { return a.key < b.key; });
    const TypeInfo* elem = t->elem();
    out_->push_back('{');
    for (size_t i = 0; i < ctx.entries.size(); ++i) {
      if (i > 0) out_->push_back(',');
      AppendJsonString(ctx.entries[i].key, out_);
      out_->push_back(':');
      if (Error e = Encode(elem, ctx.entries[i].value, depth + 1)) return e;
    }
    out_->push_back('}');
    return {};
  }

  std::string* out_;
  size_t max_depth_;
};

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
        if (!j.is_string()) return Mismatch(JsonKindWord(j), t);
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
  Error Mismatch(std::string_view what, const TypeInfo* t) {
    std::string m = "json: cannot unmarshal ";
    m.append(what);
    if (!struct_name_.empty() || !fields_.empty()) {
      m.append(" into Go struct field ");
      m.append(struct_name_);
      for (std::string_view f : fields_) {
        m.push_back('.');
        m.append(f);
      }
    } else {
      m.append(" into Go value");
    }
    m.append(" of type ");
    m.append(GoTypeName(t));
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
    } else if (j.is_number()) {
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
    } else if (j.is_number()) {
      return BadNumber(j, t);
    } else {
      return Mismatch(JsonKindWord(j), t);
    }
    if (v > MaxUint(t->size)) return BadNumber(j, t);
    StoreUint(p, t->size, v);
    return {};
  }

  Error DecodeFloat(const bj::value& j, const TypeInfo* t, void* p) {
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
    if (j.is_string()) {
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
          kt->seq.assign(k, x->key.data(), x->key.size());
        } else {
          // Go parses integer keys from their decimal text with the key's width.
          const char* b = x->key.data();
          const char* e = b + x->key.size();
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

// ExactHandler is Boost.JSON's own value-building handler, except that floating-point literals
// are converted by std::from_chars from their full text: Boost 1.81's conversion is off by an
// ulp for many doubles, and Go's output must round-trip exactly.
class ExactHandler {
 public:
  static constexpr size_t max_object_size = bj::object::max_size();
  static constexpr size_t max_array_size = bj::array::max_size();
  static constexpr size_t max_key_size = bj::string::max_size();
  static constexpr size_t max_string_size = bj::string::max_size();

  bj::value_stack st;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(size_t n, bj::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(size_t n, bj::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, size_t, bj::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, size_t, bj::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, size_t, bj::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, size_t, bj::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, bj::string_view s, bj::error_code&) {
    // "-0" must stay negative zero for floats; Decoder accepts it for integers too.
    bool negative_zero =
        i == 0 && (number_.empty() ? (!s.empty() && s[0] == '-') : number_[0] == '-');
    number_.clear();
    if (negative_zero) {
      st.push_double(-0.0);
    } else {
      st.push_int64(i);
    }
    return true;
  }
  bool on_uint64(uint64_t u, bj::string_view, bj::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double boost_value, bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    double d = 0;
    auto r = std::from_chars(number_.data(), number_.data() + number_.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow becomes infinity (the decoder rejects it, as Go's ParseFloat does) and
      // underflow becomes zero, keeping the sign; Boost's estimate tells which one it was.
      bool negative = number_[0] == '-';
      d = std::fabs(boost_value) > 1 ? std::numeric_limits<double>::infinity() : 0.0;
      if (negative) d = -d;
    } else if (r.ec != std::errc()) {
      d = boost_value;
    }
    number_.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

  void Reset() {
    number_.clear();
    st.reset();
  }

 private:
  std::string number_;  // the number literal so far, when a buffer boundary splits it
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bj::parse_options ReaderOptions(const Limits& limits, size_t extra_depth) {
  bj::parse_options opt;
  opt.max_depth = limits.max_depth + extra_depth;
  opt.allow_invalid_utf8 = true;  // Go accepts it and decodes the bad bytes as U+FFFD
  return opt;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  size_t start = 0;  // bytes before start are written; runs of plain bytes go out at once
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        ++i;
        continue;
      }
      out->append(s.substr(start, i - start));
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:  // other control bytes and <, >, & as Go 1.19 writes them
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
      }
      start = ++i;
      continue;
    }
    auto [r, w] = DecodeRune(s, i);
    if (r < 0 || r == 0x2028 || r == 0x2029) {
      out->append(s.substr(start, i - start));
      out->append(r < 0 ? "\\ufffd" : r == 0x2028 ? "\\u2028" : "\\u2029");
      start = i + w;
    }
    i += w;
  }
  out->append(s.substr(start));
  out->push_back('"');
}

void AppendCompactJson(std::string_view text, std::string* out) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      if (IsSpace(c)) continue;
      if (c == '"') in_string = true;
      out->push_back(c);
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      out->push_back(c);
      out->push_back(text[++i]);
    } else if (c == '"') {
      in_string = false;
      out->push_back(c);
    } else if (c == '<' || c == '>' || c == '&') {
      out->append("\\u00");
      out->push_back(kHex[static_cast<uint8_t>(c) >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else if (text.compare(i, 3, "\xE2\x80\xA8") == 0 || text.compare(i, 3, "\xE2\x80\xA9") == 0) {
      out->append(text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
      i += 2;
    } else {
      out->push_back(c);
    }
  }
}

Error AppendJson(ConstValue v, std::string* out, size_t max_depth) {
  if (v.object == nullptr || v.type == nullptr) {
    out->append("null");
    return {};
  }
  try {
    return Encoder(out, max_depth).Encode(v.type, v.object, 0);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
  }
}

Error DecodeJson(const boost::json::value& json, Value v) {
  if (v.object == nullptr || v.type == nullptr) return {};
  try {
    return Decoder().Decode(json, v.type, v.object);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
  }
}

struct JsonReader::Impl {
  Impl(const Limits& l, size_t extra_depth) : limits(l), parser(ReaderOptions(l, extra_depth)) {
    parser.handler().Reset();
  }
  void Restart() {
    parser.reset();
    parser.handler().Reset();
    fed = 0;
  }

  Limits limits;
  bj::basic_parser<ExactHandler> parser;
  size_t fed = 0;  // bytes of the current message already given to the parser
};

JsonReader::JsonReader(const Limits& limits, size_t extra_depth)
    : impl_(std::make_unique<Impl>(limits, extra_depth)) {}
JsonReader::~JsonReader() = default;

ReadResult JsonReader::Read(std::string_view in, boost::json::value* out, std::string_view* text) {
  Impl& m = *impl_;
  ReadResult result;
  try {
    if (in.size() < m.fed) m.Restart();  // not the buffer we saw last time
    if (m.fed == 0) {
      // Reject anything but an object at once, instead of waiting for the end of a number.
      size_t i = 0;
      while (i < in.size() && IsSpace(in[i])) ++i;
      if (i == in.size()) return result;
      if (in[i] != '{') {
        std::string shown =
            static_cast<uint8_t>(in[i]) >= 0x20 && static_cast<uint8_t>(in[i]) < 0x7F
                ? std::string(1, in[i])
                : "\\x" + std::string(1, kHex[static_cast<uint8_t>(in[i]) >> 4]) +
                      kHex[in[i] & 0xF];
        result.error = Error(ErrorCode::kProtocol,
                             "jsonrpc: message is not a JSON object (starts with '" + shown + "')");
        return result;
      }
    }
    const size_t end = std::min(in.size(), m.limits.max_message_bytes);
    if (end > m.fed) {
      bj::error_code ec;
      m.fed += m.parser.write_some(true, in.data() + m.fed, end - m.fed, ec);
      if (ec) {
        if (ec == bj::error::too_deep) {
          result.error = Error(ErrorCode::kTooLarge, "jsonrpc: JSON nested deeper than " +
                                                         std::to_string(m.limits.max_depth));
        } else {
          result.error = Error(ErrorCode::kProtocol, "jsonrpc: " + ec.message());
        }
        m.Restart();
        return result;
      }
    }
    if (!m.parser.done()) {
      if (m.fed >= m.limits.max_message_bytes) {
        result.error =
            Error(ErrorCode::kTooLarge, "jsonrpc: message larger than " +
                                            std::to_string(m.limits.max_message_bytes) + " bytes");
        m.Restart();
      }
      return result;  // NeedMore
    }
    *out = m.parser.handler().st.release();
    *text = in.substr(0, m.fed);
    size_t consumed = m.fed;
    while (consumed < in.size() && IsSpace(in[consumed])) ++consumed;
    m.Restart();
    result.consumed = consumed;
    return result;
  } catch (const std::exception& e) {
    m.Restart();
    result.consumed = 0;
    result.error = Error(ErrorCode::kProtocol, std::string("jsonrpc: ") + e.what());
    return result;
  }
}

}  // namespace netrpc::codec
