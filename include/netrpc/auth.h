// auth.h: the server's authentication hook (ServerOptions::auth) and what it is asked: a new
// connection, one call, or one HTTP request on the port. Its own header, as peer.h; no Asio.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/error.h"
#include "netrpc/peer.h"

namespace netrpc {

struct HttpRequest;  // netrpc/netrpc.h

// AuthPhase is what the hook is asked to admit.
enum class AuthPhase : uint8_t {
  // A new connection, after its TLS handshake and before its first byte is read (the protocol
  // is not known yet). Refused: the connection is closed, with a log line saying why.
  kConnection,
  // One call, after its header and before its body is decoded or its method looked up.
  // Refused: answered with the hook's message as the error (Go's client: rpc.ServerError),
  // its body skipped, and the connection carries on.
  kCall,
  // One HTTP request on the port: the debug page, Server::HandleFunc handlers (the registry's
  // GET and POST among them), their redirects and 404s; not requests to the RPC path, whose
  // CONNECT starts an RPC stream whose calls are asked about one by one. Refused: "401
  // Unauthorized" with the hook's message and "WWW-Authenticate: Bearer"; keep-alive goes on.
  kHttp,
};

// AuthRequest is what the hook sees. It and what it points to live only during the hook's call.
struct AuthRequest {
  AuthPhase phase;
  // peer is the connection's client: its address and, with mTLS, the verified certificate's
  // subject and names (netrpc/peer.h). Set in every phase.
  const Peer& peer;
  // service_method is the call's "Service.Method" as the client sent it (kCall only).
  std::string_view service_method;
  // metadata is the call's (kCall only), as the client put it in CallOptions::metadata:
  // string keys and values in the order sent. Only the native protocol carries metadata; a
  // call over gob, JSON-RPC or GeeRPC always has none.
  const std::vector<std::pair<std::string, std::string>>& metadata;
  // http is the request (kHttp only, else null): method, path, headers, body, remote_address.
  const HttpRequest* http = nullptr;

  // MetadataValue is the first value sent under key (compared exactly), "" if there is none.
  std::string_view MetadataValue(std::string_view key) const {
    for (const auto& [k, v] : metadata) {
      if (k == key) return v;
    }
    return {};
  }
};

// AuthHook admits a connection, a call or an HTTP request by returning no error, and refuses
// it by returning one, whose message is what the client is told ("refused" if empty). It runs
// on the connection's I/O thread, before anything else happens on that connection, so it must
// not block (check a token or a name against what is in memory); it is called concurrently for
// different connections, so what it reads must be safe to share. A hook that throws refuses.
using AuthHook = std::function<Error(const AuthRequest&)>;

}  // namespace netrpc
