// tls.h: TLS connections over TCP (asio::ssl, OpenSSL), and the contexts that make them: a
// server's, whose certificate a reload swaps, and a client's, which verifies the server.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "netrpc/error.h"
#include "netrpc/tls.h"
#include "transport/connection.h"

namespace boost::asio::ssl {
class context;
}

namespace netrpc::transport {

// TlsServerContext holds a TLS listener's settings and its current OpenSSL context.
// Threading: Current and Reload may be called from any thread; a connection keeps the
// context it started with, so a reload changes only the connections after it.
class TlsServerContext {
 public:
  // Make checks the configuration and loads the certificate, key and client CAs; kUsage if
  // one is missing, unreadable or does not match.
  static Result<std::shared_ptr<TlsServerContext>> Make(const TlsConfig& config);
  Error Reload(const TlsCertificate& certificate);
  std::shared_ptr<boost::asio::ssl::context> Current() const;
  bool AllowPlaintext() const { return config_.allow_plaintext; }

 private:
  explicit TlsServerContext(TlsConfig config) : config_(std::move(config)) {}
  TlsConfig config_;       // with the certificate of the last successful (re)load
  mutable std::mutex mu_;  // guards current_
  std::shared_ptr<boost::asio::ssl::context> current_;
};

// TlsClientContext is a client's OpenSSL context: trusted CAs and its own certificate.
class TlsClientContext {
 public:
  static Result<std::shared_ptr<TlsClientContext>> Make(const TlsDialOptions& options);
  boost::asio::ssl::context& Context() const { return *context_; }
  const TlsDialOptions& Options() const { return options_; }

 private:
  TlsDialOptions options_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

// NewTlsServerConnection serves TLS on an accepted socket. Its Handshake reads the first
// bytes: a ClientHello starts the TLS handshake, anything else is refused (kProtocol) unless
// the context allows plaintext, in which case the connection stays plain.
std::shared_ptr<Connection> NewTlsServerConnection(boost::asio::ip::tcp::socket socket,
                                                   std::shared_ptr<TlsServerContext> context);
// NewTlsClientConnection is the client's end; its Handshake verifies the server's certificate
// against server_name.
std::shared_ptr<Connection> NewTlsClientConnection(boost::asio::ip::tcp::socket socket,
                                                   std::shared_ptr<TlsClientContext> context,
                                                   std::string server_name);

}  // namespace netrpc::transport
