// server.cc: Server's listeners, its connections and graceful shutdown.
// I/O runs on the server's event loop; plain handlers on a worker pool beside it.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "codec/native.h"
#include "netrpc/codec.h"
#include "netrpc/netrpc.h"
#include "netrpc/tls.h"
#include "server/server_access.h"
#include "server/server_conn.h"
#include "server/service_table.h"
#include "transport/conn_access.h"
#include "transport/event_loop.h"
#include "transport/listener.h"
#include "transport/socket_connection.h"
#include "transport/tls.h"
#include "types/log.h"

namespace netrpc {

namespace asio = boost::asio;

namespace {

size_t WorkerCount(const ServerOptions& o) {
  if (o.worker_threads > 0) return o.worker_threads;
  return std::max<size_t>(2, std::thread::hardware_concurrency());
}

// A worker above the minimum that found no call for this long leaves.
constexpr std::chrono::seconds kWorkerIdleKeep{10};

// BorrowedCodec lends a caller's codec to one ServerConn (ServeRequest) without owning or
// closing it.
class BorrowedCodec : public netrpc::ServerCodec {
 public:
  explicit BorrowedCodec(netrpc::ServerCodec& codec)
      : ServerCodec(codec.Connection()), codec_(codec) {}
  ReadResult ReadRequestHeader(std::string_view in, Request* header) override {
    return codec_.ReadRequestHeader(in, header);
  }
  Error ReadRequestBody(Value body) override { return codec_.ReadRequestBody(body); }
  Error WriteResponse(const Response& header, ConstValue body, std::string* out) override {
    return codec_.WriteResponse(header, body, out);
  }
  codec::LargeMessages* Large() override { return codec_.Large(); }

 private:
  netrpc::ServerCodec& codec_;
};

// BorrowedNativeCodec is a BorrowedCodec that keeps the native side of a native codec in
// view, so that ServeRequest answers a native client's hello and cancel as Serve does.
class BorrowedNativeCodec final : public BorrowedCodec, public codec::NativeServer {
 public:
  BorrowedNativeCodec(netrpc::ServerCodec& codec, codec::NativeServer& native)
      : BorrowedCodec(codec), native_(native) {}
  const codec::NativeRequest& Last() const override { return native_.Last(); }
  uint64_t CallSeq(uint64_t wire_seq) const override { return native_.CallSeq(wire_seq); }

 private:
  codec::NativeServer& native_;
};

std::unique_ptr<netrpc::ServerCodec> Borrow(netrpc::ServerCodec& codec) {
  if (codec::NativeServer* native = codec::AsNativeServer(&codec)) {
    return std::make_unique<BorrowedNativeCodec>(codec, *native);
  }
  return std::make_unique<BorrowedCodec>(codec);
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(ServerOptions options)
      : options_(options),
        own_loop_(options.loop ? nullptr
                               : std::make_unique<transport::EventLoop>(options.io_threads)),
        loop_(options.loop ? &detail::LoopAccess::Of(*options.loop) : own_loop_.get()),
        workers_(WorkerCount(options), std::max(WorkerCount(options), options.max_worker_threads),
                 kWorkerIdleKeep) {
    ctx_.services = &services_;
    ctx_.stats = &stats_;
    ctx_.workers = &workers_;
    ctx_.limits.max_message_bytes = options.max_message_bytes;
    ctx_.limits.max_depth = options.max_depth;
    ctx_.max_calls_in_flight = std::max<size_t>(1, options.max_calls_in_flight);
    ctx_.max_queued_reply_bytes = options.max_queued_reply_bytes;
    ctx_.handler_timeout = options.handler_timeout;
    ctx_.handshake_timeout = options.handshake_timeout;
    ctx_.auth = options.auth;
    if (options.idle_timeout.count() > 0) {
      sweeper_ = std::make_unique<asio::steady_timer>(loop_->Context());
      sweep_guard_->impl = this;
      ArmIdleSweep();
    }
  }

  ~Impl() {
    {
      std::lock_guard lock(sweep_guard_->mu);  // a sweep already queued finds no server
      sweep_guard_->impl = nullptr;
    }
    Shutdown();
    {
      // Connections of the caller's (ServeConn(Conn), ServeCodec) and accept loops may run on
      // a loop that outlives this server: none may still be running when its state goes.
      // Like the worker pool's join below, this waits for handlers that overran the grace
      // period; it needs the loops to be running (~Server leaks, rather than hangs, on one).
      std::unique_lock lock(mu_);
      for (auto& [p, c] : conns_) c->ForceClose();
      cv_.wait(lock, [&] { return conns_.empty() && accept_loops_ == 0; });
    }
    workers_.Join();
    loop_->Stop();
    sweeper_.reset();  // before the io_context it was made on
  }

  Error Listen(std::string_view network, std::string_view address) {
    auto listener = transport::Listen(loop_->Context().get_executor(), network, address);
    if (!listener.ok()) return listener.error();
    return Serve(std::move(*listener), nullptr, "listen");
  }

  Error ListenTLS(std::string_view network, std::string_view address, const TlsConfig& config) {
    auto made = transport::TlsServerContext::Make(config);
    if (!made.ok()) return made.error();
    std::shared_ptr<transport::TlsServerContext> tls = *made;
    auto listener = transport::Listen(
        loop_->Context().get_executor(), network, address, [tls](asio::ip::tcp::socket socket) {
          return transport::NewTlsServerConnection(std::move(socket), tls);
        });
    if (!listener.ok()) return listener.error();
    {
      std::lock_guard lock(mu_);
      tls_.push_back(tls);
    }
    return Serve(std::move(*listener), nullptr, "listen");
  }

  Error ReloadCertificate(const TlsCertificate& certificate) {
    std::vector<std::shared_ptr<transport::TlsServerContext>> tls;
    {
      std::lock_guard lock(mu_);
      tls = tls_;
    }
    if (tls.empty()) return Error(ErrorCode::kUsage, "ReloadCertificate: no TLS listener");
    for (auto& t : tls) {
      if (Error err = t->Reload(certificate)) return err;
    }
    return {};
  }

  // Serve accepts from listener in the background; `done`, if given, is set when the
  // listener closes or the server shuts down (Accept waits on it, as Go's Accept blocks).
  Error Serve(std::shared_ptr<transport::Listener> listener,
              std::shared_ptr<std::promise<void>> done, std::string_view op) {
    {
      std::lock_guard lock(mu_);
      if (shutdown_) {
        listener->Close();
        return Error(ErrorCode::kUsage, std::string(op) + ": server is shut down");
      }
      address_ = listener->Address();
      listeners_.push_back(listener);
      ++accept_loops_;
    }
    asio::co_spawn(loop_->Context(), AcceptLoop(std::move(listener), std::move(done)),
                   asio::detached);
    return {};
  }

  std::string Address() const {
    std::lock_guard lock(mu_);
    return address_;
  }

  void Serve() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return shutdown_done_; });
  }

  Error ServeConn(std::shared_ptr<transport::Connection> connection,
                  std::unique_ptr<ServerCodec> codec) {
    if (connection == nullptr) return Error(ErrorCode::kUsage, "ServeConn: no connection");
    return Start(std::move(connection), std::move(codec));
  }

  transport::EventLoop& Loop() { return *loop_; }

  Error ServeRequest(netrpc::ServerCodec& codec) {
    auto connection = detail::ConnAccess::Of(codec.Connection());
    if (connection == nullptr) return Error(ErrorCode::kUsage, "ServeRequest: no connection");
    auto connection_executor = connection->GetExecutor();  // target() points into it
    auto* connection_io = connection_executor.target<asio::io_context::executor_type>();
    if (loop_->InLoopThread() || transport::DefaultLoop().InLoopThread() ||
        (connection_io != nullptr && connection_io->running_in_this_thread())) {
      return Error(ErrorCode::kUsage, "ServeRequest: blocking on netrpc's loop would deadlock");
    }
    {
      std::lock_guard lock(mu_);
      if (shutdown_) return Error(ErrorCode::kUsage, "ServeRequest: server is shut down");
    }
    auto served = std::make_shared<std::promise<void>>();
    auto ended = served->get_future();
    auto stream = std::make_shared<transport::Stream>(std::move(connection));
    auto conn = std::make_shared<server::ServerConn>(
        ctx_, stream, Borrow(codec), [served](server::ServerConn*) { served->set_value(); });
    asio::co_spawn(stream->GetStrand(), conn->RunOne(), asio::detached);
    ended.wait();
    return conn->OneError();
  }

  // OnLoopThread is true where waiting for the server's connections would deadlock.
  bool OnLoopThread() const { return loop_->InLoopThread(); }

  // WaitClosed closes what is left and waits, up to limit, until no connection or accept
  // loop of this server runs any more; false (with a log line saying what) if some still do.
  bool WaitClosed(std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    for (auto& [p, c] : conns_) c->ForceClose();
    if (cv_.wait_for(lock, limit, [&] { return conns_.empty() && accept_loops_ == 0; })) {
      return true;
    }
    Log(LogLevel::kError, "server: ", conns_.size(), " connections and ", accept_loops_,
        " accept loops still running ", limit.count(), " ms after shutdown");
    return false;
  }

  void Shutdown() {
    std::vector<std::shared_ptr<server::ServerConn>> conns;
    {
      std::lock_guard lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
      // Once Shutdown returns, new connections are refused: a listener closed here fails
      // its pending accept, and Start refuses what was accepted meanwhile.
      for (auto& l : listeners_) l->Close();
      for (auto& [p, c] : conns_) conns.push_back(c);
    }
    for (auto& c : conns) c->Drain();
    conns.clear();
    std::unique_lock lock(mu_);
    if (loop_->InLoopThread()) {  // from a handler, say: the loop must go on to finish
      Log(LogLevel::kWarning,
          "shutdown on the server's own loop: connections close in the background");
      shutdown_done_ = true;
      cv_.notify_all();
      return;
    }
    // A listener of the caller's lives on the default loop; its aborted accept must be back
    // on this server's loop before that loop may go.
    cv_.wait_for(lock, options_.shutdown_grace, [&] { return accept_loops_ == 0; });
    if (!cv_.wait_for(lock, options_.shutdown_grace, [&] { return conns_.empty(); })) {
      Log(LogLevel::kWarning, "shutdown: grace period over, closing ", conns_.size(),
          " connections");
      for (auto& [p, c] : conns_) c->ForceClose();
      cv_.wait_for(lock, std::chrono::seconds(2), [&] { return conns_.empty(); });
    }
    shutdown_done_ = true;
    cv_.notify_all();
  }

  // CloseNow ends serving at once, for the default server at exit: listeners and connections
  // close without a grace period, the I/O threads stop; handlers still running are left to
  // the process's end (their pool is never joined, as a Go process does not wait for them).
  void CloseNow() {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
      for (auto& l : listeners_) l->Close();
      for (auto& [p, c] : conns_) c->ForceClose();
    }
    if (loop_->InLoopThread()) return;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1),
                   [&] { return conns_.empty() && accept_loops_ == 0; });
      shutdown_done_ = true;
      cv_.notify_all();
    }
    loop_->Stop();
  }

  server::ServiceTable services_;
  server::ServerStats stats_;
  server::ServerContext ctx_;

 private:
  asio::awaitable<void> AcceptLoop(std::shared_ptr<transport::Listener> listener,
                                   std::shared_ptr<std::promise<void>> done) {
    for (;;) {
      auto accepted = co_await listener->Accept(loop_->Context().get_executor());
      if (!accepted.ok()) break;  // closed: by Shutdown, or by its owner
      Start(std::move(*accepted), nullptr, /*log_refusal=*/true);
    }
    if (done) done->set_value();
    std::lock_guard lock(mu_);
    --accept_loops_;
    cv_.notify_all();
  }

  // ArmIdleSweep checks every connection a few times per idle_timeout; one timer for the
  // server costs nothing per read, unlike a timer raced against every read.
  // The timer's handler reaches the server through sweep_guard_, which ~Impl clears under its
  // lock: on a user's io_context a sweep may be queued when the server goes.
  void ArmIdleSweep() {
    sweeper_->expires_after(std::max(options_.idle_timeout / 4, std::chrono::milliseconds(10)));
    sweeper_->async_wait([guard = sweep_guard_](boost::system::error_code ec) {
      std::lock_guard lock(guard->mu);
      if (!ec && guard->impl != nullptr) guard->impl->Sweep();
    });
  }

  void Sweep() {
    {
      auto now = std::chrono::steady_clock::now();
      std::lock_guard lock(mu_);
      if (shutdown_) return;
      for (auto& [p, c] : conns_) {
        std::chrono::steady_clock::time_point since;
        if (c->IdleSince(&since) && now - since >= options_.idle_timeout) {
          Log(LogLevel::kInfo, "closing idle connection from ", c->RemoteAddress());
          c->ForceClose();
        }
      }
    }
    ArmIdleSweep();
  }

  // Start serves connection; log_refusal logs a refusal for connections whose refusal no
  // caller hears of (those accepted here, not those given to ServeConn).
  Error Start(std::shared_ptr<transport::Connection> connection, std::unique_ptr<ServerCodec> codec,
              bool log_refusal = false) {
    auto stream = std::make_shared<transport::Stream>(std::move(connection));
    auto conn = std::make_shared<server::ServerConn>(ctx_, stream, std::move(codec),
                                                     [this](server::ServerConn* c) {
                                                       std::lock_guard lock(mu_);
                                                       conns_.erase(c);
                                                       cv_.notify_all();
                                                     });
    {
      std::lock_guard lock(mu_);
      if (shutdown_) {
        stream->Close();
        return Error(ErrorCode::kUsage, "server is shut down");
      }
      if (conns_.size() >= options_.max_connections) {
        if (log_refusal) {
          Log(LogLevel::kWarning, "refusing connection from ", stream->RemoteAddress(), ": ",
              conns_.size(), " open, the limit (max_connections)");
        }
        stream->Close();
        return Error(ErrorCode::kUsage, "too many connections");
      }
      conns_.emplace(conn.get(), conn);
    }
    asio::co_spawn(stream->GetStrand(), conn->Run(), asio::detached);
    return {};
  }

  ServerOptions options_;
  std::unique_ptr<transport::EventLoop> own_loop_;  // unless ServerOptions::loop is given
  transport::EventLoop* loop_;
  server::WorkerPool workers_;
  std::unique_ptr<asio::steady_timer> sweeper_;  // idle sweep, on the loop
  struct SweepGuard {
    std::mutex mu;  // guards impl; held while a sweep runs
    Impl* impl = nullptr;
  };
  std::shared_ptr<SweepGuard> sweep_guard_ = std::make_shared<SweepGuard>();
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool shutdown_ = false;
  bool shutdown_done_ = false;
  std::string address_;
  std::vector<std::shared_ptr<transport::Listener>> listeners_;
  std::vector<std::shared_ptr<transport::TlsServerContext>> tls_;  // ListenTLS's, for reloads
  size_t accept_loops_ = 0;                                        // AcceptLoops still running
  std::unordered_map<server::ServerConn*, std::shared_ptr<server::ServerConn>> conns_;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(options)) {}
Server::~Server() {
  // The server's state may go only once nothing runs on it: its connections and accept loops
  // may live on a loop that outlives it (a caller's Conn, a user's io_context). When they
  // cannot end (destroyed on the loop's own thread, a user's loop that is not running, a
  // handler that never returns), the state is leaked with a log line rather than freed under
  // them or waited for without end.
  if (impl_->OnLoopThread()) {
    Log(LogLevel::kError, "a Server destroyed on its own loop's thread is leaked");
    impl_->Shutdown();
    (void)impl_.release();
    return;
  }
  impl_->Shutdown();
  if (!impl_->WaitClosed(std::chrono::seconds(10))) {
    Log(LogLevel::kError, "the Server's state is leaked");
    (void)impl_.release();
  }
}

Error Server::AddService(std::string_view name, std::vector<detail::MethodStub> stubs,
                         RegisterOptions options) {
  return impl_->services_.AddService(name, std::move(stubs), options);
}

Error Server::AddFunc(std::string_view service_method, detail::MethodStub stub,
                      RegisterOptions options) {
  return impl_->services_.AddFunc(service_method, std::move(stub), options);
}

Error Server::Listen(std::string_view network, std::string_view address) {
  return impl_->Listen(network, address);
}
Error Server::ListenTLS(std::string_view network, std::string_view address,
                        const TlsConfig& config) {
  return impl_->ListenTLS(network, address, config);
}
Error Server::ReloadCertificate(const TlsCertificate& certificate) {
  return impl_->ReloadCertificate(certificate);
}
std::string Server::Address() const { return impl_->Address(); }
void Server::Serve() { impl_->Serve(); }
Error Server::ListenAndServe(std::string_view network, std::string_view address) {
  if (Error err = Listen(network, address)) return err;
  Serve();
  return {};
}
Error Server::ServeConn(int fd) {
  auto connection = transport::AdoptDescriptor(impl_->Loop().Context().get_executor(), fd);
  if (!connection.ok()) {
    return Error(connection.error().code(), "ServeConn: " + connection.error().message());
  }
  return impl_->ServeConn(std::move(*connection), nullptr);
}
Error Server::ServeConn(Conn conn) {
  return impl_->ServeConn(detail::ConnAccess::Of(conn), nullptr);
}
Error Server::ServeCodec(std::unique_ptr<netrpc::ServerCodec> codec) {
  if (codec == nullptr) return Error(ErrorCode::kUsage, "ServeCodec: no codec");
  auto connection = detail::ConnAccess::Of(codec->Connection());
  return impl_->ServeConn(std::move(connection), std::move(codec));
}
Error Server::ServeRequest(netrpc::ServerCodec& codec) { return impl_->ServeRequest(codec); }

Error Server::Accept(Listener listener) {
  if (!listener) return Error(ErrorCode::kUsage, "accept: no listener");
  if (impl_->Loop().InLoopThread()) {
    return Error(ErrorCode::kUsage, "accept: blocking on the server's loop would deadlock");
  }
  auto done = std::make_shared<std::promise<void>>();
  auto ended = done->get_future();
  if (Error err = impl_->Serve(detail::ConnAccess::Of(listener), done, "accept")) return err;
  ended.wait();
  return Error(ErrorCode::kShutdown, "accept: listener closed");
}
void Server::Shutdown() { impl_->Shutdown(); }

uint64_t Server::NumCalls(std::string_view service_method) const {
  Error err;
  server::Method* m = impl_->services_.Lookup(service_method, &err);
  return m ? m->stats.calls.load(std::memory_order_relaxed) : 0;
}

namespace server {

StatsSnapshot Snapshot(const ServerState& state) {
  StatsSnapshot out;
  out.services = state.services->Snapshot();
  for (size_t i = 0; i < static_cast<size_t>(WireProtocol::kCount); ++i) {
    auto p = static_cast<WireProtocol>(i);
    const ProtocolStats& s = state.stats->Of(p);
    out.protocols.push_back(
        {std::string(WireProtocolName(p)), s.open.load(std::memory_order_relaxed),
         s.total.load(std::memory_order_relaxed), s.bytes_in.load(std::memory_order_relaxed),
         s.bytes_out.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace server

namespace detail {

server::HttpSettings& ServerAccess::Http(Server& server) { return server.impl_->ctx_.http; }

server::ServerState ServerAccess::State(Server& server) {
  return {&server.impl_->services_, &server.impl_->stats_, server.impl_->ctx_.workers,
          &server.impl_->ctx_.auth};
}

void ServerAccess::CloseNow(Server& server) { server.impl_->CloseNow(); }

}  // namespace detail

}  // namespace netrpc
