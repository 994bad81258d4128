// http_server.cc: one HTTP connection's requests, read from the connection's buffer with
// Beast's parser and answered in order through its write queue, keep-alive as the client asks.
#include "http/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <sstream>

#include "http/debug_page.h"
#include "protocol/http_connect.h"
#include "server/server_access.h"
#include "types/log.h"

namespace netrpc::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

Response Text(const Request& req, bhttp::status status, std::string body) {
  Response res(status, req.version());
  res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  res.set("X-Content-Type-Options", "nosniff");  // as Go's http.Error
  res.body() = std::move(body);
  return res;
}

// ReadRequest feeds the connection's buffered bytes, then what arrives, to parser until it
// holds a whole request. An error status (400, 413, 431) is set for input Beast refuses.
asio::awaitable<Error> ReadRequest(transport::Stream& stream,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   bhttp::status* refused) {
  auto& buffer = stream.Buffer();
  for (;;) {
    if (buffer.Size() > 0) {
      beast::error_code ec;
      size_t n = parser.put(asio::buffer(buffer.Data().data(), buffer.Size()), ec);
      buffer.Consume(n);
      if (ec && ec != bhttp::error::need_more) {
        *refused = ec == bhttp::error::body_limit ? bhttp::status::payload_too_large
                   : ec == bhttp::error::header_limit
                       ? bhttp::status::request_header_fields_too_large
                       : bhttp::status::bad_request;
        co_return Error(ErrorCode::kProtocol, "http: " + ec.message());
      }
      if (parser.is_done()) co_return Error{};
      if (n > 0 && buffer.Size() > 0) continue;
    }
    if (Error err = co_await stream.ReadMore()) co_return err;
  }
}

// OnWorkers runs fn on the server's worker pool and resumes the awaiting coroutine on its
// own executor (the connection's strand) afterwards.
template <class F>
auto OnWorkers(server::WorkerPool& pool, F fn) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&pool](auto handler, F f) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        pool.Post(
            [handler = std::move(handler), f = std::move(f), work = std::move(work)]() mutable {
              f();
              auto ex = asio::get_associated_executor(handler);
              asio::dispatch(ex, std::move(handler));
              work.reset();
            });
      },
      asio::use_awaitable, std::move(fn));
}

void Write(transport::Stream& stream, Response& res) {
  res.prepare_payload();
  std::ostringstream os;
  os << res;
  stream.WriteWith([&](std::string* out) {
    out->append(os.str());
    return Error{};
  });
}

}  // namespace

void HttpServer::SetDebugPath(std::string path) {
  std::lock_guard lock(mu_);
  debug_path_ = std::move(path);
}

Error HttpServer::Handle(std::string_view pattern, HttpHandler handler, std::string_view rpc_path) {
  if (pattern.empty()) return Error(ErrorCode::kUsage, "http: invalid pattern");
  if (pattern[0] != '/') {
    return Error(ErrorCode::kUsage, "http: pattern " + std::string(pattern) +
                                        " must start with '/' (host patterns are not supported)");
  }
  if (!handler) return Error(ErrorCode::kUsage, "http: nil handler");
  std::lock_guard lock(mu_);
  if (pattern == rpc_path || pattern == debug_path_ || handlers_.contains(pattern)) {
    return Error(ErrorCode::kUsage, "http: multiple registrations for " + std::string(pattern));
  }
  handlers_.emplace(std::string(pattern), std::move(handler));
  return {};
}

HttpHandler HttpServer::Route(std::string_view path, bool* debug, std::string* redirect) {
  std::lock_guard lock(mu_);
  *debug = !debug_path_.empty() && path == debug_path_;
  if (*debug) return {};
  // Go's ServeMux: an exact pattern matches itself; one ending in '/' matches its subtree;
  // the longest wins. "/tree" with only "/tree/" registered is redirected there.
  const HttpHandler* best = nullptr;
  size_t best_len = 0;
  for (const auto& [pattern, handler] : handlers_) {
    bool match = pattern.back() == '/' ? path.starts_with(pattern) : path == pattern;
    if (match && pattern.size() > best_len) {
      best = &handler;
      best_len = pattern.size();
    }
  }
  if (best == nullptr && !path.empty()) {
    if (handlers_.contains(std::string(path) + "/")) *redirect = std::string(path) + "/";
  }
  return best ? *best : HttpHandler{};
}

asio::awaitable<server::HttpService::Outcome> HttpServer::Serve(transport::Stream& stream,
                                                                std::string rpc_path) {
  auto keep = stream.shared_from_this();
  std::string remote = stream.RemoteAddress();
  asio::steady_timer deadline(stream.GetStrand());
  for (;;) {
    // A client that stops halfway through a request, or idles between requests, is cut off.
    deadline.expires_after(kRequestTimeout);
    deadline.async_wait([keep](boost::system::error_code ec) {
      if (!ec) keep->Close();
    });
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(protocol::kMaxHttpHeadBytes);  // the sniffer's limit for the first
    parser.body_limit(kMaxBodyBytes);
    parser.eager(true);
    bhttp::status refused{};
    Error err = co_await ReadRequest(stream, parser, &refused);
    deadline.cancel();
    if (err) {
      if (refused != bhttp::status{}) {
        Request bad;
        Response res = Text(bad, refused,
                            std::to_string(static_cast<int>(refused)) + " " +
                                std::string(bhttp::obsolete_reason(refused)) + "\n");
        res.keep_alive(false);
        Write(stream, res);
        Log(LogLevel::kWarning, "http: closing connection from ", remote, ": ", err.message());
      }
      co_return Outcome::kClosed;
    }
    Request req = parser.release();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";

    if (path == rpc_path) {
      if (req.method() == bhttp::verb::connect) {  // Go's handshake, mid-session too
        stream.WriteWith([](std::string* out) {
          out->append(protocol::ConnectedResponse());
          return Error{};
        });
        co_return Outcome::kConnected;
      }
      Response res = Text(req, bhttp::status::method_not_allowed, "405 must CONNECT\n");
      res.keep_alive(req.keep_alive());
      Write(stream, res);
      if (!req.keep_alive()) co_return Outcome::kClosed;
      continue;
    }

    bool debug = false;
    std::string redirect;
    HttpHandler handler = Route(path, &debug, &redirect);
    Response res;
    if (debug) {
      server::StatsSnapshot stats = detail::ServerAccess::Snapshot(server_);
      res = Response(bhttp::status::ok, req.version());
      if (query.find("format=json") != std::string_view::npos) {
        res.set(bhttp::field::content_type, "application/json");
        res.body() = DebugJson(stats);
      } else {
        res.set(bhttp::field::content_type, "text/html; charset=utf-8");
        res.body() = DebugHtml(stats, kRefreshSeconds);
      }
    } else if (handler) {
      HttpRequest request;
      request.method = std::string(req.method_string());
      request.target = std::string(target);
      request.path = std::string(path);
      request.query = std::string(query);
      for (const auto& field : req) {
        request.header.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request.body = std::move(req.body());
      request.remote_address = remote;
      HttpResponse answer;
      // Handlers may block: they run on the worker pool, and the connection waits here.
      bool threw = false;
      co_await OnWorkers(detail::ServerAccess::Workers(server_), [&] {
        try {
          handler(request, &answer);
        } catch (...) {
          threw = true;
        }
      });
      if (threw || answer.status < 100 || answer.status > 999) {
        Log(LogLevel::kWarning, "http: handler for ", request.path,
            threw ? " threw" : " answered status ", threw ? "" : std::to_string(answer.status));
        res = Text(req, bhttp::status::internal_server_error, "500 internal server error\n");
      } else {
        res = Response(static_cast<bhttp::status>(answer.status), req.version());
        res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
        for (auto& [name, value] : answer.header) res.set(name, value);
        res.body() = std::move(answer.body);
      }
    } else if (!redirect.empty()) {
      res = Text(req, bhttp::status::moved_permanently, "");
      res.set(bhttp::field::location, redirect);
      res.set(bhttp::field::content_type, "text/html; charset=utf-8");
      res.body() = "<a href=\"" + redirect + "\">Moved Permanently</a>.\n\n";
    } else {
      res = Text(req, bhttp::status::not_found, "404 page not found\n");  // Go's NotFound
    }
    if (req.method() == bhttp::verb::head) {
      res.content_length(res.body().size());
      res.body().clear();
    }
    res.keep_alive(req.keep_alive());
    bool keep_alive = res.keep_alive();
    if (req.method() == bhttp::verb::head) {
      std::ostringstream os;
      os << res.base();
      stream.WriteWith([&](std::string* out) {
        out->append(os.str());
        return Error{};
      });
    } else {
      Write(stream, res);
    }
    if (!keep_alive) co_return Outcome::kClosed;
  }
}

}  // namespace netrpc::http
