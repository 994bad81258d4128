// client.cc: Dial, the Client's calls and their completion, deadlines and shutdown.
// Every path that ends a call first takes it from the pending table, so it ends once.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "client/client_core.h"
#include "codec/gob.h"
#include "codec/jsonrpc.h"
#include "codec/native.h"
#include "netrpc/tls.h"
#include "protocol/gee_option.h"
#include "protocol/http_connect.h"
#include "transport/conn_access.h"
#include "transport/listener.h"
#include "transport/socket_connection.h"
#include "types/log.h"

namespace netrpc {

namespace asio = boost::asio;

namespace detail {
namespace {

// HttpConnect makes Go's DialHTTP handshake on a new connection and gives back whatever
// followed the answer's head, for the RPC stream to read first.
asio::awaitable<Error> HttpConnect(transport::Connection& c, std::string_view path,
                                   std::string_view connected) {
  std::string request = protocol::ConnectRequest(path);
  asio::const_buffer out(request.data(), request.size());
  auto [werr, wn] = co_await c.AsyncWrite(std::span(&out, 1), asio::as_tuple(asio::use_awaitable));
  if (werr) co_return Error(ErrorCode::kIo, werr.message());
  std::string in;
  char chunk[1024];
  for (;;) {
    protocol::HttpHead head;
    ReadResult r = protocol::ParseHttpHead(in, &head);
    if (r.error) co_return r.error;
    if (r.consumed > 0) {
      if (head.method != "HTTP/1.0" && head.method != "HTTP/1.1") {
        co_return Error(ErrorCode::kProtocol, "malformed HTTP response: " + head.first_line);
      }
      if (head.target != connected) {
        co_return Error(ErrorCode::kProtocol, "unexpected HTTP response: " + head.target);
      }
      c.Unread(std::string_view(in).substr(r.consumed));
      co_return Error{};
    }
    auto [rerr, n] =
        co_await c.AsyncReadSome(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (rerr) co_return Error(ErrorCode::kIo, rerr.message());
    in.append(chunk, n);
  }
}

}  // namespace

std::string GeeOption(const DialOptions& options) {
  return protocol::GeeOptionJson(
      options.protocol == Protocol::kJson ? protocol::kGeeJson : protocol::kGeeGob,
      std::chrono::nanoseconds(options.connect_timeout).count(),
      options.gee_handle_timeout.count());
}

DialOptions WithProtocol(DialOptions options, Protocol dial_default) {
  if (!options.protocol) options.protocol = options.gee_option ? Protocol::kGob : dial_default;
  return options;
}

}  // namespace detail

namespace detail {

ClientCore::ClientCore(DialOptions options)
    : options_(options),
      own_loop_(options.loop ? nullptr : std::make_unique<transport::EventLoop>(1)),
      loop_(options.loop ? &LoopAccess::Of(*options.loop) : own_loop_.get()),
      timer_(std::make_unique<Timer>(asio::make_strand(loop_->Context()))) {
  limits_.max_message_bytes = options.max_message_bytes;
  limits_.max_depth = options.max_depth;
}

ClientCore::~ClientCore() { Shutdown(); }

void ClientCore::Shutdown() {
  Close();
  if (own_loop_) {
    own_loop_->Stop();
    // Objects bound to the io_context go before it; it then destroys what is still queued.
    timer_.reset();
    // The codec holds the connection: one made on this loop goes before the loop does. A
    // connection of the caller's (NewClient(Conn)) lives on the default loop, where the read
    // loop may still be ending, and keeps its codec until then.
    if (stream_ && stream_->GetConnection()->GetExecutor() == own_loop_->Context().get_executor()) {
      codec_.reset();
      stream_.reset();
    }
    own_loop_.reset();
    loop_ = nullptr;
  } else if (auto self = weak_from_this().lock()) {  // not from the destructor
    // A shared loop runs on: stop the timer, whose wait would keep this core alive until the
    // last deadline. The read loop ends by itself on the closed connection.
    asio::post(timer_->get_executor(), [self] { self->timer_->cancel(); });
  }
}

asio::awaitable<Result<std::shared_ptr<transport::Connection>>> ClientCore::DialConnection(
    std::string network, std::string address, std::string http_path, std::string connected) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = loop_->Context().get_executor();  // the connection lives on the client's loop
  auto timeout = options_.connect_timeout;
  auto start = std::chrono::steady_clock::now();
  transport::TcpKind kind;
  std::string server_name;
  if (tls_) {
    server_name = tls_->Options().server_name;
    uint16_t port = 0;
    if (server_name.empty()) transport::ParseHostPort(address, &server_name, &port);
    kind = [tls = tls_, server_name](asio::ip::tcp::socket socket) {
      return transport::NewTlsClientConnection(std::move(socket), tls, server_name);
    };
  }
  auto c = co_await transport::Dial(ex, network, address, timeout, kind);
  if (!c.ok()) co_return c;
  if (tls_) {  // Go's tls.Dial: the handshake is part of the dial
    if (Error err = co_await (*c)->Handshake(tls_->Options().handshake_timeout)) {
      co_return Error(ErrorCode::kConnect,
                      "dial " + network + " " + address + ": " + err.message());
    }
  }
  if (http_path.empty()) {
    if (Error err = co_await SendGeeOption(**c)) co_return err;
    co_return c;
  }
  // The handshake shares the connect timeout, as Go's DialHTTP shares its dialer's.
  asio::steady_timer timer(ex, start + timeout);
  auto h = co_await (HttpConnect(**c, http_path, connected) ||
                     timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  std::string prefix = "dial-http " + network + " " + address + ": ";
  if (h.index() == 1) co_return Error(ErrorCode::kConnect, prefix + "i/o timeout");
  if (Error herr = std::get<0>(h)) co_return Error(ErrorCode::kConnect, prefix + herr.message());
  if (Error err = co_await SendGeeOption(**c)) co_return err;
  co_return c;
}

// SendGeeOption writes GeeRPC's Option on its own, before any request can join it in one
// write, as GeeRPC's client does: GeeRPC's server reads the Option with a json.Decoder of its
// own and loses whatever else that decoder's first read took in.
asio::awaitable<Error> ClientCore::SendGeeOption(transport::Connection& c) {
  if (!options_.gee_option || options_.protocol == Protocol::kNative) co_return Error{};
  std::string option = GeeOption(options_);
  asio::const_buffer out(option.data(), option.size());
  auto [err, n] = co_await c.AsyncWrite(std::span(&out, 1), asio::as_tuple(asio::use_awaitable));
  if (err) co_return Error(ErrorCode::kConnect, "dial: writing GeeRPC's Option: " + err.message());
  gee_option_sent_ = true;
  co_return Error{};
}

Error ClientCore::Connect(std::string_view network, std::string_view address,
                          std::string_view http_path, std::string_view connected) {
  if (loop_->InLoopThread()) {
    return Error(ErrorCode::kUsage, "netrpc: Dial on its EventLoop's thread would deadlock");
  }
  auto connection = asio::co_spawn(loop_->Context(),
                                   DialConnection(std::string(network), std::string(address),
                                                  std::string(http_path), std::string(connected)),
                                   asio::use_future)
                        .get();
  if (!connection.ok()) return connection.error();
  return Begin(std::move(*connection), nullptr);
}

asio::awaitable<Error> ClientCore::AsyncConnect(std::string network, std::string address,
                                                std::string http_path, std::string connected) {
  auto connection = co_await DialConnection(std::move(network), std::move(address),
                                            std::move(http_path), std::move(connected));
  if (!connection.ok()) co_return connection.error();
  co_return Begin(std::move(*connection), nullptr);
}

Error ClientCore::Adopt(int fd) {
  auto connection = transport::AdoptDescriptor(loop_->Context().get_executor(), fd);
  if (!connection.ok()) {
    return Error(connection.error().code(), "NewClient: " + connection.error().message());
  }
  return Begin(std::move(*connection), nullptr);
}

Error ClientCore::Run(std::shared_ptr<transport::Connection> connection,
                      std::unique_ptr<ClientCodec> codec) {
  if (connection == nullptr) return Error(ErrorCode::kUsage, "NewClient: no connection");
  return Begin(std::move(connection), std::move(codec));
}

Error ClientCore::Begin(std::shared_ptr<transport::Connection> connection,
                        std::unique_ptr<ClientCodec> codec) {
  Protocol protocol = options_.protocol.value_or(Protocol::kNative);  // resolved by the caller
  if (codec == nullptr && options_.gee_option && protocol == Protocol::kNative) {
    return Error(ErrorCode::kUsage, "dial: GeeRPC's Option needs Protocol::kGob or kJson");
  }
  Conn conn = ConnAccess::Make(connection);
  on_default_loop_ = connection->GetExecutor() == transport::DefaultLoop().Context().get_executor();
  stream_ = std::make_shared<transport::Stream>(std::move(connection));
  // Replies that arrived before a write failed are still delivered, as in Go's net/rpc,
  // and the calls left get the read side's error (EOF: ErrUnexpectedEof).
  stream_->KeepReadingAfterWriteError();
  if (codec != nullptr) {
    codec_ = std::move(codec);
  } else {
    native_ = protocol == Protocol::kNative;
    switch (protocol) {
      case Protocol::kNative:
        codec_ = codec::NewNativeClientCodec(limits_, conn);
        break;
      case Protocol::kGob:
        codec_ = codec::NewGobClientCodec(
            limits_, options_.gee_option ? codec::GobHeaders::kGeeRpc : codec::GobHeaders::kNetRpc,
            conn);
        break;
      case Protocol::kJson:
        codec_ = codec::NewJsonClientCodec(limits_, conn);
        break;
    }
    if (options_.gee_option && !gee_option_sent_) {  // NewClient: the caller's connection
      std::string option = GeeOption(options_);
      stream_->WriteWith([&](std::string* out) {  // first in the queue: before any request
        out->append(option);
        return Error{};
      });
    }
  }
  large_ = codec_->Large();
  native_codec_ = codec::AsNativeClient(codec_.get());
  // The read loop holds the core from before its first step: on a connection of the caller's
  // it runs on the default loop, which a Client's destruction does not stop.
  asio::co_spawn(
      stream_->GetStrand(), [self = shared_from_this()] { return self->ReadLoop(); },
      asio::detached);
  return {};
}

asio::awaitable<void> ClientCore::ReadLoop() {
  auto self = shared_from_this();
  auto stream = stream_;
  Error err = co_await transport::RunReadLoop(*stream, *this, limits_.max_message_bytes);
  bool closing;
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(mu_);
    closing = closing_;
    shutdown_ = true;
    calls = pending_.TakeAll();
  }
  if (err.code() == ErrorCode::kUnexpectedEof) err = ErrUnexpectedEof;
  bool reset = err.code() == ErrorCode::kIo &&
               err.message() == boost::system::error_code(asio::error::connection_reset).message();
  if ((err == ErrUnexpectedEof || reset) && native_ && !heard_) {
    // A Go server reads netrpc's native preamble as a broken gob or JSON stream and hangs up
    // without a word: the likeliest reason for an end before the server sent a single byte.
    err = Error(err.code(), err.message() +
                                " (the server closed the connection before answering: a Go "
                                "net/rpc server needs Protocol::kGob, a Go jsonrpc one "
                                "Protocol::kJson)");
  }
  // The calls in flight return the error; with none, later calls get only ErrShutdown, so the
  // reason the connection ended is logged here or nowhere (before the calls complete, so that
  // whoever sees a call fail sees the log as it will be). A stream this side closed (its Conn
  // closed under the client) has nothing to tell.
  if (!closing && calls.empty() && err.code() != ErrorCode::kUnexpectedEof && !stream->Closed()) {
    Log(LogLevel::kWarning, "client: connection to ", stream->RemoteAddress(),
        " ended: ", err.message());
  }
  for (auto& c : calls) Complete(*c, closing ? ErrShutdown : err);
  codec_->Close();
  stream->Close();
}

ReadResult ClientCore::OnMessage(std::string_view in) {
  if (!in.empty()) heard_ = true;
  ReadResult r = codec_->ReadResponseHeader(in, &header_);
  if (r.consumed == 0) return r;
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mu_);
    call = pending_.Take(header_.seq);
  }
  if (call == nullptr) {  // timed out or canceled already: the reply has nowhere to go
    codec_->ReadResponseBody({});
  } else if (!header_.error.empty()) {
    codec_->ReadResponseBody({});
    // A native server answers the caller's own deadline, sent with the call, with the text
    // of ErrTimeout; it may come in before this client's timer has fired.
    bool deadline = native_codec_ != nullptr && header_.error == ErrTimeout.message();
    Complete(*call, deadline ? ErrTimeout : ServerError(header_.error));
  } else {
    Error body_err = codec_->ReadResponseBody(call->reply_);
    if (body_err) body_err = Error(ErrorCode::kCodec, "reading body " + body_err.message());
    Complete(*call, body_err);
  }
  return r;
}

// A large reply is staged rather than decoded into the caller's reply: the call stays in the
// pending table while the rest of its last value arrives, so its deadline and Cancel work as
// usual; if it is gone by the end, the staged value is dropped.
transport::MessageSink::Large ClientCore::BeginLarge(transport::ReadBuffer& buffer,
                                                     codec::Tail** tail) {
  constexpr size_t kMinLarge = 256 * 1024;  // below it, buffering and copying costs less
  if (large_ == nullptr) return Large::kNo;
  LargeReply& staged = large_reply_;
  size_t size = large_->LargeResponseHeader(buffer.Data(), &staged.header);
  if (size == 0) return Large::kNotYet;  // look again after the next read
  if (size < kMinLarge || !staged.header.error.empty()) return Large::kNo;
  const TypeInfo* type = nullptr;
  {
    std::lock_guard lock(mu_);
    const Call* call = pending_.Find(staged.header.seq);
    if (call == nullptr || call->reply_.object == nullptr) return Large::kNo;
    type = call->reply_.type;
  }
  codec::TailPlan plan;
  if (!large_->LargeResponseTail(buffer.Data(), type, &plan)) return Large::kNo;
  std::string_view in = buffer.Data();
  std::string_view first = in.substr(in.size() - plan.have);
  if (plan.kind == Kind::kBytes) {
    staged.tail.Begin(TypeOf<Bytes>(), &staged.bytes, plan.size, first);
  } else {
    staged.tail.Begin(TypeOf<std::string>(), &staged.string, plan.size, first);
  }
  *tail = &staged.tail;
  return Large::kYes;
}

Error ClientCore::FinishLarge() {
  LargeReply& staged = large_reply_;
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mu_);
    call = pending_.Take(staged.header.seq);
  }
  auto& buffer = stream_->Buffer();
  Error body_err =
      large_->LargeResponseBody(buffer.Data(), call ? call->reply_ : Value{}, staged.tail.object);
  buffer.Consume(buffer.Size());  // all of it was this message's start
  staged.tail = {};
  Bytes().swap(staged.bytes);  // a staged value that was not swapped in goes now
  std::string().swap(staged.string);
  if (call) {
    if (body_err) body_err = Error(ErrorCode::kCodec, "reading body " + body_err.message());
    Complete(*call, body_err);
  }
  return {};
}

std::shared_ptr<Call> ClientCore::Start(std::string_view service_method, ConstValue args,
                                        Value reply, CallOptions options,
                                        std::function<void(Call&)> done) {
  auto call = CallState::New(std::string(service_method), reply, std::move(done));
  call->client_ = weak_from_this();
  auto deadline = options.timeout.count() > 0 ? client::Clock::now() + options.timeout
                                              : client::Clock::time_point::max();
  bool arm = false;
  uint64_t seq;
  {
    std::unique_lock lock(mu_);
    if (closing_ || shutdown_) {
      lock.unlock();
      Complete(*call, ErrShutdown);
      return call;
    }
    seq = next_seq_++;
    call->seq_ = seq;
    pending_.Add(seq, call, deadline);
    if (deadline < timer_at_) {
      timer_at_ = deadline;
      arm = true;
    }
  }
  if (arm) {
    asio::post(timer_->get_executor(), [self = shared_from_this()] { self->ArmTimer(); });
  }
  Error err = stream_->WriteWith([&](std::string* out) {
    if (out->size() > options_.max_queued_request_bytes) {
      return Error(ErrorCode::kTooLarge,
                   "netrpc: " + std::to_string(out->size()) +
                       " bytes of requests already wait to be sent; the server is not reading");
    }
    Request header{call->service_method_, seq};
    if (native_codec_ != nullptr) {
      codec::NativeCallExtras extras{reply.type, options.timeout, &options.metadata};
      return native_codec_->WriteCall(header, args, extras, out);
    }
    return codec_->WriteRequest(header, args, out);
  });
  if (err) {
    std::shared_ptr<Call> taken;
    {
      std::lock_guard lock(mu_);
      taken = pending_.Take(seq);
    }
    if (taken) Complete(*taken, err.code() == ErrorCode::kIo ? ErrShutdown : err);
  }
  return call;
}

void ClientCore::ArmTimer() {
  client::Clock::time_point at;
  {
    std::lock_guard lock(mu_);
    at = pending_.NextDeadline();
    timer_at_ = at;
  }
  if (at == client::Clock::time_point::max()) return;
  timer_->expires_at(at);
  timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->OnTimer();
  });
}

void ClientCore::OnTimer() {
  std::vector<std::shared_ptr<Call>> expired;
  {
    std::lock_guard lock(mu_);
    expired = pending_.TakeExpired(client::Clock::now());
  }
  for (auto& c : expired) Complete(*c, ErrTimeout);
  ArmTimer();
}

void ClientCore::Cancel(uint64_t seq) {
  std::shared_ptr<Call> call;
  bool live = false;
  {
    std::lock_guard lock(mu_);
    call = pending_.Take(seq);
    live = !shutdown_;
  }
  if (call == nullptr) return;
  // A server that speaks the native extensions stops the call and drops its result.
  if (native_codec_ != nullptr && live) {
    stream_->WriteWith([&](std::string* out) {
      native_codec_->WriteCancel(seq, out);
      return Error{};
    });
  }
  Complete(*call, ErrCanceled);
}

Error ClientCore::Close() {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(mu_);
    if (closing_) return ErrShutdown;
    closing_ = true;
    calls = pending_.TakeAll();
  }
  for (auto& c : calls) Complete(*c, ErrShutdown);
  if (stream_) stream_->Close();
  return {};
}

bool ClientCore::Alive() {
  std::lock_guard lock(mu_);
  return !closing_ && !shutdown_;
}

size_t ClientCore::PendingCount() {
  std::lock_guard lock(mu_);
  return pending_.Size();
}

void ClientCore::Complete(Call& call, const Error& err) {
  CallState& state = CallState::Of(call);
  std::function<void(const Error&)> resume;
  {
    std::lock_guard lock(state.mu);
    state.outcome = err;
    state.finished = true;
    resume = std::move(state.on_finish);
  }
  state.cv.notify_all();
  if (call.done_) call.done_(call);
  if (resume) resume(err);
}

Error ClientCore::Wait(Call& call) {
  CallState& state = CallState::Of(call);
  std::unique_lock lock(state.mu);
  if (!state.finished) {
    auto core = call.client_.lock();
    auto owner = core ? nullptr : state.owner.lock();
    if ((core && core->InLoopThread()) || (owner && owner->InLoopThread())) {
      return Error(ErrorCode::kUsage,
                   "netrpc: Wait on the client's I/O thread would deadlock; use a done callback");
    }
  }
  state.cv.wait(lock, [&] { return state.finished; });
  return state.outcome;
}

// Await is deliberately not a coroutine: it returns async_initiate's awaitable directly. (g++ 12
// destroys a by-value shared_ptr parameter of a coroutine like this one twice.)
asio::awaitable<Error> ClientCore::Await(std::shared_ptr<Call> call) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Error)>(
      [call](auto handler) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected()) {
          slot.assign([weak = std::weak_ptr<Call>(call)](asio::cancellation_type) {
            if (auto c = weak.lock()) c->Cancel();
          });
        }
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto resume = [h, ex](const Error& err) {
          asio::post(ex, [h, err]() mutable { (*h)(err); });
        };
        CallState& state = CallState::Of(*call);
        std::unique_lock lock(state.mu);
        if (state.finished) {
          Error err = state.outcome;
          lock.unlock();
          resume(err);
        } else {
          state.on_finish = std::move(resume);
        }
      },
      asio::use_awaitable);
}

}  // namespace detail

// Call's methods ask the client that made it.
bool Call::Done() const {
  const detail::CallState& state = detail::CallState::Of(*this);
  std::lock_guard lock(state.mu);
  return state.finished;
}
Error Call::error() const {
  const detail::CallState& state = detail::CallState::Of(*this);
  std::lock_guard lock(state.mu);
  return state.outcome;
}
Error Call::Wait() { return detail::ClientCore::Wait(*this); }
void Call::Cancel() {
  if (auto core = client_.lock()) {
    core->Cancel(seq_);
  } else if (auto owner = detail::CallState::Of(*this).owner.lock()) {
    owner->CancelCall();
  }
}

Client::Client(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
Client::~Client() { core_->Shutdown(); }

std::shared_ptr<Call> Client::Start(std::string_view service_method, ConstValue args, Value reply,
                                    CallOptions options, std::function<void(netrpc::Call&)> done) {
  if (args.object == nullptr) {
    // Call's args were a null pointer (detail::SentArgs). Go's gob panics on a nil *Args;
    // here the call fails at once and nothing is sent. Cancel of this call is a no-op.
    auto call = detail::CallState::New(std::string(service_method), reply, std::move(done));
    detail::ClientCore::Complete(
        *call, Error(ErrorCode::kUsage,
                     "netrpc: the args of " + std::string(service_method) + " are a null pointer"));
    return call;
  }
  return core_->Start(service_method, args, reply, options, std::move(done));
}
asio::awaitable<Error> Client::Await(std::shared_ptr<netrpc::Call> call) {
  return detail::ClientCore::Await(std::move(call));
}
Error Client::Close() { return core_->Close(); }
size_t Client::PendingCount() const { return core_->PendingCount(); }

Result<std::unique_ptr<Client>> Dial(std::string_view network, std::string_view address,
                                     DialOptions options) {
  auto core =
      std::make_shared<detail::ClientCore>(detail::WithProtocol(options, Protocol::kNative));
  if (Error err = core->Connect(network, address)) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

namespace detail {

asio::awaitable<Result<std::unique_ptr<Client>>> AsyncDial(std::string network, std::string address,
                                                           DialOptions options) {
  auto core = std::make_shared<ClientCore>(WithProtocol(options, Protocol::kNative));
  if (Error err = co_await core->AsyncConnect(std::move(network), std::move(address))) {
    core->Shutdown();
    co_return err;
  }
  co_return ClientCore::MakeClient(std::move(core));
}

}  // namespace detail

Result<std::unique_ptr<Client>> DialHTTP(std::string_view network, std::string_view address,
                                         DialOptions options) {
  return DialHTTPPath(network, address, protocol::kDefaultRpcPath, options);
}

Result<std::unique_ptr<Client>> DialHTTPPath(std::string_view network, std::string_view address,
                                             std::string_view path, DialOptions options) {
  // Go's DialHTTP speaks gob: so does this one unless the options say otherwise.
  auto core = std::make_shared<detail::ClientCore>(detail::WithProtocol(options, Protocol::kGob));
  if (Error err =
          core->Connect(network, address, path.empty() ? protocol::kDefaultRpcPath : path)) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

Result<std::unique_ptr<Client>> DialTLS(std::string_view network, std::string_view address,
                                        const TlsDialOptions& tls, DialOptions options) {
  auto context = transport::TlsClientContext::Make(tls);
  if (!context.ok()) return context.error();
  auto core =
      std::make_shared<detail::ClientCore>(detail::WithProtocol(options, Protocol::kNative));
  core->UseTls(std::move(*context));
  if (Error err = core->Connect(network, address)) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

Result<std::unique_ptr<Client>> DialHTTPTLS(std::string_view network, std::string_view address,
                                            const TlsDialOptions& tls, DialOptions options,
                                            std::string_view path) {
  auto context = transport::TlsClientContext::Make(tls);
  if (!context.ok()) return context.error();
  auto core = std::make_shared<detail::ClientCore>(detail::WithProtocol(options, Protocol::kGob));
  core->UseTls(std::move(*context));
  if (Error err =
          core->Connect(network, address, path.empty() ? protocol::kDefaultRpcPath : path)) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

Result<std::unique_ptr<Client>> NewClient(Conn conn, DialOptions options) {
  auto core =
      std::make_shared<detail::ClientCore>(detail::WithProtocol(options, Protocol::kNative));
  if (Error err = core->Run(detail::ConnAccess::Of(conn))) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

Result<std::unique_ptr<Client>> NewClientWithCodec(std::unique_ptr<ClientCodec> codec,
                                                   DialOptions options) {
  if (codec == nullptr) return Error(ErrorCode::kUsage, "NewClientWithCodec: no codec");
  auto core = std::make_shared<detail::ClientCore>(options);
  auto connection = detail::ConnAccess::Of(codec->Connection());
  if (Error err = core->Run(std::move(connection), std::move(codec))) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

Result<std::unique_ptr<Client>> NewClient(int fd, DialOptions options) {
  auto core =
      std::make_shared<detail::ClientCore>(detail::WithProtocol(options, Protocol::kNative));
  if (Error err = core->Adopt(fd)) {
    core->Shutdown();
    return err;
  }
  return detail::ClientCore::MakeClient(std::move(core));
}

}  // namespace netrpc
