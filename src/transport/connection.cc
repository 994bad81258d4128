// connection.cc: what every kind of connection shares: bytes given back before the stream's
// own, and no handshake unless the kind has one.
#include "transport/connection.h"

#include <cstring>

namespace netrpc::transport {

namespace asio = boost::asio;

asio::awaitable<Error> Connection::Handshake(std::chrono::milliseconds) { co_return Error{}; }

void Connection::StartRead(asio::mutable_buffer buffer, ReadHandler handler) {
  if (unread_.empty()) {
    DoReadSome(buffer, std::move(handler));
    return;
  }
  size_t n = std::min(buffer.size(), unread_.size());
  std::memcpy(buffer.data(), unread_.data(), n);
  unread_.erase(0, n);
  PostCompletion(std::move(handler), GetExecutor(), boost::system::error_code(), n);
}

}  // namespace netrpc::transport
