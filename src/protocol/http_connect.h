// http_connect.h: Go's HTTP transport for net/rpc: "CONNECT /_goRPC_ HTTP/1.0", answered
// "HTTP/1.0 200 Connected to Go RPC", after which the connection is an RPC stream.
#pragma once

#include <string>
#include <string_view>

#include "codec/codec.h"

namespace netrpc::protocol {

inline constexpr std::string_view kDefaultRpcPath = "/_goRPC_";
inline constexpr std::string_view kConnected = "200 Connected to Go RPC";
// GeeRPC's (geektutu/7days-golang gee-rpc, day 5 on): its client CONNECTs to "/_geeprc_" (so
// spelled in GeeRPC's source) and wants "HTTP/1.0 200 Connected to Gee RPC", then sends its
// JSON Option. kGeeRpcPathAlt is the spelling of GeeRPC's registry path, which forks use too.
inline constexpr std::string_view kGeeRpcPath = "/_geeprc_";
inline constexpr std::string_view kGeeRpcPathAlt = "/_geerpc_";
inline constexpr std::string_view kGeeConnected = "200 Connected to Gee RPC";
inline constexpr size_t kMaxHttpHeadBytes = 16 * 1024;

struct HttpHead {
  std::string first_line;  // "CONNECT /_goRPC_ HTTP/1.0" or "HTTP/1.0 200 Connected to Go RPC"
  std::string method;      // requests: the first word; responses: the version
  std::string target;      // requests: the path; responses: the status ("200 Connected...")
};

// ParseHttpHead reads a request or response head up to its blank line, accepting CRLF or the
// bare LF Go's DialHTTP writes. NeedMore until complete; over kMaxHttpHeadBytes is an error.
ReadResult ParseHttpHead(std::string_view in, HttpHead* head);

// HttpRequest is a request head as Go 1.19's http.Server reads it (http.ReadRequest, then
// the server's own checks) before any handler runs.
struct HttpRequest {
  std::string method;     // as sent: Go's methods are case-sensitive
  std::string path;       // Go's URL.Path: %-decoded, without the query; "" for CONNECT host:port
  int minor_version = 0;  // HTTP/1.x
  // refusal is Go's whole answer to a head it refuses (a malformed request line, version,
  // URL or header line; a bad Content-Length; an HTTP/1.1 Transfer-Encoding other than
  // chunked; a major version other than 1; a missing or malformed Host), e.g.
  // "HTTP/1.1 400 Bad Request\r\n...400 Bad Request"; empty when a handler gets the request.
  std::string refusal;
};

// RequestPath sets *path to what Go's url.ParseRequestURI gives as URL.Path for a request
// target: %-decoded, without the query, the path of an absolute-form target
// ("http://host/x" is "/x"); connect: a CONNECT's "host:port". False where Go fails to parse.
bool RequestPath(std::string_view uri, bool connect, std::string* path);

// ReadHttpRequest reads a complete request head (ParseHttpHead found its end).
HttpRequest ReadHttpRequest(std::string_view head);

// WithCrlf is a head with every bare LF made CRLF, for parsers that insist on CRLF (Beast)
// where Go's net/http accepts both.
std::string WithCrlf(std::string_view head);

// The bytes each side writes.
std::string ConnectRequest(std::string_view path);  // Go's DialHTTPPath
std::string ConnectedResponse();                    // Go's ServeHTTP on success
std::string GeeConnectedResponse();                 // GeeRPC's ServeHTTP on success
// HttpErrorResponse answers a request as Go's handlers do (HTTP/1.0 to HTTP/1.0), then netrpc
// closes the connection (Go keeps an HTTP/1.1 one open for the next request). Go's
// http.NotFound adds "X-Content-Type-Options: nosniff"; rpc's 405 does not.
std::string HttpErrorResponse(const HttpRequest& request, int status, std::string_view reason,
                              std::string_view body);
// HeadTooLargeResponse is Go's answer to a head over its limit (431).
std::string HeadTooLargeResponse();

}  // namespace netrpc::protocol
