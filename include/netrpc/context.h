// context.h: netrpc::Context, what a handler that asks for it learns about its call: the peer,
// the caller's metadata, the deadline, and cancellation (Go's context.Context, for net/rpc).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "netrpc/error.h"
#include "netrpc/peer.h"

namespace netrpc {

namespace detail {
struct ContextAccess;  // src/server/context_access.h: only the server makes and cancels one
}

// Why a Context was canceled (Context::Err). The first two are Go's context errors, word for
// word; the others say which end of the connection went away.
inline const Error ErrDeadlineExceeded{ErrorCode::kTimeout, "context deadline exceeded"};
inline const Error ErrContextCanceled{ErrorCode::kCanceled, "context canceled"};
// ErrConnectionClosed: the connection's read side ended while the call was in flight (the
// peer closed or half-closed it, or broke the protocol).
inline const Error ErrConnectionClosed{ErrorCode::kUnexpectedEof,
                                       "context canceled: connection closed"};
// A server's Shutdown that closes connections whose calls outlast shutdown_grace cancels
// their contexts with ErrShutdown.

// Context is one call as its handler sees it. A handler asks for it by taking `Context&` or
// `const Context&` first, before its args (every Context member is const, so the two are the
// same); Server::Register lists the shapes. Only methods that take one get one.
//
// Threading: GetPeer, Identity, Metadata and Deadline never change and may be read from any
// thread; Done, Err, StopToken, OnCancel, Wait and WaitFor are safe from any thread, also
// while the server cancels. The Context lives until the handler returns (a coroutine handler:
// until its awaitable completes); keep no reference past that. The server cancels it at most
// once, on the connection's I/O thread: when the deadline passes, when the caller cancels
// (Call::Cancel on the native protocol), when the connection's read side ends, or when
// Shutdown closes the connection after shutdown_grace (a call served by ServeRequest, whose
// connection stays its caller's, only at its deadline). A coroutine handler is also cancelled
// through Asio, by a cancellation slot bound to its co_spawn: the operation it awaits ends
// with operation_aborted.
// Cancellation never stops a plain handler: it stops when it looks. Its call has already been
// answered by then (deadline) or cannot be (cancel, closed connection), and what it returns
// is dropped. A handler dispatched inline (Dispatch::kInline) runs on that I/O thread and must
// not Wait on its Context: the cancel could not reach it.
class Context {
 public:
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context();

  // GetPeer is the connection's client: address, and for mTLS the verified certificate.
  const Peer& GetPeer() const { return *peer_; }
  // Identity is the verified client certificate's subject ("CN=alice,O=Example", as Go's
  // pkix.Name.String prints it), empty without mTLS.
  const std::string& Identity() const { return peer_->subject; }
  // Metadata is the caller's pairs (CallOptions::metadata) in the order sent; empty on Go's
  // protocols, which have no place for them.
  const std::vector<std::pair<std::string, std::string>>& Metadata() const { return metadata_; }
  // MetadataValue is the first value of key (compared exactly), or "" if there is none.
  std::string_view MetadataValue(std::string_view key) const;
  // Deadline is when the call's answer is due: the native caller's remaining time
  // (CallOptions::timeout) measured from when the request was read, or the server's
  // handler_timeout, or a GeeRPC client's HandleTimeout, whichever is sooner; nullopt if none
  // applies (Go's net/rpc and jsonrpc carry no deadline). When it passes, the caller is
  // answered with the timeout error and the context is canceled with ErrDeadlineExceeded.
  std::optional<std::chrono::steady_clock::time_point> Deadline() const { return deadline_; }

  // Done reports, without blocking, whether the context has been canceled.
  bool Done() const { return stop_.stop_requested(); }
  // Err is ok until the context is canceled, then why: ErrDeadlineExceeded,
  // ErrContextCanceled, ErrConnectionClosed or ErrShutdown (Go's ctx.Err()).
  Error Err() const;
  // StopToken is stopped when the context is canceled, for std::stop_callback,
  // std::condition_variable_any and std::jthread.
  std::stop_token StopToken() const { return stop_.get_token(); }
  // OnCancel registers fn to run once when the context is canceled: on the I/O thread that
  // cancels it (it must not block), or at once, on this thread, if it already is. The returned
  // std::stop_callback unregisters fn when destroyed, waiting for it if it is running on
  // another thread, so fn may use what the handler owns as long as the registration lives.
  template <class F>
  [[nodiscard]] std::stop_callback<F> OnCancel(F fn) const {
    return std::stop_callback<F>(stop_.get_token(), std::move(fn));
  }
  // Wait blocks until the context is canceled; WaitFor at most timeout, and reports whether it
  // was canceled. For handlers on the worker pool.
  void Wait() const;
  bool WaitFor(std::chrono::steady_clock::duration timeout) const;

 private:
  friend struct detail::ContextAccess;
  Context(std::shared_ptr<const Peer> peer,
          std::vector<std::pair<std::string, std::string>> metadata,
          std::optional<std::chrono::steady_clock::time_point> deadline)
      : peer_(std::move(peer)), metadata_(std::move(metadata)), deadline_(deadline) {}

  std::shared_ptr<const Peer> peer_;  // shares the connection's ownership
  std::vector<std::pair<std::string, std::string>> metadata_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::stop_source stop_;
  std::atomic<bool> canceling_{false};  // the first cancel wins; later ones find it set
  Error err_;  // written once, by that first cancel, before stop_ is requested (which publishes it)
};

}  // namespace netrpc
