// etcd_gateway.h: requests to etcd v3's JSON gateway (etcd 3.4: POST /v3/..., keys and values
// base64, 64-bit numbers as strings), shared by EtcdDiscovery and EtcdRegistration.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "netrpc/error.h"
#include "netrpc/etcd.h"

namespace netrpc::xclient {

// EtcdGateway sends requests to the first of options.endpoints that answers and stays there
// until it fails. Safe from any thread.
class EtcdGateway {
 public:
  explicit EtcdGateway(EtcdOptions options);
  // Check reports bad options (no URL, a URL that is not http://host:port) as kUsage.
  Error Check() const;
  const EtcdOptions& options() const { return options_; }

  // Call POSTs body to path ("/v3/kv/range") and returns the answer's JSON object. A URL that
  // cannot be reached (kConnect, kTimeout, kIo) passes the request to the next; the error is
  // the last URL's. Errors name the URL: "etcd http://127.0.0.1:2379/v3/kv/range: Connection
  // refused"; an answer that is not a JSON object, or a gateway error ({"error","message",
  // "code"} or, on stream endpoints, {"error":{...}}), is kProtocol.
  boost::asio::awaitable<Result<boost::json::object>> Call(std::string path,
                                                           boost::json::object body);
  // CallSync is Call on an io_context of its own, on the caller's thread.
  Result<boost::json::object> CallSync(std::string path, boost::json::object body);

  // Url is the URL requests go to now.
  std::string Url() const;
  // Rotate moves to the next URL; the watch uses it when its stream fails.
  void Rotate();

 private:
  EtcdOptions options_;
  std::atomic<size_t> current_{0};
};

// AtUrl renames an HttpRequest or HttpLineStream error ("etcd host:port: why") after the URL
// it was for ("etcd http://host:port/v3/watch: why"), keeping its code.
Error AtUrl(const Error& err, std::string_view url);

// GatewayError turns an answer that carries "error" into an Error naming where; ok otherwise.
Error GatewayError(const boost::json::object& answer, std::string_view where);

std::string Base64Encode(std::string_view bytes);
// Base64Decode: kProtocol for anything but standard, padded base64.
Result<std::string> Base64Decode(std::string_view text);

// Int64Field reads a 64-bit field that the gateway writes as a string ("123") or a number;
// absent is 0 (proto3 leaves zeros out). kProtocol for anything else.
Result<int64_t> Int64Field(const boost::json::object& object, std::string_view name);

// PrefixRangeEnd is the range_end covering every key that starts with prefix (etcd's
// clientv3.GetPrefixRangeEnd): prefix with its last byte below 0xff incremented, the rest cut;
// "\0" (every key) if there is none.
std::string PrefixRangeEnd(std::string_view prefix);

}  // namespace netrpc::xclient
