// listener.h: where connections come from, TCP or Unix-domain; and the one place that
// parses a network name and an address, for listening and for dialing alike.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "netrpc/error.h"
#include "transport/connection.h"

namespace netrpc::transport {

// Listener accepts connections. Threading: Accept runs from one coroutine at a time; Close
// may be called from any thread.
class Listener {
 public:
  virtual ~Listener() = default;
  // Accept waits for the next connection and makes it on `executor` (the loop that will
  // serve it). After Close it fails with kShutdown.
  virtual boost::asio::awaitable<Result<std::shared_ptr<Connection>>> Accept(
      boost::asio::any_io_executor executor) = 0;
  virtual std::string Address() const = 0;
  virtual std::string Network() const = 0;
  virtual void Close() = 0;
  virtual bool Closed() const = 0;
};

// TcpKind makes the Connection for a connected TCP socket (TLS's, say); unset, a plain one.
// A kind of TCP is refused on "unix" (kUsage).
using TcpKind = std::function<std::shared_ptr<Connection>(boost::asio::ip::tcp::socket)>;

// Listen binds network ("tcp", "tcp4", "tcp6" or "unix") at address, as Go's net.Listen,
// with its acceptor on `executor`.
Result<std::shared_ptr<Listener>> Listen(const boost::asio::any_io_executor& executor,
                                         std::string_view network, std::string_view address,
                                         TcpKind kind = {});

// Dial connects to address on `executor`, trying each resolved address in turn, and fails
// with kConnect if none answers within timeout (Go's net.DialTimeout).
boost::asio::awaitable<Result<std::shared_ptr<Connection>>> Dial(
    boost::asio::any_io_executor executor, std::string network, std::string address,
    std::chrono::milliseconds timeout, TcpKind kind = {});

// ParseHostPort splits "host:port" ("[::1]:80" too) and checks the port; an empty host is
// every interface, "0.0.0.0".
Error ParseHostPort(std::string_view address, std::string* host, uint16_t* port);

}  // namespace netrpc::transport
