// client.cc: Dial, the Client's calls and their completion, deadlines and shutdown.
// Every path that ends a call first takes it from the pending table, so it ends once.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "client/client_core.h"
#include "codec/gob.h"
#include "codec/jsonrpc.h"
#include "codec/native.h"
#include "protocol/gee_option.h"
#include "protocol/http_connect.h"
#include "types/log.h"

namespace netrpc {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace detail {
namespace {

// HttpConnect makes Go's DialHTTP handshake on a connected socket and keeps whatever
// followed the answer's head in *leftover.
asio::awaitable<Error> HttpConnect(tcp::socket& s, std::string_view path, std::string* leftover) {
  std::string request = protocol::ConnectRequest(path);
  auto [werr, wn] =
      co_await asio::async_write(s, asio::buffer(request), asio::as_tuple(asio::use_awaitable));
  if (werr) co_return Error(ErrorCode::kIo, werr.message());
  std::string in;
  char chunk[1024];
  for (;;) {
    protocol::HttpHead head;
    codec::ReadResult r = protocol::ParseHttpHead(in, &head);
    if (r.error) co_return r.error;
    if (r.consumed > 0) {
      if (head.method != "HTTP/1.0" && head.method != "HTTP/1.1") {
        co_return Error(ErrorCode::kProtocol, "malformed HTTP response: " + head.first_line);
      }
      if (head.target != protocol::kConnected) {
        co_return Error(ErrorCode::kProtocol, "unexpected HTTP response: " + head.target);
      }
      leftover->assign(in.substr(r.consumed));
      co_return Error{};
    }
    auto [rerr, n] =
        co_await s.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (rerr) co_return Error(ErrorCode::kIo, rerr.message());
    in.append(chunk, n);
  }
}

}  // namespace

}  // namespace detail

struct ClientLoop::Impl {
  explicit Impl(size_t threads) : loop(threads) {}
  transport::EventLoop loop;
};

ClientLoop::ClientLoop(size_t threads) : impl_(std::make_unique<Impl>(threads)) {}
ClientLoop::~ClientLoop() = default;

namespace detail {

ClientCore::ClientCore(DialOptions options)
    : options_(options),
      own_loop_(options.loop ? nullptr : std::make_unique<transport::EventLoop>(1)),
      loop_(options.loop ? &options.loop->impl_->loop : own_loop_.get()),
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
    stream_.reset();
    own_loop_.reset();
    loop_ = nullptr;
  } else if (auto self = weak_from_this().lock()) {  // not from the destructor
    // A shared loop runs on: stop the timer, whose wait would keep this core alive until the
    // last deadline. The read loop ends by itself on the closed connection.
    asio::post(timer_->get_executor(), [self] { self->timer_->cancel(); });
  }
}

Error ClientCore::Connect(std::string_view network, std::string_view address,
                          std::string_view http_path) {
  if (network != "tcp" && network != "tcp4" && network != "tcp6") {
    return Error(ErrorCode::kUsage, "dial: unsupported network " + std::string(network));
  }
  if (loop_->InLoopThread()) {
    return Error(ErrorCode::kUsage, "netrpc: Dial on a ClientLoop thread would deadlock");
  }
  std::string host;
  uint16_t port = 0;
  if (Error err = transport::ParseHostPort(address, &host, &port)) return err;
  if (host == "0.0.0.0") host = "127.0.0.1";
  auto& io = loop_->Context();
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec || endpoints.empty()) {
    return Error(ErrorCode::kConnect, "dial tcp " + std::string(address) + ": " + ec.message());
  }
  tcp::socket socket(io);
  std::string where(address);
  std::string leftover;  // bytes the server sent right after its HTTP answer
  auto timeout = options_.connect_timeout;
  auto connected = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<Error> {
        using namespace asio::experimental::awaitable_operators;
        Error last;
        for (const auto& entry : endpoints) {
          tcp::socket s(io);
          asio::steady_timer timer(io, timeout);
          auto r =
              co_await (s.async_connect(entry.endpoint(), asio::as_tuple(asio::use_awaitable)) ||
                        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
          if (r.index() == 1)
            co_return Error(ErrorCode::kConnect, "dial tcp " + where + ": i/o timeout");
          auto [e] = std::get<0>(r);
          if (!e) {
            if (!http_path.empty()) {
              auto h = co_await (HttpConnect(s, http_path, &leftover) ||
                                 timer.async_wait(asio::as_tuple(asio::use_awaitable)));
              if (h.index() == 1) {
                co_return Error(ErrorCode::kConnect, "dial-http tcp " + where + ": i/o timeout");
              }
              if (Error herr = std::get<0>(h)) {
                co_return Error(ErrorCode::kConnect,
                                "dial-http tcp " + where + ": " + herr.message());
              }
            }
            socket = std::move(s);
            co_return Error{};
          }
          last = Error(ErrorCode::kConnect, "dial tcp " + where + ": " + e.message());
        }
        co_return last;
      },
      asio::use_future);
  if (Error err = connected.get()) return err;
  return Begin(std::move(socket), leftover);
}

Error ClientCore::Adopt(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Error(ErrorCode::kUsage, "NewClient: not a socket");
  }
  tcp::socket socket(loop_->Context());
  boost::system::error_code ec;
  socket.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) return Error(ErrorCode::kIo, "NewClient: " + ec.message());
  return Begin(std::move(socket));
}

Error ClientCore::Begin(tcp::socket socket, std::string_view already_read) {
  stream_ = std::make_shared<transport::Stream>(std::move(socket));
  // Replies that arrived before a write failed are still delivered, as in Go's net/rpc,
  // and the calls left get the read side's error (EOF: ErrUnexpectedEof).
  stream_->KeepReadingAfterWriteError();
  stream_->Buffer().Append(already_read);
  switch (options_.protocol) {
    case Protocol::kNative:
      codec_ = codec::NewNativeClientCodec(limits_);
      break;
    case Protocol::kGob:
      codec_ = codec::NewGobClientCodec(
          limits_, options_.gee_option ? codec::GobHeaders::kGeeRpc : codec::GobHeaders::kNetRpc);
      break;
    case Protocol::kJson:
      codec_ = codec::NewJsonClientCodec(limits_);
      break;
  }
  if (options_.gee_option) {
    if (options_.protocol == Protocol::kNative) {
      return Error(ErrorCode::kUsage, "dial: GeeRPC's Option needs Protocol::kGob or kJson");
    }
    std::string option = protocol::GeeOptionJson(
        options_.protocol == Protocol::kGob ? protocol::kGeeGob : protocol::kGeeJson);
    stream_->WriteWith([&](std::string* out) {  // first in the queue: before any request
      out->append(option);
      return Error{};
    });
  }
  asio::co_spawn(stream_->GetStrand(), ReadLoop(), asio::detached);
  return {};
}

asio::awaitable<void> ClientCore::ReadLoop() {
  auto self = shared_from_this();
  auto stream = stream_;
  auto& buffer = stream->Buffer();
  codec::ResponseHeader header;
  Error err;
  while (!err) {
    for (;;) {
      codec::ReadResult r = codec_->ReadResponse(buffer.Data(), &header);
      if (r.error) {
        err = r.error;
        break;
      }
      if (r.NeedMore()) break;
      std::shared_ptr<Call> call;
      {
        std::lock_guard lock(mu_);
        call = pending_.Take(header.seq);
      }
      if (call == nullptr) {  // timed out or canceled already: the reply has nowhere to go
        codec_->ReadResponseBody({});
      } else if (!header.error.empty()) {
        codec_->ReadResponseBody({});
        Complete(*call, ServerError(header.error));
      } else {
        Error body_err = codec_->ReadResponseBody(call->reply_);
        if (body_err) body_err = Error(ErrorCode::kCodec, "reading body " + body_err.message());
        Complete(*call, body_err);
      }
      buffer.Consume(r.consumed);
      large_tried_ = false;
    }
    if (err) break;
    if (!large_tried_ && buffer.Size() > 0) {
      StagedReply staged;
      if (BeginStaged(&staged)) {
        err = co_await stream_->ReadTail(&staged.tail);
        if (!err) FinishStaged(&staged);
        continue;
      }
    }
    if (buffer.Size() > limits_.max_message_bytes + 64) {
      err = Error(ErrorCode::kTooLarge, "response exceeds the message size limit");
      break;
    }
    err = co_await stream->ReadMore();
  }
  bool closing;
  {
    std::lock_guard lock(mu_);
    closing = closing_;
  }
  if (!closing && err.code() != ErrorCode::kUnexpectedEof) Log("client: " + err.message());
  if (err.code() == ErrorCode::kUnexpectedEof) err = ErrUnexpectedEof;
  FailAll(closing ? ErrShutdown : err);
  stream->Close();
}

// A large reply is staged rather than decoded into the caller's reply: the call stays in the
// pending table while the rest of its last value arrives, so its deadline and Cancel work as
// usual; if it is gone by the end, the staged value is dropped.
bool ClientCore::BeginStaged(StagedReply* staged) {
  constexpr size_t kMinLarge = 256 * 1024;  // below it, buffering and copying costs less
  auto& buffer = stream_->Buffer();
  size_t size = codec_->PeekResponse(buffer.Data(), &staged->header);
  if (size == 0) return false;  // not yet known; look again after the next read
  large_tried_ = true;          // one look per message: a refusal is final
  if (size < kMinLarge || !staged->header.error.empty()) return false;
  const TypeInfo* type = nullptr;
  {
    std::lock_guard lock(mu_);
    const Call* call = pending_.Find(staged->header.seq);
    if (call == nullptr || call->reply_.object == nullptr) return false;
    type = call->reply_.type;
  }
  codec::TailPlan plan;
  if (!codec_->PlanResponseTail(buffer.Data(), type, &plan)) return false;
  std::string_view in = buffer.Data();
  std::string_view first = in.substr(in.size() - plan.have);
  if (plan.kind == Kind::kBytes) {
    staged->tail.Begin(TypeOf<Bytes>(), &staged->bytes, plan.size, first);
  } else {
    staged->tail.Begin(TypeOf<std::string>(), &staged->string, plan.size, first);
  }
  return true;
}

void ClientCore::FinishStaged(StagedReply* staged) {
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mu_);
    call = pending_.Take(staged->header.seq);
  }
  auto& buffer = stream_->Buffer();
  Error body_err =
      codec_->ReadResponseStaged(buffer.Data(), call ? call->reply_ : Value{}, staged->tail.object);
  buffer.Consume(buffer.Size());  // all of it was this message's start
  large_tried_ = false;
  if (call) {
    if (body_err) body_err = Error(ErrorCode::kCodec, "reading body " + body_err.message());
    Complete(*call, body_err);
  }
}

void ClientCore::FailAll(const Error& err) {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
    calls = pending_.TakeAll();
  }
  for (auto& c : calls) Complete(*c, err);
}

std::shared_ptr<Call> ClientCore::Start(std::string_view service_method, ConstValue args,
                                        Value reply, CallOptions options,
                                        std::function<void(Call&)> done) {
  auto call = std::make_shared<Call>(std::string(service_method), reply, std::move(done));
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
    codec::RequestHeader header{call->service_method_, seq};
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
  {
    std::lock_guard lock(mu_);
    call = pending_.Take(seq);
  }
  if (call) Complete(*call, ErrCanceled);
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

size_t ClientCore::PendingCount() {
  std::lock_guard lock(mu_);
  return pending_.Size();
}

void ClientCore::Complete(Call& call, const Error& err) {
  std::function<void(const Error&)> resume;
  {
    std::lock_guard lock(call.mu_);
    call.error_ = err;
    call.finished_ = true;
    resume = std::move(call.on_finish_);
  }
  call.cv_.notify_all();
  if (call.done_) call.done_(call);
  if (resume) resume(err);
}

Error ClientCore::Wait(Call& call) {
  std::unique_lock lock(call.mu_);
  if (!call.finished_) {
    auto core = call.client_.lock();
    if (core && core->InLoopThread()) {
      return Error(ErrorCode::kUsage,
                   "netrpc: Wait on the client's I/O thread would deadlock; use a done callback");
    }
  }
  call.cv_.wait(lock, [&] { return call.finished_; });
  return call.error_;
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
        std::unique_lock lock(call->mu_);
        if (call->finished_) {
          Error err = call->error_;
          lock.unlock();
          resume(err);
        } else {
          call->on_finish_ = std::move(resume);
        }
      },
      asio::use_awaitable);
}

}  // namespace detail

// Call's methods ask the client that made it.
bool Call::Done() const {
  std::lock_guard lock(mu_);
  return finished_;
}
Error Call::error() const {
  std::lock_guard lock(mu_);
  return error_;
}
Error Call::Wait() { return detail::ClientCore::Wait(*this); }
void Call::Cancel() {
  if (auto core = client_.lock()) core->Cancel(seq_);
}

Client::Client(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
Client::~Client() { core_->Shutdown(); }

std::shared_ptr<Call> Client::Start(std::string_view service_method, ConstValue args, Value reply,
                                    CallOptions options, std::function<void(netrpc::Call&)> done) {
  return core_->Start(service_method, args, reply, options, std::move(done));
}
asio::awaitable<Error> Client::Await(std::shared_ptr<netrpc::Call> call) {
  return detail::ClientCore::Await(std::move(call));
}
Error Client::Close() { return core_->Close(); }
size_t Client::PendingCount() const { return core_->PendingCount(); }

Result<std::unique_ptr<Client>> Dial(std::string_view network, std::string_view address,
                                     DialOptions options) {
  auto core = std::make_shared<detail::ClientCore>(options);
  if (Error err = core->Connect(network, address)) {
    core->Shutdown();
    return err;
  }
  return std::make_unique<Client>(std::move(core));
}

Result<std::unique_ptr<Client>> DialHTTP(std::string_view network, std::string_view address,
                                         DialOptions options) {
  return DialHTTPPath(network, address, protocol::kDefaultRpcPath, options);
}

Result<std::unique_ptr<Client>> DialHTTPPath(std::string_view network, std::string_view address,
                                             std::string_view path, DialOptions options) {
  auto core = std::make_shared<detail::ClientCore>(options);
  if (Error err =
          core->Connect(network, address, path.empty() ? protocol::kDefaultRpcPath : path)) {
    core->Shutdown();
    return err;
  }
  return std::make_unique<Client>(std::move(core));
}

Result<std::unique_ptr<Client>> NewClient(int fd, DialOptions options) {
  auto core = std::make_shared<detail::ClientCore>(options);
  if (Error err = core->Adopt(fd)) {
    core->Shutdown();
    return err;
  }
  return std::make_unique<Client>(std::move(core));
}

}  // namespace netrpc
