// etcd_value.cc: the endpoint JSON stored per server in etcd. Boost.JSON parses it; this checks
// each field's type so that a stranger's value under the prefix is refused, not misread.
#include "xclient/etcd_value.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>

namespace netrpc::xclient {

namespace json = boost::json;

std::string EncodeEndpointValue(const Endpoint& endpoint) {
  json::object metadata;
  for (const auto& [k, v] : endpoint.metadata) metadata[k] = v;
  json::object value;
  value["address"] = endpoint.address;
  value["weight"] = endpoint.weight;
  value["metadata"] = std::move(metadata);
  return json::serialize(value);
}

Result<Endpoint> DecodeEndpointValue(std::string_view key_address, std::string_view value) {
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kProtocol,
                 "etcd: value of \"" + std::string(key_address) + "\": " + why);
  };
  Endpoint out{std::string(key_address)};
  if (!value.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(value, ec);
    if (ec) return bad("not JSON (" + ec.message() + ")");
    if (!parsed.is_object()) return bad("not a JSON object");
    const json::object& object = parsed.get_object();
    if (const json::value* address = object.if_contains("address")) {
      if (!address->is_string()) return bad("\"address\" is not a string");
      out.address = std::string(address->get_string());
    }
    if (const json::value* weight = object.if_contains("weight")) {
      auto w = weight->to_number<int64_t>(ec);
      if (ec || w < 0 || w > std::numeric_limits<uint32_t>::max()) {
        return bad("\"weight\" is not an integer in [0, 2^32)");
      }
      out.weight = static_cast<uint32_t>(w);
    }
    if (const json::value* metadata = object.if_contains("metadata")) {
      if (!metadata->is_object()) return bad("\"metadata\" is not an object");
      for (const auto& [k, v] : metadata->get_object()) {
        if (!v.is_string()) return bad("metadata \"" + std::string(k) + "\" is not a string");
        out.metadata[std::string(k)] = std::string(v.get_string());
      }
    }
  }
  if (auto parsed = ParseEndpoint(out.address); !parsed.ok()) return bad(parsed.error().message());
  return out;
}

}  // namespace netrpc::xclient
