// http_server.h: HTTP/1.1 on the RPC port, parsed and written with Boost.Beast: the debug page,
// users' handlers (Go's ServeMux rules), Go's 405 on the RPC path and 404 elsewhere.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "netrpc/netrpc.h"
#include "server/http_service.h"
#include "server/server_access.h"

namespace netrpc::http {

class HttpServer final : public server::HttpService {
 public:
  static constexpr size_t kMaxBodyBytes = 1 << 20;            // a longer body gets 413
  static constexpr std::chrono::seconds kRequestTimeout{60};  // idle keep-alive included
  static constexpr int kRefreshSeconds = 2;                   // the debug page's reload

  // state is the server's, which outlives this (the server holds it).
  explicit HttpServer(server::ServerState state) : state_(state) {}

  // SetDebugPath turns the debug page on at path.
  void SetDebugPath(std::string path);
  // Handle adds a handler for a ServeMux pattern; errors as Server::HandleFunc's.
  Error Handle(std::string_view pattern, HttpHandler handler, std::string_view rpc_path);

  boost::asio::awaitable<Outcome> Serve(server::HttpConn conn) override;

 private:
  // Route finds what answers path, in Go's ServeMux order: a path whose subtree pattern is
  // registered but not the path itself is redirected there (*redirect: true); then the debug
  // page (*debug) or the longest matching pattern's handler; or nothing.
  HttpHandler Route(std::string_view path, bool* debug, bool* redirect);

  server::ServerState state_;
  std::mutex mu_;  // guards what follows
  std::string debug_path_;
  std::map<std::string, HttpHandler, std::less<>> handlers_;
};

}  // namespace netrpc::http
