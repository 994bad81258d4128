// conn.h: connections and listeners of any kind, Go's net.Conn and net.Listener for netrpc.
// TCP, Unix-domain sockets, an adopted descriptor and an in-memory pipe share one handle type.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "netrpc/error.h"

namespace netrpc {

namespace transport {
class Connection;
class Listener;
}  // namespace transport
namespace detail {
struct ConnAccess;  // how netrpc's own layers make and open these handles
}  // namespace detail

// Conn is one connected byte stream (Go's net.Conn): TCP, Unix, an adopted descriptor, an
// in-memory pipe, and later TLS. netrpc does its I/O; a user hands a Conn to a Server
// (ServeConn), a Client (NewClient) or a codec (ServeCodec, NewClientWithCodec). Copies share
// the one connection. Safe from any thread.
class Conn {
 public:
  Conn() = default;
  explicit operator bool() const { return impl_ != nullptr; }
  // Network is "tcp", "unix" or "pipe".
  std::string Network() const;
  // RemoteAddress is the peer's address: "127.0.0.1:5000", "[::1]:5000", a socket path
  // (empty for an unnamed Unix peer), or "pipe".
  std::string RemoteAddress() const;
  std::string LocalAddress() const;
  // Close closes the connection: the peer reads EOF, and a server or client using it ends
  // that connection (its calls fail). Idempotent.
  void Close();

 private:
  friend struct detail::ConnAccess;
  explicit Conn(std::shared_ptr<transport::Connection> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<transport::Connection> impl_;
};

// Listener accepts connections (Go's net.Listener). Safe from any thread.
class Listener {
 public:
  Listener() = default;
  explicit operator bool() const { return impl_ != nullptr; }
  // Accept waits for the next connection (Go's Listener.Accept); after Close it fails.
  Result<Conn> Accept();
  // Address is where it listens: "127.0.0.1:40123" (port 0 resolved) or the socket path.
  std::string Address() const;
  // Network is "tcp" or "unix".
  std::string Network() const;
  // Close stops listening; a pending Accept fails. A Unix listener removes its socket file.
  void Close();

 private:
  friend struct detail::ConnAccess;
  explicit Listener(std::shared_ptr<transport::Listener> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<transport::Listener> impl_;
};

// Listen announces on a local address, as Go's net.Listen: network "tcp", "tcp4" or "tcp6"
// with "host:port" (port 0 picks a free one), or "unix" with a socket path. Errors: kUsage
// for an unknown network or a malformed address, kIo when the bind fails.
Result<Listener> Listen(std::string_view network, std::string_view address);

// DialConn connects to address, as Go's net.DialTimeout ("tcp*" or "unix"); kConnect on
// failure or when timeout passes first.
Result<Conn> DialConn(std::string_view network, std::string_view address,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// FileConn adopts an already connected socket descriptor of any family (TCP or Unix), as
// Go's net.FileConn; the Conn then owns it. kUsage if fd is not a connected stream socket,
// and the descriptor then stays the caller's.
Result<Conn> FileConn(int fd);

// Pipe is an in-memory, full-duplex connection, as Go's net.Pipe: what one end writes the
// other reads. For tests and for linking a client and a server inside one process.
std::pair<Conn, Conn> Pipe();

}  // namespace netrpc
