// json_text.h: the byte-level spellings both halves of the JSON codec share: Go's UTF-8, base64
// and number formats, and integers at a TypeInfo's width. Internal to src/codec's json_*.cc.
#pragma once

#include <boost/json/value.hpp>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/error.h"

namespace netrpc::codec::json {

inline constexpr char kHex[] = "0123456789abcdef";

// IsSpace is JSON's insignificant whitespace; nothing else may separate tokens.
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// DecodeRune is Go's utf8.DecodeRune: any invalid or overlong sequence, surrogate or value over
// U+10FFFF decodes as one invalid byte (rune -1, width 1), so output matches Go byte for byte.
std::pair<int32_t, size_t> DecodeRune(std::string_view s, size_t i);

// AssignValidUtf8 replaces each invalid byte with U+FFFD, as Go's decoder does for strings.
void AssignValidUtf8(std::string_view s, std::string* out);

bool IsValidUtf8(std::string_view s);

// AppendBase64 is Go's base64.StdEncoding.Encode, with padding.
void AppendBase64(const uint8_t* p, size_t n, std::string* out);

// DecodeBase64 is Go's base64.StdEncoding.Decode: padding required, \r and \n skipped, and the
// error names the offending byte offset as Go's CorruptInputError does.
Error DecodeBase64(std::string_view s, std::vector<uint8_t>* out);

// Integer fields are read and written through codec/integers.h.

template <class T>
void AppendInteger(T v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// AppendFloat is Go's floatEncoder: shortest round-trip digits, %f between 1e-6 and 1e21 and
// %e outside, with Go's exponent spelling (e+21, e-7). json_text.cc instantiates it for float
// and double, the only widths a TypeInfo has.
template <class F>
Error AppendFloat(F f, std::string* out);

// Number literals. A JsonReader made with Numbers::kLiterals keeps a number that is not a plain
// integer (a fraction, an exponent, beyond 64 bits) as its text, in a string value starting with
// kNumberMark: Go quotes such a number as written ("cannot unmarshal number 1.0") and parses a
// float from the text at the field's own width. No string read from JSON starts with the mark,
// since that reader turns a leading invalid byte into U+FFFD, as decoding a string would anyway.
inline constexpr char kNumberMark = '\xFF';

// NumberLiteral is the text of a kept literal, or empty when j is not one.
inline std::string_view NumberLiteral(const boost::json::value& j) {
  if (!j.is_string()) return {};
  std::string_view s = j.get_string();
  if (s.empty() || s[0] != kNumberMark) return {};
  return s.substr(1);
}
inline bool IsNumber(const boost::json::value& j) {
  return j.is_number() || !NumberLiteral(j).empty();
}
inline bool IsString(const boost::json::value& j) {
  return j.is_string() && NumberLiteral(j).empty();
}

// ParseLiteral converts a kept literal at the width of F as Go's ParseFloat(s, 32 or 64) does:
// one rounding from the decimal text, false on overflow (Go's ErrRange), underflow to zero.
template <class F>
bool ParseLiteral(std::string_view literal, F* out);

// NumberText spells a number for Go's "cannot unmarshal number X" messages: a kept literal as
// written, a parsed one in its shortest form.
std::string NumberText(const boost::json::value& j);

// JsonKindWord is how Go's UnmarshalTypeError names the JSON side of a mismatch.
const char* JsonKindWord(const boost::json::value& j);

}  // namespace netrpc::codec::json
