// sniff.h: picks a connection's protocol from its first bytes, without consuming them.
// One listening port serves native, Go gob, JSON-RPC, GeeRPC's Option and HTTP this way.
#pragma once

#include <string_view>

namespace netrpc::protocol {

enum class Detected {
  kNeedMore,     // the bytes so far are a prefix of more than one protocol
  kNative,       // netrpc's preamble
  kGob,          // Go's net/rpc default: a gob stream
  kJsonRpc,      // Go's net/rpc/jsonrpc: a JSON object with "method"
  kGeeOption,    // GeeRPC: a JSON Option {"MagicNumber": ...} before the codec's stream
  kHttpConnect,  // CONNECT /_goRPC_ (Go's HandleHTTP)
  kHttp,         // any other HTTP request (debug page, health)
};

// kMaxSniffBytes bounds what a connection may send before Sniff decides (only JSON padded
// with whitespace can take long); past it the connection is refused.
inline constexpr size_t kMaxSniffBytes = 1024;

Detected Sniff(std::string_view first_bytes);

}  // namespace netrpc::protocol
