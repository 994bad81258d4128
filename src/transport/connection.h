// connection.h: the transport's byte stream, whatever carries it: TCP, Unix, an adopted
// descriptor, an in-memory pipe, TLS (tls.h). Server and client see only this interface.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "netrpc/error.h"
#include "netrpc/peer.h"

namespace netrpc::transport {

// Peer is who is on the other end: the address, and for TLS with a client certificate the
// verified subject and names (empty otherwise). The public type, so the server hands it on.
using Peer = netrpc::Peer;

using Strand = boost::asio::strand<boost::asio::any_io_executor>;

// WriteWaiter hears how a Connection::Write ended (Stream is one).
class WriteWaiter {
 public:
  virtual ~WriteWaiter() = default;
  virtual void OnWritten(boost::system::error_code ec, size_t bytes) = 0;
};

// Connection is one connected byte stream. Threading: the owner runs every operation on one
// strand of GetExecutor() (Stream does); Close may also be posted there from any thread.
//
// Two ways in: ReadSome and Write, which Stream uses for every message, take no type-erased
// handler (an any_completion_handler costs an allocation per operation, and more for the
// executor it erases: 23% of W3's instructions per call); AsyncReadSome and AsyncWrite take
// any completion token, for handshakes and tests. A kind implements DoReadSome and DoWrite,
// and may override ReadSome and Write with a direct path (sockets do).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using ReadHandler = boost::asio::any_completion_handler<void(boost::system::error_code, size_t)>;
  using WriteHandler = ReadHandler;
  using ReadOutcome = std::tuple<boost::system::error_code, size_t>;

  virtual ~Connection() = default;

  // GetExecutor is where the connection's operations run. A connection stays on the
  // executor it was made on for life: a user's Conn handle may outlive any server or client.
  virtual boost::asio::any_io_executor GetExecutor() const = 0;
  // Handshake runs the opening exchange of a secured connection (TLS) and fails if it takes
  // longer than timeout; a plain connection has none.
  virtual boost::asio::awaitable<Error> Handshake(std::chrono::milliseconds timeout);

  // AsyncReadSome reads at least one byte into buffer, as Asio's async_read_some: first the
  // bytes given back with Unread, then the stream's own. The handler's cancellation slot is
  // honoured. EOF is boost::asio::error::eof.
  template <class Token>
  auto AsyncReadSome(boost::asio::mutable_buffer buffer, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, boost::asio::mutable_buffer b) {
          StartRead(b, ReadHandler(std::move(handler)));
        },
        token, buffer);
  }
  // AsyncWrite writes every byte of buffers (which stay alive until the handler runs), or fails.
  template <class Token>
  auto AsyncWrite(std::span<const boost::asio::const_buffer> buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, std::span<const boost::asio::const_buffer> b) {
          DoWrite(b, WriteHandler(std::move(handler)));
        },
        token, buffers);
  }
  // ReadSome is AsyncReadSome for the read loop's coroutine, cancelled through slot.
  virtual boost::asio::awaitable<ReadOutcome> ReadSome(boost::asio::mutable_buffer buffer,
                                                       boost::asio::cancellation_slot slot);
  // Write is AsyncWrite for the write queue: waiter->OnWritten runs on strand at the end.
  virtual void Write(std::span<const boost::asio::const_buffer> buffers, const Strand& strand,
                     std::shared_ptr<WriteWaiter> waiter);

  // Unread gives back bytes read before the connection changed hands (a sniffer's, say): the
  // next reads return them first.
  void Unread(std::string_view bytes) { unread_.insert(0, bytes); }

  // ShutdownSend sends end-of-stream (FIN) and keeps reading possible.
  virtual void ShutdownSend() = 0;
  // Cancel makes pending operations complete with operation_aborted.
  virtual void Cancel() = 0;
  // Close closes both directions; pending operations complete with an error. Idempotent.
  virtual void Close() = 0;

  // Network is "tcp", "unix" or "pipe".
  virtual std::string Network() const = 0;
  virtual std::string LocalAddress() const = 0;
  virtual const Peer& GetPeer() const = 0;

 protected:
  // TakeUnread copies given-back bytes into buffer, if there are any (*n of them).
  bool TakeUnread(boost::asio::mutable_buffer buffer, size_t* n);
  virtual void DoReadSome(boost::asio::mutable_buffer buffer, ReadHandler handler) = 0;
  virtual void DoWrite(std::span<const boost::asio::const_buffer> buffers,
                       WriteHandler handler) = 0;

 private:
  void StartRead(boost::asio::mutable_buffer buffer, ReadHandler handler);
  std::string unread_;
};

// PostCompletion runs handler(args...) later, never inside the call: first posted to
// `executor` (the connection's), then dispatched to the handler's own (a strand, say), so a
// completion never re-enters the operation or the lock that started it.
template <class Handler, class... Args>
void PostCompletion(Handler handler, const boost::asio::any_io_executor& executor, Args... args) {
  boost::asio::post(executor, [h = std::move(handler), executor, args...]() mutable {
    auto ex = boost::asio::get_associated_executor(h, executor);
    boost::asio::execution::execute(
        ex, [h = std::move(h), args...]() mutable { std::move(h)(args...); });
  });
}

// WholeBatch lets each write system call take everything still to be written. Asio's
// transfer_all offers at most 64 KiB per call, which made a 1 MiB reply 16 sendmsg calls.
struct WholeBatch {
  size_t operator()(const boost::system::error_code& ec, size_t) const {
    return ec ? 0 : static_cast<size_t>(-1);
  }
};

}  // namespace netrpc::transport
