// gee_option.cc: reading and writing GeeRPC's Option (day 4 on: with ConnectTimeout and
// HandleTimeout), decoded as GeeRPC's server decodes it with Go's json.Decoder.
#include "protocol/gee_option.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "protocol/json_members.h"

namespace netrpc::protocol {
namespace {

codec::Limits OptionLimits() {
  codec::Limits l;
  l.max_message_bytes = 4096;  // an Option is a few dozen bytes
  l.max_depth = 4;
  return l;
}

// JsonKind names a JSON value's kind as Go's UnmarshalTypeError does.
std::string JsonKind(std::string_view value) {
  switch (value[0]) {
    case '"':
      return "string";
    case '{':
      return "object";
    case '[':
      return "array";
    case 't':
    case 'f':
      return "bool";
    default:
      return "number";
  }
}

// TypeError is Go's json.UnmarshalTypeError text for a field of GeeRPC's Option.
Error TypeError(std::string_view value, std::string_view field, std::string_view go_type) {
  return Error(ErrorCode::kProtocol, "geerpc: option: json: cannot unmarshal " +
                                         std::string(value) + " into Go struct field Option." +
                                         std::string(field) + " of type " + std::string(go_type));
}

}  // namespace

GeeOptionReader::GeeOptionReader() : limits_(OptionLimits()), reader_(limits_, 0) {}

ReadResult GeeOptionReader::Read(std::string_view in, GeeOption* option) {
  boost::json::value json;
  std::string_view text;
  ReadResult r = reader_.Read(in, &json, &text);
  if (r.consumed == 0) return r;
  // The text is valid JSON now; decode its members in order as Go's json.Decoder fills
  // GeeRPC's Option: keys in any case, the last of duplicates wins, null leaves a field as it
  // is, and the first value of the wrong type fails the whole Option.
  GeeOption got;
  Error type_err;
  auto int_field = [&](const JsonMember& m, std::string_view field, std::string_view go_type,
                       int64_t* out) {
    std::string_view v = m.value;
    if (v == "null") return;
    bool number = v[0] == '-' || (v[0] >= '0' && v[0] <= '9');
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (number && ec == std::errc() && end == v.data() + v.size()) {  // strconv.ParseInt
      *out = n;
      return;
    }
    if (!type_err)
      type_err = TypeError(number ? "number " + std::string(v) : JsonKind(v), field, go_type);
  };
  auto string_field = [&](const JsonMember& m, std::string_view field, std::string* out) {
    if (m.value == "null") return;
    if (m.value[0] == '"') {
      // Boost refuses a string that is not UTF-8, which Go reads with U+FFFD in it: either
      // way no codec type matches, so the raw text stands in and is refused as unknown.
      boost::system::error_code ec;
      boost::json::value parsed = boost::json::parse(m.value, ec);
      *out = !ec && parsed.is_string() ? std::string(parsed.as_string()) : std::string(m.value);
      return;
    }
    if (!type_err) type_err = TypeError(JsonKind(m.value), field, "codec.Type");
  };
  WalkJsonObject(text, [&](const JsonMember& m) {
    if (GoKeyIs(m.folded_key, "MagicNumber")) {
      int_field(m, "MagicNumber", "int", &got.magic_number);
    } else if (GoKeyIs(m.folded_key, "CodecType")) {
      string_field(m, "CodecType", &got.codec_type);
    } else if (GoKeyIs(m.folded_key, "ConnectTimeout")) {
      int_field(m, "ConnectTimeout", "time.Duration", &got.connect_timeout_ns);
    } else if (GoKeyIs(m.folded_key, "HandleTimeout")) {
      int_field(m, "HandleTimeout", "time.Duration", &got.handle_timeout_ns);
    }
    return true;
  });
  if (type_err) return {0, type_err};
  if (got.magic_number != kGeeMagicNumber) {
    return {0, Error(ErrorCode::kProtocol, "geerpc: invalid magic number " +
                                               std::to_string(got.magic_number) + ", want " +
                                               std::to_string(kGeeMagicNumber))};
  }
  if (got.codec_type != kGeeGob && got.codec_type != kGeeJson) {
    return {0,
            Error(ErrorCode::kProtocol, "geerpc: invalid codec type \"" + got.codec_type + "\"")};
  }
  *option = std::move(got);
  return r;
}

size_t SkipGeeSeparator(std::string_view in) {
  size_t n = 0;
  while (n < in.size() && (in[n] == ' ' || in[n] == '\t' || in[n] == '\r' || in[n] == '\n')) ++n;
  return n;
}

std::string GeeOptionJson(std::string_view codec_type, int64_t connect_timeout_ns,
                          int64_t handle_timeout_ns) {
  return "{\"MagicNumber\":" + std::to_string(kGeeMagicNumber) + ",\"CodecType\":\"" +
         std::string(codec_type) + "\",\"ConnectTimeout\":" + std::to_string(connect_timeout_ns) +
         ",\"HandleTimeout\":" + std::to_string(handle_timeout_ns) + "}\n";
}

}  // namespace netrpc::protocol
