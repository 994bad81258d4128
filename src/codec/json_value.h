// json_value.h: Go's encoding/json for described values, and a reader that cuts one JSON text
// out of a byte stream. The jsonrpc codec uses both; an HTTP/registry layer may reuse them.
// They live in json_encode.cc, json_decode.cc and json_reader.cc; the UTF-8, base64 and number
// helpers the three share are in json_text.h, which is internal to src/codec.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "codec/codec.h"
#include "netrpc/describe.h"
#include "netrpc/error.h"

namespace netrpc::codec {

// AppendJson appends v as Go's json.Encoder writes it, without the trailing newline: HTML
// characters escaped, invalid UTF-8 as \ufffd, map keys sorted as strings, []byte as padded
// base64. An empty vector, map or Bytes is Go's non-nil empty ([], {}, "") when it is v itself,
// as Go's server makes a reply, and Go's nil (null) inside a struct or container, as a Go
// struct's unset fields are; an absent optional is null. NaN and infinities fail as in Go
// ("json: unsupported value: NaN"), nesting deeper than max_depth fails with kTooLarge; on
// error out may hold a partial value, so callers that promise atomic output truncate it.
Error AppendJson(ConstValue v, std::string* out, size_t max_depth);

// AppendJsonString appends s quoted and escaped exactly as Go's encoder does.
void AppendJsonString(std::string_view s, std::string* out);

// AppendCompactJson appends valid JSON text with insignificant whitespace removed and <, >, &,
// U+2028, U+2029 escaped inside strings: Go's json.Compact with HTML escaping, which is what
// Go's encoder does to a json.RawMessage.
void AppendCompactJson(std::string_view text, std::string* out);

// FieldNameMatches is Go's decoder rule for a key that is not exactly a field's name:
// ASCII case-insensitive, with the Kelvin sign matching k and the long s matching s.
bool FieldNameMatches(std::string_view key, std::string_view name);

// DecodeJson stores json into v as Go's json.Unmarshal would into a zero value: struct keys
// match field names exactly first, then case-insensitively; unknown keys are ignored; null
// leaves scalars alone and empties slices, maps and optionals. A type mismatch or an integer
// out of range fails with kCodec and Go's UnmarshalTypeError text, naming the C++ type ("json:
// cannot unmarshal string into C++ value of type int32_t"). v is not reset first; the recursion is
// as deep as json, so callers bound json's depth when they parse it (JsonReader does).
Error DecodeJson(const boost::json::value& json, Value v);

// JsonReader finds the JSON object at the start of a stream and parses it into a
// boost::json::value. Unlike boost::json::parse in Boost 1.81 it converts floating-point
// literals exactly (std::from_chars), so doubles written by Go round-trip bit for bit.
class JsonReader {
 public:
  // Numbers says how a number that is not a plain integer is stored: kParsed as a double,
  // converted exactly; kLiterals as its text (json_text.h, NumberLiteral), which DecodeJson
  // quotes in errors as Go does and converts at the destination's width, as Go's ParseFloat.
  enum class Numbers { kParsed, kLiterals };

  // The depth bound is limits.max_depth plus extra_depth, for envelopes around the values.
  JsonReader(const Limits& limits, size_t extra_depth, Numbers numbers = Numbers::kParsed);
  ~JsonReader();
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // Read parses the object at the start of in. On success *out holds it, *text its bytes
  // (leading whitespace included), and consumed counts the text plus any whitespace after it.
  // When the object is incomplete it returns NeedMore and keeps its progress: the next call
  // must pass the same bytes with more appended (a shorter buffer restarts the parse). A
  // message over limits.max_message_bytes or nested too deep fails with kTooLarge; bad JSON or
  // a text that is not an object fails with kProtocol and a message starting "jsonrpc: ".
  ReadResult Read(std::string_view in, boost::json::value* out, std::string_view* text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace netrpc::codec
