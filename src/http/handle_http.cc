// handle_http.cc: Server::HandleHTTP and HandleFunc, which plug http/'s HttpServer into the
// server's HTTP seam, and their package-level forms on DefaultServer.
#include <boost/beast/core/string.hpp>

#include "http/http_server.h"
#include "server/server_access.h"

namespace netrpc {
namespace {

http::HttpServer& HttpOf(Server& server) {
  auto service = detail::ServerAccess::Http(server).ServiceOr(
      [&] { return std::make_shared<http::HttpServer>(detail::ServerAccess::State(server)); });
  return static_cast<http::HttpServer&>(*service);  // the only HttpService there is
}

}  // namespace

void Server::HandleHTTP() { HandleHTTP(DefaultRPCPath, DefaultDebugPath); }

void Server::HandleHTTP(std::string_view rpc_path, std::string_view debug_path) {
  detail::ServerAccess::Http(*this).SetRpcPath(std::string(rpc_path));
  HttpOf(*this).SetDebugPath(std::string(debug_path));
}

Error Server::HandleFunc(std::string_view pattern, HttpHandler handler) {
  return HttpOf(*this).Handle(pattern, std::move(handler),
                              detail::ServerAccess::Http(*this).RpcPath());
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [field, value] : header) {
    if (boost::beast::iequals(field, name)) return value;
  }
  return {};
}

void HandleHTTP() { DefaultServer().HandleHTTP(); }
void HandleHTTP(std::string_view rpc_path, std::string_view debug_path) {
  DefaultServer().HandleHTTP(rpc_path, debug_path);
}
Error HandleFunc(std::string_view pattern, HttpHandler handler) {
  return DefaultServer().HandleFunc(pattern, std::move(handler));
}

}  // namespace netrpc
