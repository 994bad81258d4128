// listener.cc: TCP and Unix listeners, and dialing either; name resolution lives here only.
// Go's rules: "tcp" takes either IP family, "tcp4"/"tcp6" one; "unix" takes a socket path.
#include "transport/listener.h"

#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <functional>
#include <mutex>

#include "transport/socket_connection.h"

namespace netrpc::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using Local = asio::local::stream_protocol;

Error ParseHostPort(std::string_view address, std::string* host, uint16_t* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return Error(ErrorCode::kUsage, "address " + std::string(address) + ": missing port");
  }
  std::string_view h = address.substr(0, colon), p = address.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return Error(ErrorCode::kUsage, "address " + std::string(address) + ": invalid port");
  }
  *host = h.empty() ? "0.0.0.0" : std::string(h);
  *port = static_cast<uint16_t>(value);
  return {};
}

namespace {

bool IsTcp(std::string_view network) {
  return network == "tcp" || network == "tcp4" || network == "tcp6";
}

// Resolve turns host:port into endpoints of the network's families, numeric hosts without
// asking the resolver. Listen resolves on the caller's thread; Dial, which runs on a loop,
// passes a lookup that does not block it (DialLookup).
using Lookup = std::function<boost::system::error_code(const std::string& host, uint16_t port,
                                                       std::vector<tcp::endpoint>* out)>;

Result<std::vector<tcp::endpoint>> Resolve(std::string_view network, std::string_view address,
                                           std::string_view op, const Lookup& lookup) {
  std::string host;
  uint16_t port = 0;
  if (Error err = ParseHostPort(address, &host, &port)) return err;
  std::vector<tcp::endpoint> endpoints;
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoints.emplace_back(ip, port);
  } else {
    ec = lookup(host, port, &endpoints);
  }
  std::erase_if(endpoints, [&](const tcp::endpoint& e) {
    return (network == "tcp4" && !e.address().is_v4()) ||
           (network == "tcp6" && !e.address().is_v6());
  });
  if (endpoints.empty()) {  // a name that does not resolve is the dial's failure, as in Go
    std::string why = ec ? ec.message() : "no suitable address";
    return Error(
        op == "dial" ? ErrorCode::kConnect : ErrorCode::kUsage,
        std::string(op) + " " + std::string(network) + " " + std::string(address) + ": " + why);
  }
  return endpoints;
}

template <class Protocol>
class SocketListener final : public Listener {
 public:
  SocketListener(const asio::any_io_executor& executor, std::string network, TcpKind kind = {})
      : network_(std::move(network)), kind_(std::move(kind)), acceptor_(executor) {}
  ~SocketListener() override { Close(); }

  Error Bind(const typename Protocol::endpoint& endpoint, std::string_view address) {
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec && std::is_same_v<Protocol, tcp>) {
      acceptor_.set_option(typename Protocol::acceptor::reuse_address(true), ec);
    }
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(ErrorCode::kIo,
                   "listen " + network_ + " " + std::string(address) + ": " + ec.message());
    }
    auto local = acceptor_.local_endpoint(ec);
    if constexpr (std::is_same_v<Protocol, tcp>) {
      address_ = FormatEndpoint(local);
    } else {
      address_ = local.path();
      path_ = address_;  // ours to remove on Close, as Go's UnixListener does
    }
    return {};
  }

  asio::awaitable<Result<std::shared_ptr<Connection>>> Accept(
      asio::any_io_executor executor) override {
    for (;;) {
      // The accept starts under the lock Close takes, so the two never touch the acceptor
      // at once; a pending accept then completes with operation_aborted.
      auto token = asio::as_tuple(asio::use_awaitable);
      auto [ec, socket] =
          co_await asio::async_initiate<decltype(token),
                                        void(boost::system::error_code, typename Protocol::socket)>(
              [this, &executor](auto handler) {
                std::lock_guard lock(mu_);
                if (closed_) {
                  auto ex = asio::get_associated_executor(handler);
                  asio::post(ex, [h = std::move(handler), executor]() mutable {
                    std::move(h)(asio::error::operation_aborted,
                                 typename Protocol::socket(executor));
                  });
                  return;
                }
                acceptor_.async_accept(executor, std::move(handler));
              },
              token);
      if (!ec) {
        if constexpr (std::is_same_v<Protocol, tcp>) {
          if (kind_) co_return kind_(std::move(socket));
          co_return NewTcpConnection(std::move(socket));
        } else {
          co_return NewUnixConnection(std::move(socket));
        }
      }
      if (ec == asio::error::operation_aborted || Closed()) {
        co_return Error(ErrorCode::kShutdown, "accept: listener closed");
      }
      // Out of descriptors, say: back off and go on, as Go's http.Server does.
      asio::steady_timer backoff(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  std::string Address() const override { return address_; }
  std::string Network() const override { return network_; }

  void Close() override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    acceptor_.cancel(ec);
    acceptor_.close(ec);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  bool Closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  std::string network_;
  TcpKind kind_;
  std::string address_;
  std::string path_;
  typename Protocol::acceptor acceptor_;
  mutable std::mutex mu_;  // guards closed_, and Close against itself
  bool closed_ = false;
};

}  // namespace

Result<std::shared_ptr<Listener>> Listen(const asio::any_io_executor& executor,
                                         std::string_view network, std::string_view address,
                                         TcpKind kind) {
  if (network == "unix" && kind) {
    return Error(ErrorCode::kUsage, "listen unix " + std::string(address) + ": TLS needs TCP");
  }
  if (network == "unix") {
    auto l = std::make_shared<SocketListener<Local>>(executor, "unix");
    if (Error err = l->Bind(Local::endpoint(std::string(address)), address)) return err;
    return std::shared_ptr<Listener>(l);
  }
  if (!IsTcp(network)) {
    return Error(ErrorCode::kUsage, "listen: unsupported network " + std::string(network));
  }
  auto endpoints =
      Resolve(network, address, "listen",
              [&](const std::string& host, uint16_t port, std::vector<tcp::endpoint>* out) {
                boost::system::error_code ec;
                tcp::resolver resolver(executor);
                for (const auto& r : resolver.resolve(host, std::to_string(port), ec)) {
                  out->push_back(r.endpoint());
                }
                return ec;
              });
  if (!endpoints.ok()) return endpoints.error();
  auto l = std::make_shared<SocketListener<tcp>>(executor, std::string(network), std::move(kind));
  if (Error err = l->Bind(endpoints->front(), address)) return err;
  return std::shared_ptr<Listener>(l);
}

asio::awaitable<Result<std::shared_ptr<Connection>>> Dial(asio::any_io_executor executor,
                                                          std::string network, std::string address,
                                                          std::chrono::milliseconds timeout,
                                                          TcpKind kind) {
  using namespace asio::experimental::awaitable_operators;
  std::string where = "dial " + network + " " + address;
  if (network == "unix" && kind) co_return Error(ErrorCode::kUsage, where + ": TLS needs TCP");
  asio::steady_timer timer(executor, timeout);
  if (network == "unix") {
    Local::socket s(executor);
    auto r =
        co_await (s.async_connect(Local::endpoint(address), asio::as_tuple(asio::use_awaitable)) ||
                  timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 1) co_return Error(ErrorCode::kConnect, where + ": i/o timeout");
    auto [ec] = std::get<0>(r);
    if (ec) co_return Error(ErrorCode::kConnect, where + ": " + ec.message());
    co_return NewUnixConnection(std::move(s));
  }
  if (!IsTcp(network)) {
    co_return Error(ErrorCode::kUsage, "dial: unsupported network " + network);
  }
  // A name is looked up first, without blocking the loop, within the same timeout.
  std::vector<tcp::endpoint> looked_up;
  boost::system::error_code lookup_ec;
  std::string host;
  uint16_t port = 0;
  bool needs_lookup = false;
  if (!ParseHostPort(address, &host, &port)) {
    boost::system::error_code numeric;
    asio::ip::make_address(host, numeric);
    needs_lookup = static_cast<bool>(numeric);
  }
  if (needs_lookup) {
    tcp::resolver resolver(executor);
    auto r = co_await (
        resolver.async_resolve(host, std::to_string(port), asio::as_tuple(asio::use_awaitable)) ||
        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 1) co_return Error(ErrorCode::kConnect, where + ": i/o timeout");
    auto [ec, results] = std::get<0>(r);
    lookup_ec = ec;
    for (const auto& e : results) looked_up.push_back(e.endpoint());
  }
  auto endpoints = Resolve(network, address, "dial",
                           [&](const std::string&, uint16_t, std::vector<tcp::endpoint>* out) {
                             *out = looked_up;
                             return lookup_ec;
                           });
  if (!endpoints.ok()) co_return endpoints.error();
  Error last;
  for (tcp::endpoint e : *endpoints) {
    if (e.address().is_unspecified()) {  // Go dials the local system for "" and 0.0.0.0
      e.address(e.address().is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                                    : asio::ip::address(asio::ip::address_v4::loopback()));
    }
    tcp::socket s(executor);
    auto r = co_await (s.async_connect(e, asio::as_tuple(asio::use_awaitable)) ||
                       timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 1) co_return Error(ErrorCode::kConnect, where + ": i/o timeout");
    auto [ec] = std::get<0>(r);
    if (!ec) co_return kind ? kind(std::move(s)) : NewTcpConnection(std::move(s));
    last = Error(ErrorCode::kConnect, where + ": " + ec.message());
  }
  co_return last;
}

}  // namespace netrpc::transport
