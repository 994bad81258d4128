// http_connect.h: Go's HTTP transport for net/rpc: "CONNECT /_goRPC_ HTTP/1.0", answered
// "HTTP/1.0 200 Connected to Go RPC", after which the connection is an RPC stream.
#pragma once

#include <string>
#include <string_view>

#include "codec/codec.h"

namespace netrpc::protocol {

inline constexpr std::string_view kDefaultRpcPath = "/_goRPC_";
inline constexpr std::string_view kConnected = "200 Connected to Go RPC";
inline constexpr size_t kMaxHttpHeadBytes = 16 * 1024;

struct HttpHead {
  std::string first_line;  // "CONNECT /_goRPC_ HTTP/1.0" or "HTTP/1.0 200 Connected to Go RPC"
  std::string method;      // requests: the first word; responses: the version
  std::string target;      // requests: the path; responses: the status ("200 Connected...")
};

// ParseHttpHead reads a request or response head up to its blank line, accepting CRLF or the
// bare LF Go's DialHTTP writes. NeedMore until complete; over kMaxHttpHeadBytes is an error.
ReadResult ParseHttpHead(std::string_view in, HttpHead* head);

// WithCrlf is a head with every bare LF made CRLF, for parsers that insist on CRLF (Beast)
// where Go's net/http accepts both.
std::string WithCrlf(std::string_view head);

// The bytes each side writes.
std::string ConnectRequest(std::string_view path);  // Go's DialHTTPPath
std::string ConnectedResponse();                    // Go's ServeHTTP on success
std::string HttpErrorResponse(int status, std::string_view reason, std::string_view body);

}  // namespace netrpc::protocol
