// server.cc: Server's listeners, its connections and graceful shutdown.
// I/O runs on the server's event loop; plain handlers on a worker pool beside it.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "netrpc/netrpc.h"
#include "server/server_conn.h"
#include "server/service_table.h"
#include "transport/event_loop.h"
#include "types/log.h"

namespace netrpc {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

size_t WorkerCount(const ServerOptions& o) {
  if (o.worker_threads > 0) return o.worker_threads;
  return std::max<size_t>(2, std::thread::hardware_concurrency());
}

Result<tcp::endpoint> Resolve(asio::io_context& io, std::string_view address) {
  std::string host;
  uint16_t port = 0;
  if (Error err = transport::ParseHostPort(address, &host, &port)) return err;
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(ip, port);
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return Error(ErrorCode::kUsage, "resolve " + host + ": " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace

class Server::Impl {
 public:
  explicit Impl(ServerOptions options)
      : options_(options), loop_(options.io_threads), workers_(WorkerCount(options)) {
    ctx_.services = &services_;
    ctx_.workers = workers_.get_executor();
    ctx_.limits.max_message_bytes = options.max_message_bytes;
    ctx_.limits.max_depth = options.max_depth;
    ctx_.max_calls_in_flight = std::max<size_t>(1, options.max_calls_in_flight);
    ctx_.max_queued_reply_bytes = options.max_queued_reply_bytes;
    ctx_.handler_timeout = options.handler_timeout;
    if (options.idle_timeout.count() > 0) {
      sweeper_ = std::make_unique<asio::steady_timer>(loop_.Context());
      ArmIdleSweep();
    }
  }

  ~Impl() {
    Shutdown();
    workers_.join();
    loop_.Stop();
    sweeper_.reset();  // before the io_context it was made on
  }

  Error Listen(std::string_view network, std::string_view address) {
    if (network != "tcp" && network != "tcp4" && network != "tcp6") {
      return Error(ErrorCode::kUsage, "listen: unsupported network " + std::string(network));
    }
    auto ep = Resolve(loop_.Context(), address);
    if (!ep.ok()) return ep.error();
    auto listener = std::make_shared<Listener>(loop_.Context());
    boost::system::error_code ec;
    listener->acceptor.open(ep->protocol(), ec);
    if (!ec) listener->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) listener->acceptor.bind(*ep, ec);
    if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Error(ErrorCode::kIo, "listen " + std::string(address) + ": " + ec.message());
    auto local = listener->acceptor.local_endpoint(ec);
    {
      std::lock_guard lock(mu_);
      if (shutdown_) return Error(ErrorCode::kUsage, "listen: server is shut down");
      address_ = local.address().to_string() + ":" + std::to_string(local.port());
      if (local.address().is_v6()) {
        address_ = "[" + local.address().to_string() + "]:" + std::to_string(local.port());
      }
      listeners_.push_back(listener);
    }
    asio::co_spawn(listener->strand, AcceptLoop(listener), asio::detached);
    return {};
  }

  std::string Address() const {
    std::lock_guard lock(mu_);
    return address_;
  }

  void HandleHTTP(std::string_view rpc_path) { ctx_.rpc_path = rpc_path; }

  void Serve() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return shutdown_done_; });
  }

  Error ServeConn(int fd) {
    tcp::socket socket(loop_.Context());
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return Error(ErrorCode::kUsage, "ServeConn: not a socket");
    }
    boost::system::error_code ec;
    socket.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    if (ec) return Error(ErrorCode::kIo, "ServeConn: " + ec.message());
    return Start(std::move(socket));
  }

  void Shutdown() {
    std::vector<std::shared_ptr<server::ServerConn>> conns;
    std::vector<std::future<void>> closed;
    {
      std::lock_guard lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
      for (auto& l : listeners_) {
        auto done = std::make_shared<std::promise<void>>();
        closed.push_back(done->get_future());
        asio::post(l->strand, [l, done] {
          boost::system::error_code ec;
          l->acceptor.close(ec);
          done->set_value();
        });
      }
      for (auto& [p, c] : conns_) conns.push_back(c);
    }
    for (auto& f : closed) f.wait();  // once Shutdown returns, new connections are refused
    for (auto& c : conns) c->Drain();
    conns.clear();
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, options_.shutdown_grace, [&] { return conns_.empty(); })) {
      Log("shutdown: grace period over, closing " + std::to_string(conns_.size()) + " connections");
      for (auto& [p, c] : conns_) c->ForceClose();
      cv_.wait_for(lock, std::chrono::seconds(2), [&] { return conns_.empty(); });
    }
    shutdown_done_ = true;
    cv_.notify_all();
  }

  server::ServiceTable services_;

 private:
  struct Listener {
    explicit Listener(asio::io_context& io) : strand(asio::make_strand(io)), acceptor(strand) {}
    asio::strand<asio::io_context::executor_type> strand;  // guards acceptor
    tcp::acceptor acceptor;
  };

  asio::awaitable<void> AcceptLoop(std::shared_ptr<Listener> l) {
    for (;;) {
      auto [ec, socket] =
          co_await l->acceptor.async_accept(loop_.Context(), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) co_return;
        Log("accept: " + ec.message());  // e.g. out of descriptors: back off, then go on
        asio::steady_timer t(l->strand, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      Start(std::move(socket));
    }
  }

  // ArmIdleSweep checks every connection a few times per idle_timeout; one timer for the
  // server costs nothing per read, unlike a timer raced against every read.
  void ArmIdleSweep() {
    sweeper_->expires_after(std::max(options_.idle_timeout / 4, std::chrono::milliseconds(10)));
    sweeper_->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      auto now = std::chrono::steady_clock::now();
      std::lock_guard lock(mu_);
      if (shutdown_) return;
      for (auto& [p, c] : conns_) {
        std::chrono::steady_clock::time_point since;
        if (c->IdleSince(&since) && now - since >= options_.idle_timeout) {
          Log("closing idle connection");
          c->ForceClose();
        }
      }
      ArmIdleSweep();
    });
  }

  Error Start(tcp::socket socket) {
    auto stream = std::make_shared<transport::Stream>(std::move(socket));
    auto conn = std::make_shared<server::ServerConn>(ctx_, stream, [this](server::ServerConn* c) {
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
        stream->Close();
        Log("refusing connection: " + std::to_string(conns_.size()) + " open, the limit");
        return Error(ErrorCode::kUsage, "too many connections");
      }
      conns_.emplace(conn.get(), conn);
    }
    asio::co_spawn(stream->GetStrand(), conn->Run(), asio::detached);
    return {};
  }

  ServerOptions options_;
  server::ServerContext ctx_;
  transport::EventLoop loop_;
  asio::thread_pool workers_;
  std::unique_ptr<asio::steady_timer> sweeper_;  // idle sweep, on the loop
  mutable std::mutex mu_;                        // guards everything below
  std::condition_variable cv_;
  bool shutdown_ = false;
  bool shutdown_done_ = false;
  std::string address_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::unordered_map<server::ServerConn*, std::shared_ptr<server::ServerConn>> conns_;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(options)) {}
Server::~Server() = default;

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
std::string Server::Address() const { return impl_->Address(); }
void Server::Serve() { impl_->Serve(); }
Error Server::ListenAndServe(std::string_view network, std::string_view address) {
  if (Error err = Listen(network, address)) return err;
  Serve();
  return {};
}
Error Server::ServeConn(int fd) { return impl_->ServeConn(fd); }
void Server::HandleHTTP(std::string_view rpc_path) { impl_->HandleHTTP(rpc_path); }
void Server::Shutdown() { impl_->Shutdown(); }

uint64_t Server::NumCalls(std::string_view service_method) const {
  Error err;
  server::Method* m = impl_->services_.Lookup(service_method, &err);
  return m ? m->num_calls.load(std::memory_order_relaxed) : 0;
}

}  // namespace netrpc
