// server_conn.h: one accepted connection: sniff its protocol, read requests in order,
// dispatch each, and queue replies in completion order. Closes once reads end and calls drain.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/codec.h"
#include "codec/native.h"
#include "server/auth.h"
#include "server/http_service.h"
#include "server/service_table.h"
#include "server/stats.h"
#include "server/worker_pool.h"
#include "transport/read_loop.h"
#include "transport/stream.h"

namespace netrpc::server {

// ServerContext is what a connection needs of its server.
struct ServerContext {
  const ServiceTable* services;
  WorkerPool* workers = nullptr;  // runs plain handlers (Dispatch::kWorker)
  codec::Limits limits;
  ServerStats* stats = nullptr;
  HttpSettings http;  // where HTTP CONNECT is answered, and who answers other requests
  size_t max_calls_in_flight = 1024;
  size_t max_queued_reply_bytes = 64u << 20;
  std::chrono::milliseconds handler_timeout{0};
  std::chrono::milliseconds handshake_timeout{10000};  // TLS's (Connection::Handshake)
  AuthHook auth;  // ServerOptions::auth: empty, or asked about each connection and call
};

class ServerConn : public std::enable_shared_from_this<ServerConn>, private transport::MessageSink {
 public:
  // A null codec is chosen from the connection's first bytes (native, gob, JSON-RPC, GeeRPC,
  // HTTP CONNECT); a given one (ServeCodec) is used from the first byte.
  ServerConn(const ServerContext& ctx, std::shared_ptr<transport::Stream> stream,
             std::unique_ptr<ServerCodec> codec, std::function<void(ServerConn*)> on_closed);
  ~ServerConn() override;

  // Run reads and serves requests until the connection ends; spawn it on the stream's strand.
  boost::asio::awaitable<void> Run();
  // RunOne serves one request with the given codec and leaves the connection open, with the
  // bytes read past that request given back to it (Go's ServeRequest); on_closed runs once
  // the reply is written. OneError is why no request was served, if none was.
  boost::asio::awaitable<void> RunOne();
  Error OneError() const { return one_error_; }
  // Drain stops reading new requests; the calls in flight finish and then the conn closes.
  void Drain();
  void ForceClose();
  // IdleSince is when the connection last read a byte or finished a call, if no call is in
  // flight now and no reply waits to be sent.
  bool IdleSince(std::chrono::steady_clock::time_point* since) const;
  std::string RemoteAddress() const { return stream_->RemoteAddress(); }  // for log lines

 private:
  boost::asio::awaitable<Error> ChooseCodec();
  // ServeHttp answers an HTTP head at the start of the buffer: Go's CONNECT here, anything
  // else by the HttpService if there is one, else with Go's 405 or 404 and a close.
  // *connected: the RPC stream follows.
  boost::asio::awaitable<Error> ServeHttp(size_t head_size, bool* connected);
  // SetProtocol counts this connection, and from now on its bytes, under protocol.
  void SetProtocol(WireProtocol protocol);
  // The read loop's side (transport::MessageSink).
  ReadResult OnMessage(std::string_view in) override;
  boost::asio::awaitable<void> WaitForRoom() override;
  // A large request whose start is buffered is decoded from what has arrived, and the rest
  // of its last string or byte slice is read straight into it: BeginLarge (no I/O, so the
  // usual path pays no coroutine for the check), the loop's read of the tail, FinishLarge.
  struct LargeRequest {
    Request header;
    Method* method = nullptr;
    std::unique_ptr<detail::CallSlot> slot;
    codec::Tail tail;
  };
  Large BeginLarge(transport::ReadBuffer& buffer, codec::Tail** tail) override;
  Error FinishLarge() override;
  // Serve takes one message of the connection: a native hello or cancel, or else a request.
  void Serve(Request& header) {
    if (native_last_->control != codec::NativeRequest::Control::kNone) [[unlikely]] {
      ServeControl(header);
      return;
    }
    Dispatch(header);
  }
  void ServeControl(Request& header);
  // CancelCall drops the result of a native caller's call it canceled, if it has a deadline,
  // and cancels its Context, if its method takes one.
  void CancelCall(uint64_t seq);
  void Dispatch(Request& header);
  // AdmitConnection and AdmitCall ask ctx_.auth, which is set. A large request is asked
  // about in FinishLarge, once its records (the metadata) have been read.
  Error AdmitConnection();
  Error AdmitCall(const std::string& service_method);
  Method* FindMethod(const std::string& service_method, Error* err);
  // UseGeeHandleTimeout applies a GeeRPC Option's HandleTimeout (nanoseconds) to this
  // connection when it is shorter than the server's handler_timeout.
  void UseGeeHandleTimeout(int64_t handle_timeout_ns);
  // Start and Execute run in the read loop, right after the request was read: a native
  // caller's deadline is native_last_'s.
  void Start(Method* method, std::unique_ptr<detail::CallSlot> slot, const Request& header);
  struct Watchdog;
  struct CallLimit;
  CallLimit LimitOfCall() const;
  void Execute(Method* method, std::unique_ptr<detail::CallSlot> slot);
  // ArmWatchdog answers the call when the limit passes and then cancels context, if given; a
  // caller's deadline makes the call cancelable.
  std::shared_ptr<Watchdog> ArmWatchdog(const detail::CallSlot& slot, const CallLimit& limit,
                                        std::shared_ptr<Context> context);
  // ExecuteWithContext is Execute for a method that takes a Context: it makes one, and binds
  // a coroutine handler to its cancellation.
  void ExecuteWithContext(Method* method, std::unique_ptr<detail::CallSlot> slot,
                          const CallLimit& limit);
  void Finish(Method* method, std::unique_ptr<detail::CallSlot> slot, Error err,
              std::shared_ptr<Watchdog> watchdog);
  // NewContext makes the Context of a call to a method that takes one, and keeps it in
  // contexts_ until Finish; call_seq is the client's seq, limit the call's (0: none). On the
  // read loop only: it reads the metadata of the request just read.
  std::shared_ptr<Context> NewContext(uint64_t call_seq, std::chrono::nanoseconds limit);
  // CancelContexts cancels the context of every call in flight, with why.
  void CancelContexts(const Error& why);
  // WriteReply queues one reply. Given the slot that holds body as `owner`, large parts of
  // the body may be sent from it without a copy, and the slot is then taken.
  void WriteReply(uint64_t seq, const std::string& service_method, const Error& err,
                  ConstValue body, std::unique_ptr<detail::CallSlot>* owner = nullptr);
  void ReadingDone();
  void CloseWhenFlushed();
  // Closed ends the connection's life for its server: counters, then on_closed_.
  void Closed();

  const ServerContext& ctx_;
  std::shared_ptr<transport::Stream> stream_;
  std::function<void(ServerConn*)> on_closed_;
  std::unique_ptr<ServerCodec> codec_;
  codec::LargeMessages* large_ = nullptr;  // codec_'s, if it has the capability
  codec::NativeServer* native_ = nullptr;  // codec_'s, if it is the native codec
  // native_->Last(), or a request without extras when the codec is not native, so that
  // Serve reads it without a test.
  const codec::NativeRequest* native_last_ = &kNoExtras;
  static const codec::NativeRequest kNoExtras;
  ProtocolStats* protocol_ = nullptr;  // set once the protocol is known
  LargeRequest large_request_;         // between BeginLarge and FinishLarge
  Request header_;                     // the request being read; keeps its capacity
  std::atomic<size_t> in_flight_{0};
  std::atomic<int64_t> last_finished_ns_{0};  // steady_clock ticks of the last Finish
  std::atomic<bool> reading_done_{false};
  std::atomic<bool> closing_{false};
  std::atomic<bool> draining_{false};        // Shutdown asked: linger before closing
  std::atomic<bool> handshake_done_{false};  // Connection::Handshake returned
  std::atomic<bool> force_closed_{false};    // ForceClose: contexts end with ErrShutdown
  // The limit on this connection's handlers: the server's, or a GeeRPC client's shorter
  // HandleTimeout, answered then with GeeRPC's own text. Set before the first call.
  std::chrono::nanoseconds handler_timeout_;
  std::string gee_timeout_error_;
  bool keep_open_ = false;  // RunOne: the connection stays the caller's
  Error one_error_;         // RunOne's outcome, read after on_closed
  static constexpr std::chrono::milliseconds kLinger{1000};
  // The methods this connection called last, so that most calls skip the service table and
  // its lock; methods are never removed, so the pointers stay valid. Read loop only.
  static constexpr size_t kMethodCacheSize = 8;
  std::vector<std::pair<std::string, Method*>> method_cache_;
  // The watchdogs of native calls with the caller's deadline, by the client's seq, so that a
  // cancel finds its call. Guards watched_: the read loop adds and cancels, Finish removes.
  std::mutex watched_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Watchdog>> watched_;
  // The contexts of calls in flight, so that a cancel and the end of the connection reach
  // them; they live here until Finish. Only methods that take a Context come here. Guards
  // contexts_: the read loop adds, Finish (on any thread) removes, the strand cancels.
  struct InFlight {
    uint64_t call_seq;  // the client's seq, as a native cancel names it
    std::shared_ptr<Context> context;
  };
  std::mutex contexts_mu_;
  std::unordered_map<const Context*, InFlight> contexts_;
  // contexts_ by call_seq, so that a cancel finds its call without a scan: a client may send
  // cancels by the thousand with max_calls_in_flight calls in flight. Guarded by contexts_mu_.
  std::unordered_multimap<uint64_t, const Context*> contexts_by_seq_;
};

}  // namespace netrpc::server
