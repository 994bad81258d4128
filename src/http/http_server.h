// http_server.h: HTTP/1.1 on the RPC port, parsed and written with Boost.Beast: the debug page,
// users' handlers (Go's ServeMux rules), Go's 405 on the RPC path and 404 elsewhere.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "netrpc/netrpc.h"
#include "server/http_service.h"

namespace netrpc::http {

class HttpServer final : public server::HttpService {
 public:
  static constexpr size_t kMaxBodyBytes = 1 << 20;            // a longer body gets 413
  static constexpr std::chrono::seconds kRequestTimeout{60};  // idle keep-alive included
  static constexpr int kRefreshSeconds = 2;                   // the debug page's reload

  // server outlives this (the server holds it).
  explicit HttpServer(Server& server) : server_(server) {}

  // SetDebugPath turns the debug page on at path.
  void SetDebugPath(std::string path);
  // Handle adds a handler for a ServeMux pattern; errors as Server::HandleFunc's.
  Error Handle(std::string_view pattern, HttpHandler handler, std::string_view rpc_path);

  boost::asio::awaitable<Outcome> Serve(transport::Stream& stream, std::string rpc_path) override;

 private:
  // Route finds what answers path: the debug page (*debug), a handler, or nothing; a
  // subtree pattern's bare path gets Go's redirect (*redirect).
  HttpHandler Route(std::string_view path, bool* debug, std::string* redirect);

  Server& server_;
  std::mutex mu_;  // guards what follows
  std::string debug_path_;
  std::map<std::string, HttpHandler, std::less<>> handlers_;
};

}  // namespace netrpc::http
