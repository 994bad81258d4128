// server_conn.cc: the life of one server connection, from the first byte to the close.
// Requests are decoded in order on the strand; handlers run where their Dispatch says.
#include "server/server_conn.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "codec/gob.h"
#include "codec/jsonrpc.h"
#include "codec/native.h"
#include "protocol/gee_option.h"
#include "protocol/go_duration.h"
#include "protocol/http_connect.h"
#include "protocol/sniff.h"
#include "server/context_access.h"
#include "transport/conn_access.h"
#include "types/log.h"

namespace netrpc::server {

namespace asio = boost::asio;

ServerConn::ServerConn(const ServerContext& ctx, std::shared_ptr<transport::Stream> stream,
                       std::unique_ptr<ServerCodec> codec,
                       std::function<void(ServerConn*)> on_closed)
    : ctx_(ctx),
      stream_(std::move(stream)),
      on_closed_(std::move(on_closed)),
      codec_(std::move(codec)),
      large_(codec_ ? codec_->Large() : nullptr),
      native_(codec_ ? codec::AsNativeServer(codec_.get()) : nullptr),
      native_last_(native_ ? &native_->Last() : &kNoExtras),
      handler_timeout_(ctx.handler_timeout) {}

ServerConn::~ServerConn() = default;

const codec::NativeRequest ServerConn::kNoExtras;

void ServerConn::Closed() {
  // Here, not in the destructor: the server may be gone once on_closed_ has run, and the
  // counters are its.
  if (protocol_ != nullptr) protocol_->open.fetch_sub(1, std::memory_order_relaxed);
  protocol_ = nullptr;
  stream_->StopCounting();
  if (on_closed_) on_closed_(this);
}

asio::awaitable<void> ServerConn::Run() {
  auto self = shared_from_this();
  Error err;
  try {
    // A TLS handshake runs first, bounded in time; a plain connection has none.
    err = co_await stream_->GetConnection()->Handshake(ctx_.handshake_timeout);
    handshake_done_.store(true);
    if (!err && ctx_.auth) err = AdmitConnection();  // the peer is known now, mTLS names too
    if (!err && !codec_) {
      err = co_await ChooseCodec();
    } else if (!err) {
      SetProtocol(WireProtocol::kCodec);  // ServeCodec
    }
    if (!err) {
      err = co_await transport::RunReadLoop(*stream_, *this, ctx_.limits.max_message_bytes);
    }
  } catch (const std::exception& e) {
    // Run is spawned detached, which would swallow this and leave the connection open for
    // ever: whatever threw (a codec, Beast, a thread that could not start) closes it instead.
    Log(LogLevel::kWarning, "closing connection from ", stream_->RemoteAddress(),
        ": internal error: ", e.what());
    err = Error(ErrorCode::kIo, std::string("internal error: ") + e.what());
    stream_->Close();
  }
  if (err.code() == ErrorCode::kUnexpectedEof) {
    Log(LogLevel::kDebug, "connection from ", stream_->RemoteAddress(), " closed by the peer");
  } else {
    // A read cut short by this side's own Close says only "Operation canceled": the idle sweep
    // and Shutdown have logged why; a failed write is the peer gone, which is no warning.
    Log(stream_->Closed() ? LogLevel::kDebug : LogLevel::kWarning, "closing connection from ",
        stream_->RemoteAddress(), ": ", err.message());
  }
  // The read side has ended: the calls in flight lose their caller, unless Shutdown stopped
  // reading to let them finish.
  if (!draining_.load() || force_closed_.load()) {
    CancelContexts(force_closed_.load() ? ErrShutdown : ErrConnectionClosed);
  }
  ReadingDone();
}

asio::awaitable<void> ServerConn::RunOne() {
  auto self = shared_from_this();
  keep_open_ = true;
  auto& buffer = stream_->Buffer();
  for (;;) {
    ReadResult r = codec_->ReadRequestHeader(buffer.Data(), &header_);
    if (r.error) {
      one_error_ = r.error;
      break;
    }
    if (r.consumed > 0) {
      // A native client's hello or cancel is answered on the way, not the one request.
      bool control = native_last_->control != codec::NativeRequest::Control::kNone;
      Serve(header_);
      buffer.Consume(r.consumed);
      if (control) continue;
      break;
    }
    if ((one_error_ = transport::CheckBuffered(buffer, ctx_.limits.max_message_bytes))) break;
    if (Error err = co_await stream_->ReadMore()) {
      one_error_ = err;
      break;
    }
  }
  ReadingDone();
}

ReadResult ServerConn::OnMessage(std::string_view in) {
  ReadResult r = codec_->ReadRequestHeader(in, &header_);
  if (r.consumed > 0) Serve(header_);
  return r;
}

asio::awaitable<Error> ServerConn::ChooseCodec() {
  auto& buffer = stream_->Buffer();
  std::unique_ptr<protocol::GeeOptionReader> gee;
  WireProtocol protocol = WireProtocol::kNative;  // set with codec_ below
  protocol::GeeOption gee_option;
  bool gee_option_read = false;  // then only the codec's stream is left to start
  Conn conn = detail::ConnAccess::Make(stream_->GetConnection());
  for (;;) {
    if (codec_) {
      large_ = codec_->Large();
      native_ = codec::AsNativeServer(codec_.get());
      native_last_ = native_ ? &native_->Last() : &kNoExtras;
      SetProtocol(protocol);
      co_return Error{};
    }
    switch (gee_option_read ? protocol::Detected::kGeeOption : protocol::Sniff(buffer.Data())) {
      case protocol::Detected::kNeedMore:
        if (buffer.Size() >= protocol::kMaxSniffBytes) {
          co_return Error(ErrorCode::kProtocol, "unrecognized protocol");
        }
        break;
      case protocol::Detected::kNative:
        codec_ = codec::NewNativeServerCodec(ctx_.limits, conn);
        protocol = WireProtocol::kNative;
        continue;
      case protocol::Detected::kGob:
        codec_ = codec::NewGobServerCodec(ctx_.limits, codec::GobHeaders::kNetRpc, conn);
        protocol = WireProtocol::kGob;
        continue;
      case protocol::Detected::kJsonRpc:
        codec_ = codec::NewJsonServerCodec(ctx_.limits, conn);
        protocol = WireProtocol::kJsonRpc;
        continue;
      case protocol::Detected::kGeeOption: {
        if (!gee) gee = std::make_unique<protocol::GeeOptionReader>();
        if (!gee_option_read) {
          ReadResult r = gee->Read(buffer.Data(), &gee_option);
          if (r.error) co_return r.error;
          if (r.NeedMore()) break;
          buffer.Consume(r.consumed);
          gee_option_read = true;
          UseGeeHandleTimeout(gee_option.handle_timeout_ns);
        }
        // json.Encoder's '\n' after the Option may come in a later read than the Option:
        // the codec starts at the first byte after it (GeeRPC's server loses it and all
        // else its json.Decoder had buffered; keeping them is what lets a client pipeline).
        buffer.Consume(protocol::SkipGeeSeparator(buffer.Data()));
        if (buffer.Size() == 0) break;
        if (gee_option.codec_type == protocol::kGeeGob) {
          codec_ = codec::NewGobServerCodec(ctx_.limits, codec::GobHeaders::kGeeRpc, conn);
        } else {
          codec_ = codec::NewJsonServerCodec(ctx_.limits, conn);
        }
        protocol = WireProtocol::kGeeRpc;
        continue;
      }
      case protocol::Detected::kHttpConnect:
      case protocol::Detected::kHttp: {
        protocol::HttpHead head;
        ReadResult r = protocol::ParseHttpHead(buffer.Data(), &head);
        if (r.error.code() == ErrorCode::kTooLarge) {  // answered as Go's server answers it
          stream_->WriteWith([](std::string* out) {
            out->append(protocol::HeadTooLargeResponse());
            return Error{};
          });
        }
        if (r.error) co_return r.error;
        if (r.NeedMore()) break;
        bool connected = false;
        if (Error err = co_await ServeHttp(r.consumed, &connected)) co_return err;
        continue;  // the RPC stream follows the handshake: sniff it in turn
      }
    }
    if (Error err = co_await stream_->ReadMore()) co_return err;
  }
}

void ServerConn::UseGeeHandleTimeout(int64_t handle_timeout_ns) {
  // GeeRPC's 0 means no limit; a negative one expires at once, as Go's time.After does.
  std::chrono::nanoseconds timeout(handle_timeout_ns);
  if (timeout.count() == 0) return;
  if (handler_timeout_.count() != 0 && handler_timeout_ <= timeout) return;
  handler_timeout_ = timeout;
  gee_timeout_error_ = "rpc server: request handle timeout: expect within " +
                       protocol::GoDurationString(handle_timeout_ns);  // GeeRPC day 4's text
}

transport::MessageSink::Large ServerConn::BeginLarge(transport::ReadBuffer& buffer,
                                                     codec::Tail** tail) {
  // Below this, reading through the buffer and copying costs less than the extra steps.
  constexpr size_t kMinLarge = 256 * 1024;
  if (large_ == nullptr) return Large::kNo;
  LargeRequest& large = large_request_;
  size_t size = large_->LargeRequestHeader(buffer.Data(), &large.header);
  if (size == 0) return Large::kNotYet;  // look again after the next read
  if (size < kMinLarge) return Large::kNo;
  Error lookup_err;
  large.method = FindMethod(large.header.service_method, &lookup_err);
  if (large.method == nullptr) return Large::kNo;  // the usual path answers unknown methods
  large.slot = large.method->stub.new_slot();
  ReadResult r = large_->LargeRequestBody(
      buffer.Data(), {large.method->stub.args_type, large.slot->args}, &large.tail);
  if (r.consumed == 0) {  // not a tail read: buffer it all after all
    large.slot.reset();
    return Large::kNo;
  }
  buffer.Consume(r.consumed);
  *tail = &large.tail;
  return Large::kYes;
}

Error ServerConn::FinishLarge() {
  LargeRequest& large = large_request_;
  // What followed the tail (a native request's records) may refuse the call or the stream.
  Error call_err;
  Error err = large_->LargeRequestEnd(large.tail, {large.method->stub.args_type, large.slot->args},
                                      &call_err);
  large.tail = {};
  // The auth hook is asked here, once the records (a native caller's metadata) have been read.
  // Its refusal comes before the records' own verdict (a type mismatch names our args type),
  // so that a refused caller learns of the method no more than on the usual path.
  if (!err && ctx_.auth) [[unlikely]] {
    if (Error refused = AdmitCall(large.header.service_method)) call_err = std::move(refused);
  }
  if (err || call_err) {
    large.slot.reset();
    if (call_err) WriteReply(large.header.seq, large.header.service_method, call_err, {});
    return err;
  }
  Start(large.method, std::move(large.slot), large.header);
  return {};
}

asio::awaitable<void> ServerConn::WaitForRoom() {
  // Polling is only reached under overload, and then a few wake-ups a millisecond cost less
  // than a notification on every reply of the fast path.
  asio::steady_timer timer(stream_->GetStrand());
  while ((in_flight_.load() >= ctx_.max_calls_in_flight ||
          stream_->QueuedBytes() > ctx_.max_queued_reply_bytes) &&
         !stream_->Closed()) {
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

bool ServerConn::IdleSince(std::chrono::steady_clock::time_point* since) const {
  // A call that outlasted the timeout leaves the connection busy until its reply is out and
  // the timeout has passed again since it finished.
  if (in_flight_.load() != 0 || stream_->QueuedBytes() != 0) return false;
  auto finished = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_finished_ns_.load(std::memory_order_relaxed)));
  *since = std::max(stream_->LastRead(), finished);
  return true;
}

asio::awaitable<Error> ServerConn::ServeHttp(size_t head_size, bool* connected) {
  // Go's http.Server refuses some heads before any handler; then its handlers route by the
  // decoded path, query left out (rpc's ServeHTTP on the RPC path, http/ or NotFound elsewhere).
  auto& buffer = stream_->Buffer();
  std::string_view head_bytes = buffer.Data().substr(0, head_size);
  protocol::HttpRequest request = protocol::ReadHttpRequest(head_bytes);
  std::string rpc_path = ctx_.http.RpcPath();
  if (request.refusal.empty() && request.path == rpc_path && request.method == "CONNECT") {
    // Answered on every port, HandleHTTP or not (Go answers it only after HandleHTTP).
    buffer.Consume(head_size);
    stream_->WriteWith([&](std::string* out) {
      out->append(protocol::ConnectedResponse());
      return Error{};
    });
    *connected = true;
    co_return Error{};
  }
  if (request.refusal.empty() && request.method == "CONNECT" &&
      (request.path == protocol::kGeeRpcPath || request.path == protocol::kGeeRpcPathAlt)) {
    // GeeRPC's DialHTTP (XDial's http@): its answer, then its Option starts the stream.
    buffer.Consume(head_size);
    stream_->WriteWith([&](std::string* out) {
      out->append(protocol::GeeConnectedResponse());
      return Error{};
    });
    *connected = true;
    co_return Error{};
  }
  auto http = request.refusal.empty() ? ctx_.http.Service() : nullptr;
  if (http) {  // HandleHTTP or a user's handlers: http/ answers, with Beast
    SetProtocol(WireProtocol::kHttp);
    if (head_bytes.find("\r\n") == std::string_view::npos) {  // bare LFs, as Go's DialHTTP
      std::string rest = protocol::WithCrlf(head_bytes).append(buffer.Data().substr(head_size));
      buffer.Consume(buffer.Size());
      buffer.Append(rest);
    }
    // A named variable: g++ 12 destroyed a braced temporary argument of this co_await twice.
    server::HttpConn http_conn{stream_.get(), std::move(rpc_path), &in_flight_};
    auto outcome = co_await http->Serve(std::move(http_conn));
    *connected = outcome == HttpService::Outcome::kConnected;
    co_return *connected ? Error{} : ErrUnexpectedEof;  // an end, not a fault: no log line
  }
  std::string answer;
  Error err;
  if (!request.refusal.empty()) {
    answer = request.refusal;
    err = Error(ErrorCode::kProtocol,
                "http: refused: " + request.refusal.substr(9, request.refusal.find('\r') - 9));
  } else if (request.path == rpc_path) {  // Go: "405 must CONNECT"
    answer = protocol::HttpErrorResponse(request, 405, "Method Not Allowed", "405 must CONNECT\n");
    err = Error(ErrorCode::kProtocol,
                "http: " + request.method + " " + request.path + ": must CONNECT");
  } else {
    answer = protocol::HttpErrorResponse(request, 404, "Not Found", "404 page not found\n");
    err =
        Error(ErrorCode::kProtocol, "http: " + request.method + " " + request.path + ": not found");
  }
  buffer.Consume(head_size);
  stream_->WriteWith([&](std::string* out) {
    out->append(answer);
    return Error{};
  });
  co_return err;
}

void ServerConn::SetProtocol(WireProtocol protocol) {
  if (ctx_.stats == nullptr) return;
  if (protocol_ != nullptr) protocol_->open.fetch_sub(1, std::memory_order_relaxed);
  protocol_ = &ctx_.stats->Of(protocol);
  protocol_->open.fetch_add(1, std::memory_order_relaxed);
  protocol_->total.fetch_add(1, std::memory_order_relaxed);
  stream_->CountBytes(&protocol_->bytes_in, &protocol_->bytes_out);
}

Method* ServerConn::FindMethod(const std::string& service_method, Error* err) {
  for (auto& [name, m] : method_cache_) {
    if (name == service_method) return m;
  }
  Method* method = ctx_.services->Lookup(service_method, err);
  if (method != nullptr && method_cache_.size() < kMethodCacheSize) {
    method_cache_.emplace_back(service_method, method);
  }
  return method;
}

// Watchdog answers a call whose handler overran ServerOptions::handler_timeout or the native
// caller's deadline, or drops it when the caller cancels. The handler cannot be stopped, so
// whichever answers first wins and the others are dropped.
struct ServerConn::Watchdog {
  std::atomic<bool> answered{false};
  asio::steady_timer timer;
  uint64_t call_seq = 0;  // the client's seq, in watched_ if `watched`
  bool watched = false;
  std::shared_ptr<Context> context;  // the call's, if its method takes one: canceled here too
  explicit Watchdog(const transport::Strand& strand) : timer(strand) {}
};

void ServerConn::ServeControl(Request& header) {
  if (native_last_->control == codec::NativeRequest::Control::kCancel) {
    CancelCall(native_last_->cancel_seq);
  } else {  // a hello: answered so that the client learns we speak the extensions
    WriteReply(header.seq, header.service_method, {}, {});
  }
}

void ServerConn::CancelCall(uint64_t seq) {
  std::shared_ptr<Watchdog> watchdog;
  {
    std::lock_guard lock(watched_mu_);
    auto it = watched_.find(seq);
    if (it != watched_.end()) {  // else answered already, or no deadline: the client drops it
      watchdog = it->second.lock();
      watched_.erase(it);
    }
  }
  // The caller has given up: its call is answered (by nothing, as it has forgotten the seq),
  // and the handler's late result is dropped as after a deadline.
  if (watchdog != nullptr && !watchdog->answered.exchange(true)) {
    asio::post(stream_->GetStrand(), [watchdog] { watchdog->timer.cancel(); });
  }
  // A handler with a Context learns it, whether its call has a deadline or not.
  std::vector<std::shared_ptr<Context>> contexts;  // one, unless the client reused a seq
  {
    std::lock_guard lock(contexts_mu_);
    auto [begin, end] = contexts_by_seq_.equal_range(seq);
    for (auto it = begin; it != end; ++it) contexts.push_back(contexts_.at(it->second).context);
  }
  for (auto& c : contexts) detail::ContextAccess::Cancel(*c, ErrContextCanceled);
}

Error ServerConn::AdmitConnection() {
  const Peer& peer = stream_->GetConnection()->GetPeer();
  Error verdict = Admit(ctx_.auth, {.phase = AuthPhase::kConnection,
                                    .peer = peer,
                                    .service_method = {},
                                    .metadata = kNoMetadata});
  // Run logs it as the reason the connection closes; a client learns nothing but the close.
  if (verdict) return Error("refused by the auth hook: " + verdict.message());
  return {};
}

Error ServerConn::AdmitCall(const std::string& service_method) {
  return Admit(ctx_.auth, {.phase = AuthPhase::kCall,
                           .peer = stream_->GetConnection()->GetPeer(),
                           .service_method = service_method,
                           .metadata = native_last_->metadata});
}

void ServerConn::Dispatch(Request& header) {
  Error err;
  // With a hook, a call is refused before its method is looked up: a caller turned away
  // learns nothing of which methods exist. Without one this is the only cost: one check.
  Method* method = ctx_.auth && (err = AdmitCall(header.service_method))
                       ? nullptr
                       : FindMethod(header.service_method, &err);
  if (method == nullptr) {
    codec_->ReadRequestBody({});  // keep a stateful stream in step; the body is not needed
    WriteReply(header.seq, header.service_method, err, {});
    if (keep_open_) one_error_ = err;  // Go's ServeRequest answers, then returns the error
    return;
  }
  std::unique_ptr<detail::CallSlot> slot = method->stub.new_slot();
  if (Error body_err = codec_->ReadRequestBody({method->stub.args_type, slot->args})) {
    // Go answers a body it cannot decode with the codec's own text (server.go readRequest);
    // only a bad header gets "rpc: server cannot decode request: ", and that ends the conn.
    WriteReply(header.seq, header.service_method, body_err, {});
    if (keep_open_) one_error_ = body_err;
    return;
  }
  Start(method, std::move(slot), header);
}

void ServerConn::Start(Method* method, std::unique_ptr<detail::CallSlot> slot,
                       const Request& header) {
  slot->seq = header.seq;
  slot->service_method = header.service_method;
  slot->started_ns = std::chrono::steady_clock::now().time_since_epoch().count();
  method->stats.calls.fetch_add(1, std::memory_order_relaxed);
  method->stats.in_flight.fetch_add(1, std::memory_order_relaxed);
  in_flight_.fetch_add(1);
  Execute(method, std::move(slot));
}

// CallLimit is how long a call may run: the native caller's remaining time or the server's
// handler timeout (or GeeRPC's), the sooner; `callers` if it is the caller's.
struct ServerConn::CallLimit {
  std::chrono::nanoseconds caller_timeout;
  std::chrono::nanoseconds limit;
  bool callers;
};

ServerConn::CallLimit ServerConn::LimitOfCall() const {
  CallLimit l{native_last_->timeout, handler_timeout_, false};
  l.callers = l.caller_timeout.count() > 0 && (l.limit.count() == 0 || l.caller_timeout < l.limit);
  if (l.callers) l.limit = l.caller_timeout;
  return l;
}

void ServerConn::Execute(Method* method, std::unique_ptr<detail::CallSlot> slot) {
  // A method without a Context pays this one branch for the feature; the rest is apart.
  if (method->stub.takes_context) [[unlikely]] {
    ExecuteWithContext(method, std::move(slot), LimitOfCall());
    return;
  }
  std::shared_ptr<Watchdog> watchdog;
  // The read loop runs this right after the request was read: Last() is the request's, and
  // its deadline is never negative.
  if ((handler_timeout_.count() | native_last_->timeout.count()) != 0) [[unlikely]] {
    watchdog = ArmWatchdog(*slot, LimitOfCall(), nullptr);
  }
  if (method->stub.invoke_async) {
    asio::co_spawn(
        stream_->GetStrand(),
        [self = shared_from_this(), method, slot = std::move(slot),
         watchdog]() mutable -> asio::awaitable<void> {
          Error err = co_await (*method->stub.invoke_async)(*slot);
          self->Finish(method, std::move(slot), std::move(err), std::move(watchdog));
        },
        asio::detached);
    return;
  }
  if (method->dispatch == Dispatch::kInline) {
    Error err = method->stub.invoke(*slot);
    Finish(method, std::move(slot), std::move(err), std::move(watchdog));
    return;
  }
  ctx_.workers->Post(
      [self = shared_from_this(), method, slot = std::move(slot), watchdog]() mutable {
        Error err = method->stub.invoke(*slot);
        self->Finish(method, std::move(slot), std::move(err), std::move(watchdog));
      });
}

std::shared_ptr<ServerConn::Watchdog> ServerConn::ArmWatchdog(const detail::CallSlot& slot,
                                                              const CallLimit& limit,
                                                              std::shared_ptr<Context> context) {
  auto watchdog = std::make_shared<Watchdog>(stream_->GetStrand());
  watchdog->context = std::move(context);
  if (limit.caller_timeout.count() > 0) {  // a native caller with a deadline may also cancel
    watchdog->call_seq = native_->CallSeq(slot.seq);
    watchdog->watched = true;
    std::lock_guard lock(watched_mu_);
    watched_[watchdog->call_seq] = watchdog;
  }
  watchdog->timer.expires_after(limit.limit);
  watchdog->timer.async_wait([self = shared_from_this(), watchdog, seq = slot.seq,
                              sm = slot.service_method,
                              callers = limit.callers](boost::system::error_code ec) {
    if (ec || watchdog->answered.exchange(true)) return;
    // The caller's own deadline is answered with the text its client gives it.
    Error timeout_err(callers ? ErrTimeout.message()
                      : self->gee_timeout_error_.empty()
                          ? "rpc: handler timeout after " +
                                std::to_string(self->ctx_.handler_timeout.count()) + "ms"
                          : self->gee_timeout_error_);
    self->WriteReply(seq, sm, timeout_err, {});
    if (watchdog->context) detail::ContextAccess::Cancel(*watchdog->context, ErrDeadlineExceeded);
  });
  return watchdog;
}

void ServerConn::ExecuteWithContext(Method* method, std::unique_ptr<detail::CallSlot> slot,
                                    const CallLimit& limit) {
  auto context =
      NewContext(native_ != nullptr ? native_->CallSeq(slot->seq) : slot->seq, limit.limit);
  slot->context = context.get();  // contexts_ owns it until Finish
  std::shared_ptr<Watchdog> watchdog;
  if (limit.limit.count() != 0) watchdog = ArmWatchdog(*slot, limit, context);
  if (method->stub.invoke_async) {
    // The context's cancel reaches the coroutine as Asio's terminal cancellation, so that the
    // operation it awaits ends with operation_aborted. The signal is emitted on the strand,
    // where the coroutine runs, and only until it has returned (co_spawn leaves its handler in
    // the slot after that).
    struct CoroutineCancel {
      asio::cancellation_signal signal;
      bool returned = false;
    };
    auto cancel = std::make_shared<CoroutineCancel>();
    auto emit = [cancel, strand = stream_->GetStrand()] {
      asio::post(strand, [cancel] {
        if (!cancel->returned) cancel->signal.emit(asio::cancellation_type::terminal);
      });
    };
    using Registration = std::stop_callback<decltype(emit)>;
    auto registration = std::make_unique<Registration>(context->StopToken(), std::move(emit));
    asio::co_spawn(
        stream_->GetStrand(),
        [self = shared_from_this(), method, slot = std::move(slot), watchdog, cancel,
         registration = std::move(registration)]() mutable -> asio::awaitable<void> {
          Error err = co_await (*method->stub.invoke_async)(*slot);
          cancel->returned = true;
          self->Finish(method, std::move(slot), std::move(err), std::move(watchdog));
        },
        asio::bind_cancellation_slot(cancel->signal.slot(), asio::detached));
    return;
  }
  // Execute's tail again: shared through a function, it cost W1 a call (callgrind: +35
  // instructions per call), so the few lines are repeated.
  if (method->dispatch == Dispatch::kInline) {
    Error err = method->stub.invoke(*slot);
    Finish(method, std::move(slot), std::move(err), std::move(watchdog));
    return;
  }
  ctx_.workers->Post(
      [self = shared_from_this(), method, slot = std::move(slot), watchdog]() mutable {
        Error err = method->stub.invoke(*slot);
        self->Finish(method, std::move(slot), std::move(err), std::move(watchdog));
      });
}

void ServerConn::Finish(Method* method, std::unique_ptr<detail::CallSlot> slot, Error err,
                        std::shared_ptr<Watchdog> watchdog) {
  bool answered_late = watchdog != nullptr && watchdog->answered.exchange(true);
  // The counters first: a caller that has its reply finds the call counted (the debug page).
  int64_t now_ns = std::chrono::steady_clock::now().time_since_epoch().count();
  last_finished_ns_.store(now_ns, std::memory_order_relaxed);
  MethodStats& stats = method->stats;
  stats.in_flight.fetch_sub(1, std::memory_order_relaxed);
  if (err || answered_late) stats.errors.fetch_add(1, std::memory_order_relaxed);
  stats.latency.Record(now_ns - slot->started_ns);
  if (slot->context != nullptr) [[unlikely]] {
    std::lock_guard lock(contexts_mu_);
    auto in_flight = contexts_.find(slot->context);
    auto [begin, end] = contexts_by_seq_.equal_range(in_flight->second.call_seq);
    for (auto it = begin; it != end; ++it) {
      if (it->second == slot->context) {
        contexts_by_seq_.erase(it);
        break;
      }
    }
    contexts_.erase(in_flight);
  }
  if (!answered_late) {
    // The reply may be sent straight from the slot, which the stream then keeps until then.
    uint64_t seq = slot->seq;
    const std::string& service_method = slot->service_method;
    WriteReply(seq, service_method, err, {method->stub.reply_type, slot->reply}, &slot);
  }
  if (watchdog && watchdog->watched) {
    std::lock_guard lock(watched_mu_);
    auto it = watched_.find(watchdog->call_seq);
    if (it != watched_.end() && it->second.lock() == watchdog) watched_.erase(it);
  }
  if (watchdog) {  // the timer lives on the strand; stop it there
    asio::post(stream_->GetStrand(), [w = std::move(watchdog)] { w->timer.cancel(); });
  }
  if (in_flight_.fetch_sub(1) == 1 && reading_done_.load()) CloseWhenFlushed();
}

std::shared_ptr<Context> ServerConn::NewContext(uint64_t call_seq, std::chrono::nanoseconds limit) {
  const std::shared_ptr<transport::Connection>& connection = stream_->GetConnection();
  std::shared_ptr<const Peer> peer(connection, &connection->GetPeer());
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (limit.count() != 0) {
    // A caller may send a timeout up to 2^63 ns: now + that would wrap into the past.
    auto now = std::chrono::steady_clock::now();
    auto room = std::chrono::steady_clock::time_point::max() - now;
    deadline = limit >= room
                   ? std::chrono::steady_clock::time_point::max()
                   : now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(limit);
  }
  // native_last_ is the request just read, on both paths to here (a large request's records
  // are taken in by LargeRequestEnd before FinishLarge starts it).
  auto context = detail::ContextAccess::Make(std::move(peer), native_last_->metadata, deadline);
  {
    std::lock_guard lock(contexts_mu_);
    contexts_.emplace(context.get(), InFlight{call_seq, context});
    contexts_by_seq_.emplace(call_seq, context.get());
  }
  // ForceClose sets the flag before it looks at contexts_: it sees this one, or this sees it.
  if (force_closed_.load()) detail::ContextAccess::Cancel(*context, ErrShutdown);
  return context;
}

void ServerConn::CancelContexts(const Error& why) {
  std::vector<std::shared_ptr<Context>> contexts;
  {
    std::lock_guard lock(contexts_mu_);
    for (auto& [p, in_flight] : contexts_) contexts.push_back(in_flight.context);
  }
  // Outside the lock: the handlers' OnCancel callbacks run here.
  for (auto& c : contexts) detail::ContextAccess::Cancel(*c, why);
}

void ServerConn::WriteReply(uint64_t seq, const std::string& service_method, const Error& err,
                            ConstValue body, std::unique_ptr<detail::CallSlot>* owner) {
  auto encode = [&](std::string* out, Borrowed* borrowed) {
    Response header{service_method, seq, err ? err.message() : std::string()};
    if (err && header.error.empty()) header.error = "error";  // an empty string means success
    Error e = borrowed != nullptr && large_ != nullptr
                  ? large_->WriteResponse(header, body, out, borrowed)
                  : codec_->WriteResponse(header, body, out);
    if (e) {  // the reply could not be encoded: the caller still gets an answer
      header.error = "rpc: server cannot encode reply: " + e.message();
      e = codec_->WriteResponse(header, {}, out);
    }
    return e;
  };
  Error write_err =
      owner != nullptr ? stream_->WriteBorrowing(*owner, encode)
                       : stream_->WriteWith([&](std::string* out) { return encode(out, nullptr); });
  if (write_err && !stream_->Closed()) {
    Log(LogLevel::kWarning, "writing response: ", write_err.message());
  }
}

void ServerConn::ReadingDone() {
  reading_done_.store(true);
  if (in_flight_.load() == 0) CloseWhenFlushed();
}

void ServerConn::CloseWhenFlushed() {
  if (closing_.exchange(true)) return;
  stream_->WhenFlushed([self = shared_from_this()] {
    if (self->keep_open_) {  // ServeRequest: the next request's first bytes go back
      if (self->stream_->Closed() && !self->one_error_) {
        self->one_error_ = Error(ErrorCode::kIo, "ServeRequest: writing the response failed");
      }
      self->stream_->GetConnection()->Unread(self->stream_->Buffer().Data());
      self->Closed();
      return;
    }
    if (self->codec_) self->codec_->Close();
    if (!self->draining_.load()) {  // the peer left or broke the protocol: close at once
      self->stream_->Close();
      self->Closed();
      return;
    }
    // Shutting down while the peer may still be sending: linger so that the replies just
    // written reach it instead of being lost to a reset (bounded by shutdown_grace too).
    asio::co_spawn(
        self->stream_->GetStrand(),
        [self]() -> asio::awaitable<void> {
          co_await self->stream_->Linger(kLinger);
          self->stream_->Close();
          self->Closed();
        },
        asio::detached);
  });
}

void ServerConn::Drain() {
  draining_.store(true);
  // Before its handshake ends a connection has no call to finish: Shutdown need not wait for
  // a client that stalls there (the read loop's stop does not reach the handshake).
  if (!handshake_done_.load()) stream_->Close();
  stream_->StopReading();
}

void ServerConn::ForceClose() {
  force_closed_.store(true);
  bool contexts = false;
  {
    std::lock_guard lock(contexts_mu_);
    contexts = !contexts_.empty();
  }
  // On the strand, as every other cancel: Shutdown calls this under the server's lock, where
  // a handler's OnCancel callback must not run.
  if (contexts) {
    asio::post(stream_->GetStrand(),
               [self = shared_from_this()] { self->CancelContexts(ErrShutdown); });
  }
  stream_->Close();
}

}  // namespace netrpc::server
