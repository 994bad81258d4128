// http_service.h: the seam through which a layer above (http/) answers HTTP on the RPC port.
// The server answers Go's CONNECT itself; any other request goes to the HttpService, if set.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <mutex>
#include <string>

#include "transport/stream.h"

namespace netrpc::server {

// HttpConn is what a connection hands the HttpService.
struct HttpConn {
  transport::Stream* stream = nullptr;  // its buffer starts with the first request
  std::string rpc_path;                 // where Go's CONNECT is answered
  // busy counts the requests being answered: while it is not zero the connection is not
  // idle (ServerOptions::idle_timeout) and not closed as done.
  std::atomic<size_t>* busy = nullptr;
};

class HttpService {
 public:
  enum class Outcome {
    kClosed,     // the connection is done: close it
    kConnected,  // a CONNECT to the RPC path was answered; the RPC stream follows
  };
  virtual ~HttpService() = default;
  // Serve answers the requests on conn.stream until the peer or an answer ends the
  // connection, or until it answers a CONNECT to rpc_path (with Go's "200 Connected to Go
  // RPC"). Runs on the stream's strand, as the read coroutine.
  virtual boost::asio::awaitable<Outcome> Serve(HttpConn conn) = 0;
};

// HttpSettings holds the RPC path and the HttpService, which HandleHTTP may change while
// connections read them.
class HttpSettings {
 public:
  std::string RpcPath() const {
    std::lock_guard lock(mu_);
    return rpc_path_;
  }
  void SetRpcPath(std::string path) {
    std::lock_guard lock(mu_);
    rpc_path_ = std::move(path);
  }
  std::shared_ptr<HttpService> Service() const {
    std::lock_guard lock(mu_);
    return service_;
  }
  // ServiceOr returns the service, made by make() first if there is none yet.
  template <class Make>
  std::shared_ptr<HttpService> ServiceOr(Make make) {
    std::lock_guard lock(mu_);
    if (service_ == nullptr) service_ = make();
    return service_;
  }

 private:
  mutable std::mutex mu_;
  std::string rpc_path_ = "/_goRPC_";  // Go's DefaultRPCPath
  std::shared_ptr<HttpService> service_;
};

}  // namespace netrpc::server
