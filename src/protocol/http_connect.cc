// http_connect.cc: the HTTP heads net/rpc's HTTP transport exchanges, parsed and written by
// hand: the exchange is two short heads, and Go's bare-LF request is not strict HTTP.
#include "protocol/http_connect.h"

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

std::string ConnectRequest(std::string_view path) {
  return "CONNECT " + std::string(path) + " HTTP/1.0\n\n";
}

std::string ConnectedResponse() { return "HTTP/1.0 " + std::string(kConnected) + "\n\n"; }

std::string HttpErrorResponse(int status, std::string_view reason, std::string_view body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
}

}  // namespace netrpc::protocol
