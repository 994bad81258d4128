// peer.h: who is on the other end of a server's connection, as the auth hook and a handler's
// Context see it. Its own header: the transport fills it, the server hands it on.
#pragma once

#include <string>
#include <vector>

namespace netrpc {

// Peer is the client of one connection. address is "IP:port" ("[::1]:port" for IPv6), a Unix
// socket's path or "@" if unnamed, or "pipe" for an in-memory connection. For TLS with a
// verified client certificate (mTLS), subject is its subject in RFC 2253 form, most specific
// first, as Go's pkix.Name.String prints it ("CN=alice,O=Example"), and names its DNS and IP
// subject alternative names; both are empty otherwise (plaintext, or no client certificate).
struct Peer {
  std::string address;
  std::string subject;
  std::vector<std::string> names;
};

}  // namespace netrpc
