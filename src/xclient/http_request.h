// http_request.h: one HTTP/1.1 request with a deadline, for talking to a registry (GET the
// servers, POST a heartbeat) or etcd's JSON gateway. Beast does the HTTP; this bounds it in time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/error.h"

namespace netrpc::xclient {

using HttpHeader = std::vector<std::pair<std::string, std::string>>;

struct HttpAnswer {
  int status = 0;
  HttpHeader header;
  std::string body;
  std::string Header(std::string_view name) const;  // the first value, "" if none
};

// HttpRequest sends method to url ("http://host:port/path"; only http) with the extra
// header fields and body, and reads the answer's head (up to 1 MiB) and up to body_limit bytes
// of body. Errors: kUsage for a bad url, kConnect when unreachable, kTimeout past timeout,
// kProtocol for a bad answer. Messages start with who and the host:port ("registry
// 127.0.0.1:8001: Connection refused"). It runs an io_context of its own on the caller's thread.
Result<HttpAnswer> HttpRequest(std::string_view method, std::string_view url,
                               const HttpHeader& header, std::chrono::milliseconds timeout,
                               std::string_view body = {}, std::string_view who = "registry",
                               size_t body_limit = 64 * 1024);

// AsyncHttpRequest is HttpRequest for a coroutine on any executor.
boost::asio::awaitable<Result<HttpAnswer>> AsyncHttpRequest(std::string method, std::string url,
                                                            HttpHeader header,
                                                            std::chrono::milliseconds timeout,
                                                            std::string body, std::string who,
                                                            size_t body_limit);

// HttpUrl is an http:// url taken apart; ParseHttpUrl's errors are kUsage and start with who.
struct HttpUrl {
  std::string host, port, target;
};
Result<HttpUrl> ParseHttpUrl(std::string_view url, std::string_view who);

}  // namespace netrpc::xclient
