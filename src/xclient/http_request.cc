// http_request.cc: a blocking HTTP request on an io_context of its own, run on the caller's
// thread, so that it needs no EventLoop and cannot block one.
#include "xclient/http_request.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace netrpc::xclient {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string HttpAnswer::Header(std::string_view name) const {
  for (const auto& [field, value] : header) {
    if (beast::iequals(field, name)) return value;
  }
  return {};
}

Result<HttpUrl> ParseHttpUrl(std::string_view url, std::string_view who) {
  constexpr std::string_view kScheme = "http://";
  auto bad = [&](const char* why) {
    return Error(ErrorCode::kUsage, std::string(who) + " url \"" + std::string(url) + "\": " + why);
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("want http://host:port/path");
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos) {
    out.host = std::string(authority);
    out.port = "80";
  } else {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty() || out.port.empty()) return bad("no host or port");
  return out;
}

asio::awaitable<Result<HttpAnswer>> AsyncHttpRequest(std::string method, std::string url_text,
                                                     HttpHeader header,
                                                     std::chrono::milliseconds timeout,
                                                     std::string body, std::string who,
                                                     size_t body_limit) {
  auto parsed = ParseHttpUrl(url_text, who);
  if (!parsed.ok()) co_return parsed.error();
  HttpUrl url = std::move(*parsed);
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(timeout);
  asio::ip::tcp::resolver resolver(ex);
  auto [rerr, found] =
      co_await resolver.async_resolve(url.host, url.port, asio::as_tuple(asio::use_awaitable));
  auto where = url.host + ":" + url.port;
  if (rerr) co_return Error(ErrorCode::kConnect, who + " " + where + ": " + rerr.message());
  auto [cerr, ep] = co_await stream.async_connect(found, asio::as_tuple(asio::use_awaitable));
  auto failed = [&](const boost::system::error_code& ec, ErrorCode code) {
    if (ec == beast::error::timeout) {
      return Error(ErrorCode::kTimeout, who + " " + where + ": no answer within " +
                                            std::to_string(timeout.count()) + "ms");
    }
    return Error(code, who + " " + where + ": " + ec.message());
  };
  if (cerr) co_return failed(cerr, ErrorCode::kConnect);
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    co_return Error(ErrorCode::kUsage, who + ": unknown HTTP method \"" + method + "\"");
  }
  bhttp::request<bhttp::string_body> req(verb, url.target, 11);
  req.set(bhttp::field::host, where);
  for (const auto& [k, v] : header) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  auto [werr, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (werr) co_return failed(werr, ErrorCode::kIo);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  // The registry's list rides in one header: 10,000 servers of ~60 bytes fit in 1 MiB.
  parser.header_limit(1 << 20);
  parser.body_limit(body_limit);
  auto [herr, hn] =
      co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (herr) co_return failed(herr, ErrorCode::kProtocol);
  HttpAnswer answer;
  answer.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    answer.header.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  answer.body = std::move(parser.get().body());
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  co_return answer;
}

Result<HttpAnswer> HttpRequest(std::string_view method, std::string_view url,
                               const HttpHeader& header, std::chrono::milliseconds timeout,
                               std::string_view body, std::string_view who, size_t body_limit) {
  auto parsed = ParseHttpUrl(url, who);
  if (!parsed.ok()) return parsed.error();
  asio::io_context io;
  Result<HttpAnswer> out;
  asio::co_spawn(io,
                 AsyncHttpRequest(std::string(method), std::string(url), header, timeout,
                                  std::string(body), std::string(who), body_limit),
                 [&](std::exception_ptr e, Result<HttpAnswer> r) {
                   out =
                       e ? Result<HttpAnswer>(Error(ErrorCode::kIo, std::string(who) + ": failed"))
                         : std::move(r);
                 });
  io.run();
  return out;
}

}  // namespace netrpc::xclient
