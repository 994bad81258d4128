// connection.cc: what every kind of connection shares: bytes given back before the stream's
// own, and no handshake unless the kind has one.
#include "transport/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

namespace netrpc::transport {

namespace asio = boost::asio;

asio::awaitable<Error> Connection::Handshake(std::chrono::milliseconds) { co_return Error{}; }

bool Connection::TakeUnread(asio::mutable_buffer buffer, size_t* n) {
  if (unread_.empty()) return false;
  *n = std::min(buffer.size(), unread_.size());
  std::memcpy(buffer.data(), unread_.data(), *n);
  unread_.erase(0, *n);
  return true;
}

void Connection::StartRead(asio::mutable_buffer buffer, ReadHandler handler) {
  size_t n = 0;
  if (!TakeUnread(buffer, &n)) {
    DoReadSome(buffer, std::move(handler));
    return;
  }
  PostCompletion(std::move(handler), GetExecutor(), boost::system::error_code(), n);
}

asio::awaitable<Connection::ReadOutcome> Connection::ReadSome(asio::mutable_buffer buffer,
                                                              asio::cancellation_slot slot) {
  co_return co_await AsyncReadSome(
      buffer, asio::bind_cancellation_slot(slot, asio::as_tuple(asio::use_awaitable)));
}

void Connection::Write(std::span<const asio::const_buffer> buffers, const Strand& strand,
                       std::shared_ptr<WriteWaiter> waiter) {
  AsyncWrite(buffers, asio::bind_executor(
                          strand, [w = std::move(waiter)](boost::system::error_code ec, size_t n) {
                            w->OnWritten(ec, n);
                          }));
}

}  // namespace netrpc::transport
