// socket_connection.cc: one implementation for both socket families; they differ only in
// how an address is written and in TCP's Nagle setting.
#include "transport/socket_connection.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <type_traits>

namespace netrpc::transport {

namespace asio = boost::asio;
using asio::ip::tcp;
using Local = asio::local::stream_protocol;

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

namespace {

template <class Protocol>
class SocketConnection final : public Connection {
 public:
  using Socket = typename Protocol::socket;
  static constexpr bool kTcp = std::is_same_v<Protocol, tcp>;

  explicit SocketConnection(Socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ec;
    if constexpr (kTcp) {
      socket_.set_option(tcp::no_delay(true), ec);
      auto remote = socket_.remote_endpoint(ec);
      if (!ec) peer_.address = FormatEndpoint(remote);
      auto local = socket_.local_endpoint(ec);
      if (!ec) local_ = FormatEndpoint(local);
    } else {
      auto remote = socket_.remote_endpoint(ec);
      if (!ec) peer_.address = remote.path();
      auto local = socket_.local_endpoint(ec);
      if (!ec) local_ = local.path();
    }
  }

  asio::any_io_executor GetExecutor() const override { return socket_.get_executor(); }

  void ShutdownSend() override {
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
  }
  void Cancel() override {
    boost::system::error_code ec;
    socket_.cancel(ec);
  }
  void Close() override {
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
  }

  std::string Network() const override { return kTcp ? "tcp" : "unix"; }
  std::string LocalAddress() const override { return local_; }
  const Peer& GetPeer() const override { return peer_; }

  // The direct paths: the socket sees the coroutine's and the strand's own handler types.
  asio::awaitable<ReadOutcome> ReadSome(asio::mutable_buffer buffer,
                                        asio::cancellation_slot slot) override {
    size_t n = 0;
    if (TakeUnread(buffer, &n)) co_return ReadOutcome{boost::system::error_code(), n};
    co_return co_await socket_.async_read_some(
        buffer, asio::bind_cancellation_slot(slot, asio::as_tuple(asio::use_awaitable)));
  }
  void Write(std::span<const asio::const_buffer> buffers, const Strand& strand,
             std::shared_ptr<WriteWaiter> waiter) override {
    auto done = asio::bind_executor(
        strand,
        [w = std::move(waiter)](boost::system::error_code ec, size_t n) { w->OnWritten(ec, n); });
    if (buffers.size() == 1) {  // the usual batch: Asio's single-buffer path is the shorter
      asio::async_write(socket_, asio::buffer(buffers[0]), WholeBatch{}, std::move(done));
    } else {
      asio::async_write(socket_, buffers, WholeBatch{}, std::move(done));
    }
  }

 protected:
  void DoReadSome(asio::mutable_buffer buffer, ReadHandler handler) override {
    socket_.async_read_some(buffer, std::move(handler));
  }
  void DoWrite(std::span<const asio::const_buffer> buffers, WriteHandler handler) override {
    asio::async_write(socket_, buffers, WholeBatch{}, std::move(handler));
  }

 private:
  mutable Socket socket_;  // mutable: Asio's get_executor is not const
  Peer peer_;
  std::string local_;
};

}  // namespace

std::shared_ptr<Connection> NewTcpConnection(tcp::socket socket) {
  return std::make_shared<SocketConnection<tcp>>(std::move(socket));
}

std::shared_ptr<Connection> NewUnixConnection(Local::socket socket) {
  return std::make_shared<SocketConnection<Local>>(std::move(socket));
}

Result<std::shared_ptr<Connection>> AdoptDescriptor(const asio::any_io_executor& executor, int fd) {
  sockaddr_storage addr{}, peer{};
  socklen_t len = sizeof addr, peer_len = sizeof peer;
  int type = 0;
  socklen_t type_len = sizeof type;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM) {
    return Error(ErrorCode::kUsage, "not a socket");
  }
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
    return Error(ErrorCode::kUsage, "not a connected socket");
  }
  boost::system::error_code ec;
  if (addr.ss_family == AF_UNIX) {
    Local::socket socket(executor);
    socket.assign(Local(), fd, ec);
    if (ec) return Error(ErrorCode::kIo, ec.message());
    return NewUnixConnection(std::move(socket));
  }
  if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6) {
    return Error(ErrorCode::kUsage, "unsupported socket family");
  }
  tcp::socket socket(executor);
  socket.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) return Error(ErrorCode::kIo, ec.message());
  return NewTcpConnection(std::move(socket));
}

}  // namespace netrpc::transport
