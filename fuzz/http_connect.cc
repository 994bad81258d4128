// http_connect: bytes of an HTTP head (Go's "CONNECT /_goRPC_ HTTP/1.0\n\n" or the
// "HTTP/1.0 200 Connected to Go RPC\n\n" answer) through protocol::ParseHttpHead.
// Checks: no crash/leak/UB; the NeedMore contract: on a prefix (split at an input-chosen
// point) the parser returns NeedMore or exactly the result it returns on the whole input;
// a parsed head has a non-empty method and a first line without a newline; the heads netrpc
// writes itself parse back.
#include "protocol/http_connect.h"

#include <cstring>
#include <memory>

using namespace netrpc;
using namespace netrpc::protocol;

namespace {

size_t SplitPoint(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return size == 0 ? 0 : static_cast<size_t>(h % (size + 1));
}

bool SameHead(const HttpHead& a, const HttpHead& b) {
  return a.first_line == b.first_line && a.method == b.method && a.target == b.target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool self_check = [] {
    HttpHead h;
    std::string req = ConnectRequest(kDefaultRpcPath);
    netrpc::ReadResult r = ParseHttpHead(req, &h);
    if (r.error || r.consumed != req.size() || h.method != "CONNECT" || h.target != kDefaultRpcPath)
      __builtin_trap();
    std::string resp = ConnectedResponse();
    r = ParseHttpHead(resp, &h);
    if (r.error || r.consumed != resp.size() || h.target != kConnected) __builtin_trap();
    return true;
  }();
  (void)self_check;

  std::string_view in(reinterpret_cast<const char*>(data), size);
  HttpHead whole;
  netrpc::ReadResult rw = ParseHttpHead(in, &whole);
  if (rw.consumed > size) __builtin_trap();
  if (rw.consumed != 0) {
    if (whole.method.empty() || whole.first_line.find('\n') != std::string::npos) __builtin_trap();
    HttpRequest request = ReadHttpRequest(in.substr(0, rw.consumed));  // Go's checks: no UB
    if (request.refusal.empty() && request.method.empty()) __builtin_trap();
  }
  size_t split = SplitPoint(data, size);
  std::unique_ptr<char[]> first(new char[split == 0 ? 1 : split]);
  if (split) std::memcpy(first.get(), data, split);
  HttpHead part;
  netrpc::ReadResult rp = ParseHttpHead(std::string_view(first.get(), split), &part);
  if (!rp.NeedMore()) {
    if (rp.consumed != rw.consumed || !(rp.error == rw.error)) __builtin_trap();
    if (rp.consumed != 0 && !SameHead(part, whole)) __builtin_trap();
  }
  return 0;
}
