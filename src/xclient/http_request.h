// http_request.h: one blocking HTTP/1.1 request with a deadline, for talking to a registry
// (GET the servers, POST a heartbeat). Beast does the HTTP; this only bounds it in time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/error.h"

namespace netrpc::xclient {

struct HttpAnswer {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> header;
  std::string Header(std::string_view name) const;  // the first value, "" if none
};

// HttpRequest sends method to url ("http://host:port/path"; only http) with the extra
// header fields and reads the answer's head (up to 1 MiB) and up to 64 KiB of body. Errors: kUsage
// for a bad url, kConnect when unreachable, kTimeout past timeout, kProtocol for a bad answer.
Result<HttpAnswer> HttpRequest(std::string_view method, std::string_view url,
                               const std::vector<std::pair<std::string, std::string>>& header,
                               std::chrono::milliseconds timeout);

}  // namespace netrpc::xclient
