// server.cc: serves Arith and its debug page behind a bearer token (README "Security").
// Usage: AUTH_TOKEN=... auth_server [addr]; every call and page needs "Bearer $AUTH_TOKEN".
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "../arith/arith.h"

// SameToken compares in time that does not depend on where the strings differ, so that a
// caller cannot find the token a byte at a time by timing refusals (its length is no secret).
bool SameToken(std::string_view got, std::string_view want) {
  if (got.size() != want.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    diff |= static_cast<unsigned char>(got[i] ^ want[i]);
  }
  return diff == 0;
}

int main(int argc, char** argv) {
  const char* secret = std::getenv("AUTH_TOKEN");
  if (secret == nullptr || *secret == '\0') {
    std::cerr << "set AUTH_TOKEN\n";
    return 1;
  }
  std::string bearer = std::string("Bearer ") + secret;
  // Native calls carry the token in their metadata, HTTP requests in their Authorization
  // header; Go's protocols have no metadata, so a Go client is refused here.
  netrpc::ServerOptions options;
  options.auth = [bearer](const netrpc::AuthRequest& r) -> netrpc::Error {
    switch (r.phase) {
      case netrpc::AuthPhase::kConnection:
        return {};  // anyone may connect: each call is checked
      case netrpc::AuthPhase::kCall:
        if (SameToken(r.MetadataValue("authorization"), bearer)) return {};
        break;
      case netrpc::AuthPhase::kHttp:
        if (SameToken(r.http->Header("Authorization"), bearer)) return {};
        break;
    }
    return netrpc::Error("unauthorized: a bearer token is needed");
  };
  Arith arith;
  netrpc::Server server(options);
  server.Register(arith);
  server.HandleHTTP();  // the debug page, behind the same hook
  if (netrpc::Error err = server.Listen("tcp", argc > 1 ? argv[1] : "127.0.0.1:1234")) {
    std::cerr << "listen: " << err.message() << '\n';
    return 1;
  }
  std::cout << "serving Arith on " << server.Address() << std::endl;
  server.Serve();
}
