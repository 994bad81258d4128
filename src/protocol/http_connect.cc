// http_connect.cc: the HTTP heads net/rpc's HTTP transport exchanges, parsed and written by
// hand: the exchange is two short heads, and Go's bare-LF request is not strict HTTP. A request
// is then checked as Go's http.Server checks it, so that a head Go refuses is refused alike.
#include "protocol/http_connect.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <vector>

#include "types/hex.h"

namespace netrpc::protocol {

ReadResult ParseHttpHead(std::string_view in, HttpHead* head) {
  size_t end = std::string_view::npos, after = 0;
  for (size_t i = 0; i < in.size(); ++i) {  // the first empty line ends the head
    if (in[i] != '\n') continue;
    if (i + 1 < in.size() && in[i + 1] == '\n') {
      end = i;
      after = i + 2;
      break;
    }
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      end = i;
      after = i + 3;
      break;
    }
  }
  // The limit applies to the head however it arrives, complete or in pieces.
  if ((end == std::string_view::npos ? in.size() : after) > kMaxHttpHeadBytes) {
    return {0, Error(ErrorCode::kTooLarge,
                     "http: head over " + std::to_string(kMaxHttpHeadBytes) + " bytes")};
  }
  if (end == std::string_view::npos) return {};
  std::string_view line = in.substr(0, std::min(in.find('\n'), end));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) {
    return {0, Error(ErrorCode::kProtocol, "http: malformed first line")};
  }
  head->first_line.assign(line);
  head->method.assign(line.substr(0, sp1));
  std::string_view rest = line.substr(sp1 + 1);
  // A request's target ends at the next space (before the version); a status runs to the end.
  if (line.substr(0, 5) != "HTTP/") rest = rest.substr(0, rest.find(' '));
  head->target.assign(rest);
  return {after, {}};
}

std::string WithCrlf(std::string_view head) {
  std::string out;
  out.reserve(head.size() + 16);
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) out += '\r';
    out += head[i];
  }
  return out;
}

namespace {

// Go's http.Server answers a request it cannot read with these headers and no Date.
constexpr std::string_view kRefusalHeaders =
    "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";

std::string Refusal(std::string_view status_and_text) {  // "400 Bad Request[: why]"
  return "HTTP/1.1 " + std::string(status_and_text) + std::string(kRefusalHeaders) +
         std::string(status_and_text);
}

bool IsTokenByte(char c) {  // RFC 7230 tchar, as httpguts.IsTokenRune
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenByte(c)) return false;
  }
  return true;
}

bool IsCtl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

std::string_view TrimSpace(std::string_view s) {  // textproto's trim: ASCII space, both ends
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// ParseVersion is Go 1.19's http.ParseHTTPVersion: "HTTP/1.0", "HTTP/1.1" or "HTTP/d.d".
bool ParseVersion(std::string_view v, int* major, int* minor) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return false;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return false;
  *major = v[5] - '0';
  *minor = v[7] - '0';
  return true;
}

bool ValidHost(std::string_view host) {  // httpguts.ValidHostHeader
  for (char c : host) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!$%&'()*+,-.:;=[]_~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

// RequestPath is URL.Path of Go's url.ParseRequestURI (with "http://" before a CONNECT's
// host:port, as http.ReadRequest does); false where Go fails to parse.
bool RequestPath(std::string_view uri, bool connect, std::string* path) {
  for (char c : uri) {
    if (IsCtl(c)) return false;
  }
  if (uri.empty()) return false;
  if (uri == "*") {
    *path = "*";
    return true;
  }
  std::string with_scheme;
  if (connect && uri.front() != '/') {
    with_scheme = "http://" + std::string(uri);
    uri = with_scheme;
  }
  // getScheme: letters, then letters, digits, '+', '-' or '.', then ':'.
  std::string_view rest = uri;
  bool scheme = false;
  for (size_t i = 0; i < uri.size(); ++i) {
    char c = uri[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool later = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (letter || (later && i > 0)) continue;
    if (c == ':') {
      if (i == 0) return false;  // missing protocol scheme
      rest = uri.substr(i + 1);
      scheme = true;
    }
    break;
  }
  size_t q = rest.find('?');
  if (q != std::string_view::npos) rest = rest.substr(0, q);
  if (rest.empty() || rest.front() != '/') {
    if (scheme) {  // opaque: no path
      path->clear();
      return true;
    }
    return false;  // invalid URI for request
  }
  if (scheme && rest.substr(0, 2) == "//") {  // the authority goes to URL.Host
    std::string_view authority = rest.substr(2);
    size_t slash = authority.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
    authority = authority.substr(0, slash);
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) authority = authority.substr(at + 1);
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
      for (char c : authority.substr(colon + 1)) {
        if (c < '0' || c > '9') return false;  // invalid port
      }
    }
  }
  path->clear();
  for (size_t i = 0; i < rest.size(); ++i) {  // unescape(encodePath)
    if (rest[i] != '%') {
      path->push_back(rest[i]);
      continue;
    }
    if (i + 2 >= rest.size() || HexDigit(rest[i + 1]) < 0 || HexDigit(rest[i + 2]) < 0)
      return false;
    path->push_back(static_cast<char>(HexDigit(rest[i + 1]) * 16 + HexDigit(rest[i + 2])));
    i += 2;
  }
  return true;
}

HttpRequest ReadHttpRequest(std::string_view head) {
  HttpRequest req;
  // Lines as textproto reads them: each without its "\n" or "\r\n", up to the blank one.
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < head.size();) {
    size_t nl = head.find('\n', at);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    at = nl + 1;
    if (line.empty() && !lines.empty()) break;
    lines.push_back(line);
  }
  const std::string bad = Refusal("400 Bad Request");
  // The request line: method SP request-URI SP version, cut at the first two spaces.
  std::string_view line = lines.empty() ? std::string_view() : lines[0];
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    req.refusal = bad;
    return req;
  }
  req.method.assign(line.substr(0, sp1));
  std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  int major = 0;
  if (!IsToken(req.method) || !ParseVersion(line.substr(sp2 + 1), &major, &req.minor_version) ||
      !RequestPath(uri, req.method == "CONNECT", &req.path)) {
    req.refusal = bad;
    return req;
  }
  // Header lines: a line that starts with a space or tab continues the one before; the
  // first may not. Names keep their spelling unless they are tokens (canonical case then).
  std::vector<std::pair<std::string, std::string>> fields;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    bool continued = !l.empty() && (l[0] == ' ' || l[0] == '\t');
    if (continued) {
      if (i == 1 || fields.empty()) {  // nothing to continue (an empty name was skipped)
        req.refusal = bad;             // malformed MIME header initial line
        return req;
      }
      fields.back().second += ' ';
      fields.back().second += TrimSpace(l);
      continue;
    }
    l = TrimSpace(l);
    size_t colon = l.find(':');
    if (colon == std::string_view::npos) {
      req.refusal = bad;  // malformed MIME header line
      return req;
    }
    std::string name(l.substr(0, colon));
    std::string_view value = l.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    if (name.empty()) continue;  // Go skips an empty name
    if (IsToken(name)) {
      for (size_t k = 0; k < name.size(); ++k) {
        bool upper = k == 0 || name[k - 1] == '-';
        char c = name[k];
        if (upper && c >= 'a' && c <= 'z') name[k] = static_cast<char>(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') name[k] = static_cast<char>(c - 'A' + 'a');
      }
    }
    fields.emplace_back(std::move(name), std::string(value));
  }
  // http.ReadRequest's transfer checks: Transfer-Encoding (HTTP/1.1 on), then Content-Length.
  std::vector<std::string_view> te, cl, host;
  for (const auto& [name, value] : fields) {
    if (name == "Transfer-Encoding") te.push_back(value);
    if (name == "Content-Length") cl.push_back(TrimSpace(value));
    if (name == "Host") host.push_back(value);
  }
  bool at_least_11 = major > 1 || (major == 1 && req.minor_version >= 1);
  if (at_least_11 && !te.empty()) {
    std::string chunked(TrimSpace(te[0]));
    for (char& c : chunked) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (te.size() != 1 || chunked != "chunked") {
      req.refusal = "HTTP/1.1 501 Not Implemented" + std::string(kRefusalHeaders) +
                    "Unsupported transfer encoding";
      return req;
    }
  }
  for (std::string_view v : cl) {
    uint64_t n = 0;  // strconv.ParseUint(v, 10, 63)
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    bool number = ec == std::errc() && end == v.data() + v.size() && n <= (uint64_t{1} << 63) - 1;
    if (v != cl[0] || (!v.empty() && !number)) {
      req.refusal = bad;  // bad or conflicting Content-Length
      return req;
    }
  }
  // The server's checks.
  if (major != 1) {
    req.refusal = Refusal("505 HTTP Version Not Supported: unsupported protocol version");
  } else if (at_least_11 && host.empty() && req.method != "CONNECT") {
    req.refusal = Refusal("400 Bad Request: missing required Host header");
  } else if (host.size() == 1 && !ValidHost(host[0])) {
    req.refusal = Refusal("400 Bad Request: malformed Host header");
  } else {
    for (const auto& [name, value] : fields) {
      if (!IsToken(name)) {
        req.refusal = Refusal("400 Bad Request: invalid header name");
        break;
      }
      if (std::any_of(value.begin(), value.end(), [](char c) { return IsCtl(c) && c != '\t'; })) {
        req.refusal = Refusal("400 Bad Request: invalid header value");
        break;
      }
    }
  }
  return req;
}

std::string HeadTooLargeResponse() { return Refusal("431 Request Header Fields Too Large"); }

std::string ConnectRequest(std::string_view path) {
  return "CONNECT " + std::string(path) + " HTTP/1.0\n\n";
}

std::string ConnectedResponse() { return "HTTP/1.0 " + std::string(kConnected) + "\n\n"; }
std::string GeeConnectedResponse() { return "HTTP/1.0 " + std::string(kGeeConnected) + "\n\n"; }

std::string HttpErrorResponse(const HttpRequest& request, int status, std::string_view reason,
                              std::string_view body) {
  bool http10 = request.minor_version == 0;
  return std::string(http10 ? "HTTP/1.0 " : "HTTP/1.1 ") + std::to_string(status) + " " +
         std::string(reason) + "\r\nContent-Type: text/plain; charset=utf-8\r\n" +
         (status == 404 ? "X-Content-Type-Options: nosniff\r\n" : "") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n" +
         (http10 ? "" : "Connection: close\r\n") + "\r\n" + std::string(body);
}

}  // namespace netrpc::protocol
