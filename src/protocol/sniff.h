// sniff.h: picks a connection's protocol from its first bytes, without consuming them.
// One listening port serves native, Go gob, JSON-RPC, GeeRPC's Option and HTTP this way.
#pragma once

#include <string_view>

namespace netrpc::protocol {

enum class Detected {
  kNeedMore,     // the bytes so far are a prefix of more than one protocol
  kNative,       // netrpc's preamble
  kGob,          // Go's net/rpc default: a gob stream
  kJsonRpc,      // Go's net/rpc/jsonrpc: JSON whose first known key is method, params or id
  kGeeOption,    // GeeRPC: a JSON Option whose first known key is one of the Option's fields
                 // (MagicNumber, CodecType, ConnectTimeout, HandleTimeout), any case or order
  kHttpConnect,  // CONNECT /_goRPC_ (Go's HandleHTTP)
  kHttp,         // any other HTTP request (debug page, health)
};

// kMaxSniffBytes bounds Sniff's look-ahead: only JSON can take long to decide. A JSON object
// whose first known key has not begun within it goes to JSON-RPC; a connection that has sent
// only whitespace by then is refused.
inline constexpr size_t kMaxSniffBytes = 1024;

Detected Sniff(std::string_view first_bytes);

// TlsStart is whether a connection opens with TLS, decided before Sniff on a TLS port.
enum class TlsStart {
  kNeedMore,     // fewer than kTlsSniffBytes bytes, all a ClientHello's
  kClientHello,  // a handshake record (0x16) of TLS 1.0 to 1.3's record versions (0x03 0x01..04,
                 // or SSL 3.0's 0x03 0x00, which OpenSSL then refuses with a reason)
  kNotTls,       // anything else: no protocol Sniff knows starts with 0x16
};
inline constexpr size_t kTlsSniffBytes = 3;
TlsStart SniffTls(std::string_view first_bytes);

}  // namespace netrpc::protocol
