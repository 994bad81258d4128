// gee_option.cc: reading and writing GeeRPC's Option. Later GeeRPC versions add fields
// (ConnectTimeout, HandleTimeout); they are ignored here, as Go's JSON decoder ignores them.
#include "protocol/gee_option.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace netrpc::protocol {
namespace {

codec::Limits OptionLimits() {
  codec::Limits l;
  l.max_message_bytes = 4096;  // an Option is a few dozen bytes
  l.max_depth = 4;
  return l;
}

}  // namespace

GeeOptionReader::GeeOptionReader() : limits_(OptionLimits()), reader_(limits_, 0) {}

ReadResult GeeOptionReader::Read(std::string_view in, GeeOption* option) {
  boost::json::value json;
  std::string_view text;
  ReadResult r = reader_.Read(in, &json, &text);
  if (r.consumed == 0) return r;
  const boost::json::object& obj = json.as_object();  // JsonReader only returns objects
  const boost::json::value* magic = obj.if_contains("MagicNumber");
  const boost::json::value* type = obj.if_contains("CodecType");
  if (magic == nullptr || !magic->is_number()) {
    return {0, Error(ErrorCode::kProtocol, "geerpc: option without a MagicNumber")};
  }
  boost::system::error_code ec;
  option->magic_number = magic->to_number<int64_t>(ec);
  if (ec || option->magic_number != kGeeMagicNumber) {
    return {0, Error(ErrorCode::kProtocol, "geerpc: invalid magic number " +
                                               boost::json::serialize(*magic) + ", want " +
                                               std::to_string(kGeeMagicNumber))};
  }
  option->codec_type = type != nullptr && type->is_string() ? std::string(type->as_string()) : "";
  if (option->codec_type != kGeeGob && option->codec_type != kGeeJson) {
    return {0, Error(ErrorCode::kProtocol,
                     "geerpc: invalid codec type \"" + option->codec_type + "\"")};
  }
  return r;
}

std::string GeeOptionJson(std::string_view codec_type) {
  return "{\"MagicNumber\":" + std::to_string(kGeeMagicNumber) + ",\"CodecType\":\"" +
         std::string(codec_type) + "\"}\n";
}

}  // namespace netrpc::protocol
