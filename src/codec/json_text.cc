// json_text.cc: Go's UTF-8, base64 and number spellings for the JSON codec, apart from the
// encoder and decoder because both must agree with Go, and each other, byte for byte.
#include "codec/json_text.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace netrpc::codec::json {
namespace {

namespace bj = boost::json;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

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

Error DecodeBase64(std::string_view s, std::vector<uint8_t>* out) {
  auto corrupt = [](size_t at) {
    return Error(ErrorCode::kCodec, "illegal base64 data at input byte " + std::to_string(at));
  };
  auto sextet = [](char c) -> int {
    const char* pos = c == '\0' ? nullptr : std::strchr(kBase64, c);
    return pos == nullptr ? -1 : static_cast<int>(pos - kBase64);
  };
  auto skip_newlines = [&](size_t i) {
    while (i < s.size() && (s[i] == '\n' || s[i] == '\r')) ++i;
    return i;
  };
  out->clear();
  out->reserve(s.size() / 4 * 3);
  // A port of Go 1.19's decodeQuantum, so that each error names the offset Go names.
  size_t si = 0;
  for (;;) {
    uint32_t acc = 0;
    int dlen = 4;
    for (int j = 0; j < 4; ++j) {
      if (si == s.size()) {
        if (j == 0) return {};
        return corrupt(si - j);
      }
      const char in = s[si++];
      const int v = sextet(in);
      if (v >= 0) {
        acc |= static_cast<uint32_t>(v) << (18 - 6 * j);
        continue;
      }
      if (in == '\n' || in == '\r') {
        --j;
        continue;
      }
      if (in != '=' || j < 2) return corrupt(si - 1);
      if (j == 2) {  // "==" is expected, the first '=' is consumed
        si = skip_newlines(si);
        if (si == s.size()) return corrupt(s.size());
        if (s[si] != '=') return corrupt(si - 1);
        ++si;
      }
      si = skip_newlines(si);
      if (si < s.size()) return corrupt(si);  // trailing garbage
      dlen = j;
      break;
    }
    out->push_back(static_cast<uint8_t>(acc >> 16));
    if (dlen > 2) out->push_back(static_cast<uint8_t>(acc >> 8));
    if (dlen > 3) out->push_back(static_cast<uint8_t>(acc));
    if (dlen < 4) return {};
  }
}

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

template Error AppendFloat<float>(float f, std::string* out);
template Error AppendFloat<double>(double f, std::string* out);

template <class F>
bool ParseLiteral(std::string_view literal, F* out) {
  const char* end = literal.data() + literal.size();
  auto r = std::from_chars(literal.data(), end, *out);
  if (r.ec == std::errc()) return true;
  if (r.ec != std::errc::result_out_of_range) return false;  // the reader passed only JSON numbers
  // Out of range either way: the decimal exponent of the first significant digit tells
  // overflow (Go's ErrRange) from underflow (Go's zero, keeping the sign).
  const bool negative = literal[0] == '-';
  const size_t point = literal.find('.');
  const size_t mantissa_end = std::min(literal.find_first_of("eE"), literal.size());
  const size_t int_end = std::min(point, mantissa_end);
  // The value lies in [10^(magnitude-1), 10^magnitude) before the exponent is applied.
  long magnitude = 0;
  size_t k = negative ? 1 : 0;
  while (k < int_end && literal[k] == '0') ++k;
  if (k < int_end) {
    magnitude = static_cast<long>(int_end - k);
  } else if (point != std::string_view::npos) {
    size_t f = point + 1;
    while (f < mantissa_end && literal[f] == '0') ++f;
    magnitude = -static_cast<long>(f - point - 1);
  }
  long exponent = 0;
  if (mantissa_end < literal.size()) {
    const char* b = literal.data() + mantissa_end + 1;
    if (*b == '+') ++b;
    if (std::from_chars(b, end, exponent).ec == std::errc::result_out_of_range) {
      exponent = *b == '-' ? -1000000 : 1000000;
    }
  }
  if (magnitude + exponent > 0) return false;
  *out = negative ? -F(0) : F(0);
  return true;
}

template bool ParseLiteral<float>(std::string_view literal, float* out);
template bool ParseLiteral<double>(std::string_view literal, double* out);

std::string NumberText(const bj::value& j) {
  std::string s;
  if (std::string_view literal = NumberLiteral(j); !literal.empty()) {
    s.assign(literal);
  } else if (j.is_int64()) {
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
      return NumberLiteral(j).empty() ? "string" : "number";
    case bj::kind::array:
      return "array";
    case bj::kind::object:
      return "object";
  }
  return "value";
}

}  // namespace netrpc::codec::json
