// tls.h: TLS and mutual TLS for netrpc's servers and clients, through OpenSSL.
// Its own header, so that a program without TLS includes none of it; netrpc.h declares the calls.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "netrpc/error.h"
#include "netrpc/netrpc.h"

namespace netrpc {

// TlsCertificate is a certificate chain and its private key, PEM-encoded, from files or from
// memory: set cert_file and key_file, or cert_pem and key_pem.
struct TlsCertificate {
  std::string cert_file = {};
  std::string key_file = {};
  std::string cert_pem = {};
  std::string key_pem = {};
};

// ClientAuth is what a TLS server asks of its clients (Go's tls.ClientAuthType).
enum class ClientAuth : uint8_t {
  kNone,     // no client certificate asked for (Go's NoClientCert)
  kRequest,  // asked for and verified if sent; a client without one is served
             // (Go's VerifyClientCertIfGiven)
  kRequire,  // a verified client certificate is required (Go's RequireAndVerifyClientCert)
};

// TlsConfig is a TLS listener's configuration (Server::ListenTLS). TLS 1.2 is the oldest
// version accepted, as Go's default since 1.18.
struct TlsConfig {
  TlsCertificate certificate = {};  // the server's
  // client_ca_file or client_ca_pem: the CAs a client certificate must chain to (mTLS);
  // needed by kRequest and kRequire.
  std::string client_ca_file = {};
  std::string client_ca_pem = {};
  ClientAuth client_auth = ClientAuth::kNone;
  // allow_plaintext serves plaintext clients on the same port too: a connection whose first
  // bytes are a TLS ClientHello (0x16 0x03 ...) gets TLS, any other the usual protocol
  // detection. Off, a plaintext client is closed with a logged reason. Either way a client
  // must send its first bytes within ServerOptions::handshake_timeout.
  bool allow_plaintext = false;
};

// TlsDialOptions is a TLS client's configuration (DialTLS, DialHTTPTLS).
struct TlsDialOptions {
  // ca_file or ca_pem: the CAs the server's certificate must chain to; both empty, the
  // system's store (Debian: /etc/ssl/certs).
  std::string ca_file = {};
  std::string ca_pem = {};
  // server_name is checked against the certificate's DNS and IP names and, if it is a DNS
  // name, sent as SNI; empty, it is the host part of the address (Go's tls.Dial).
  std::string server_name = {};
  TlsCertificate certificate = {};  // the client's, for mTLS; empty for none
  // handshake_timeout bounds the TLS handshake after the TCP connect (which connect_timeout
  // bounds).
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
};

// DialTLS connects over TCP, makes the TLS handshake, and runs a client as Dial does
// (Go: tls.Dial, then rpc.NewClient or jsonrpc.NewClient by options.protocol). A server whose
// certificate does not verify gives a kConnect error that says why, in Go's words:
// "x509: certificate signed by unknown authority", "x509: certificate has expired or is not
// yet valid", "x509: certificate is valid for localhost, not example.com".
Result<std::unique_ptr<Client>> DialTLS(std::string_view network, std::string_view address,
                                        const TlsDialOptions& tls, DialOptions options = {});
// DialHTTPTLS is DialHTTPPath over TLS: the CONNECT handshake runs inside the TLS stream
// (Go: tls.Dial, then the CONNECT that rpc.DialHTTPPath writes). path empty: /_goRPC_.
Result<std::unique_ptr<Client>> DialHTTPTLS(std::string_view network, std::string_view address,
                                            const TlsDialOptions& tls, DialOptions options = {},
                                            std::string_view path = {});

}  // namespace netrpc
