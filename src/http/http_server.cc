// http_server.cc: one HTTP connection's requests, read from the connection's buffer with
// Beast's parser and answered in order through its write queue, keep-alive as the client asks.
#include "http/http_server.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <sstream>

#include "http/debug_page.h"
#include "protocol/http_connect.h"
#include "server/auth.h"
#include "server/server_access.h"
#include "types/log.h"

namespace netrpc::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

Response Text(unsigned version, bhttp::status status, std::string body) {
  Response res(status, version);
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
      // Beast takes nothing until a whole line (a head, a chunk size, a trailer) is there: a
      // line that never ends must not grow the buffer without end.
      if (n == 0 && buffer.Size() > protocol::kMaxHttpHeadBytes) {
        *refused = parser.is_header_done() ? bhttp::status::bad_request
                                           : bhttp::status::request_header_fields_too_large;
        co_return Error(
            ErrorCode::kTooLarge,
            "http: a line over " + std::to_string(protocol::kMaxHttpHeadBytes) + " bytes");
      }
      if (n > 0 && buffer.Size() > 0) continue;
    }
    if (Error err = co_await stream.ReadMore()) co_return err;
  }
}

// Flushed waits until everything queued on stream has been written (or the stream closed).
asio::awaitable<void> Flushed(transport::Stream& stream) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&stream](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        stream.WhenFlushed([shared] { std::move (*shared)(); });
      },
      asio::use_awaitable);
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

bool IsTokenChar(char c) {  // RFC 9110 tchar
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// SetHandlerHeader copies a handler's header field as Go's Header.Write does: a name that is
// not a token is dropped, CR and LF in a value become spaces (no header can be injected).
void SetHandlerHeader(Response& res, const std::string& name, std::string value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return;
  for (char& c : value) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  res.set(name, value);
}

// Serialize turns res into bytes; a body where none is allowed (1xx, 204, 304) is dropped, as
// Go drops it, and HEAD gets the head only.
std::string Serialize(Response& res, bool head) {
  unsigned status = res.result_int();
  if (status < 200 || status == 204 || status == 304) res.body().clear();
  if (head) {
    res.content_length(res.body().size());
    res.body().clear();
    std::ostringstream os;
    os << res.base();
    return os.str();
  }
  res.prepare_payload();
  std::ostringstream os;
  os << res;
  return os.str();
}

void Write(transport::Stream& stream, std::string bytes) {
  stream.WriteWith([&](std::string* out) {
    out->append(bytes);
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

HttpHandler HttpServer::Route(std::string_view path, bool* debug, bool* redirect) {
  std::lock_guard lock(mu_);
  *debug = false;
  *redirect = false;
  // Go's ServeMux: "/tree" with "/tree/" registered and "/tree" not is redirected first.
  std::string with_slash = std::string(path) + "/";
  if (!path.empty() && path.back() != '/' && path != debug_path_ && !handlers_.contains(path) &&
      handlers_.contains(with_slash)) {
    *redirect = true;
    return {};
  }
  if (!debug_path_.empty() && path == debug_path_) {
    *debug = true;
    return {};
  }
  // An exact pattern matches itself; one ending in '/' matches its subtree; the longest wins.
  const HttpHandler* best = nullptr;
  size_t best_len = 0;
  for (const auto& [pattern, handler] : handlers_) {
    bool match = pattern.back() == '/' ? path.starts_with(pattern) : path == pattern;
    if (match && pattern.size() > best_len) {
      best = &handler;
      best_len = pattern.size();
    }
  }
  return best ? *best : HttpHandler{};
}

asio::awaitable<server::HttpService::Outcome> HttpServer::Serve(server::HttpConn conn) {
  transport::Stream& stream = *conn.stream;
  auto keep = stream.shared_from_this();
  std::string remote = stream.RemoteAddress();
  asio::steady_timer deadline(stream.GetStrand());
  for (;;) {
    // A client that stops reading answers, stops halfway through a request, or idles between
    // requests, is cut off.
    deadline.expires_after(kRequestTimeout);
    deadline.async_wait([keep](boost::system::error_code ec) {
      if (!ec) keep->Close();
    });
    // As Go's server, the next request is read only once the last answer is written: a peer
    // that pipelines requests and never reads cannot make answers pile up here.
    co_await Flushed(stream);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(protocol::kMaxHttpHeadBytes);  // the sniffer's limit for the first
    parser.body_limit(kMaxBodyBytes);
    parser.eager(true);
    bhttp::status refused{};
    Error err = co_await ReadRequest(stream, parser, &refused);
    deadline.cancel();
    if (err) {
      if (refused != bhttp::status{}) {
        Response res = Text(11, refused,
                            std::to_string(static_cast<int>(refused)) + " " +
                                std::string(bhttp::obsolete_reason(refused)) + "\n");
        res.keep_alive(false);
        Write(stream, Serialize(res, false));
        Log(LogLevel::kWarning, "http: closing connection from ", remote, ": ", err.message());
      }
      co_return Outcome::kClosed;
    }
    Request req = parser.release();
    std::string_view target = req.target();
    size_t question = target.find('?');
    std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
    std::string path;  // Go's URL.Path: %-decoded, absolute-form targets reduced to their path
    if (!protocol::RequestPath(target, req.method() == bhttp::verb::connect, &path)) {
      Response res = Text(req.version(), bhttp::status::bad_request, "400 Bad Request\n");
      res.keep_alive(false);
      Write(stream, Serialize(res, false));
      co_return Outcome::kClosed;
    }

    if (path == conn.rpc_path) {
      if (req.method() == bhttp::verb::connect) {  // Go's handshake, mid-session too
        Write(stream, protocol::ConnectedResponse());
        co_return Outcome::kConnected;
      }
      Response res = Text(req.version(), bhttp::status::method_not_allowed, "405 must CONNECT\n");
      res.keep_alive(req.keep_alive());
      Write(stream, Serialize(res, req.method() == bhttp::verb::head));
      if (!req.keep_alive()) co_return Outcome::kClosed;
      continue;
    }

    // What a handler (and the auth hook) is given; made only when one of them needs it.
    std::optional<HttpRequest> request;
    auto make_request = [&] {
      request.emplace();
      request->method = std::string(req.method_string());
      request->target = std::string(target);
      request->path = path;
      request->query = std::string(query);
      for (const auto& field : req) {
        request->header.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      request->body = std::move(req.body());
      request->remote_address = remote;
    };
    bool keep_alive = req.keep_alive();
    if (state_.auth != nullptr && *state_.auth) [[unlikely]] {
      make_request();
      Error refused = server::Admit(*state_.auth, {.phase = AuthPhase::kHttp,
                                                   .peer = stream.GetConnection()->GetPeer(),
                                                   .service_method = {},
                                                   .metadata = server::kNoMetadata,
                                                   .http = &*request});
      if (refused) {
        // 401, as Go's handlers answer a missing or wrong credential; RFC 9110 wants a
        // challenge with it, and a bearer token is what netrpc's hooks are shown to take.
        Response res = Text(req.version(), bhttp::status::unauthorized, refused.message() + "\n");
        res.set(bhttp::field::www_authenticate, "Bearer");
        res.keep_alive(keep_alive);
        Write(stream, Serialize(res, req.method() == bhttp::verb::head));
        if (!keep_alive) co_return Outcome::kClosed;
        continue;
      }
    }

    bool debug = false, redirect = false;
    HttpHandler handler = Route(path, &debug, &redirect);
    Response res;
    if (redirect) {  // Go's redirect keeps the query
      std::string location = path + "/";
      if (!query.empty()) location.append("?").append(query);
      res = Text(req.version(), bhttp::status::moved_permanently, "");
      res.set(bhttp::field::location, location);
      res.set(bhttp::field::content_type, "text/html; charset=utf-8");
      res.body() = "<a href=\"" + location + "\">Moved Permanently</a>.\n\n";
    } else if (debug) {
      server::StatsSnapshot stats = server::Snapshot(state_);
      res = Response(bhttp::status::ok, req.version());
      if (query.find("format=json") != std::string_view::npos) {
        res.set(bhttp::field::content_type, "application/json");
        res.body() = DebugJson(stats);
      } else {
        res.set(bhttp::field::content_type, "text/html; charset=utf-8");
        res.body() = DebugHtml(stats, kRefreshSeconds);
      }
    } else if (handler) {
      if (!request) make_request();
      HttpResponse answer;
      // Handlers may block: they run on the worker pool, and the connection waits here,
      // counted busy so that the idle sweep leaves it alone.
      bool threw = false;
      conn.busy->fetch_add(1);
      co_await OnWorkers(*state_.workers, [&] {
        try {
          handler(*request, &answer);
        } catch (...) {
          threw = true;
        }
      });
      conn.busy->fetch_sub(1);
      if (stream.Closed()) co_return Outcome::kClosed;  // shut down meanwhile
      if (threw || answer.status < 100 || answer.status > 999) {
        Log(LogLevel::kWarning, "http: handler for ", request->path,
            threw ? " threw" : " answered status ", threw ? "" : std::to_string(answer.status));
        res = Text(req.version(), bhttp::status::internal_server_error,
                   "500 internal server error\n");
      } else {
        res = Response(static_cast<bhttp::status>(answer.status), req.version());
        res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
        for (auto& [name, value] : answer.header) {
          if (beast::iequals(name, "Connection") &&
              beast::iequals(value, "close")) {  // Go closes after it
            keep_alive = false;
            continue;
          }
          SetHandlerHeader(res, name, std::move(value));
        }
        res.body() = std::move(answer.body);
      }
    } else {
      res = Text(req.version(), bhttp::status::not_found, "404 page not found\n");  // Go's
    }
    res.keep_alive(keep_alive);
    Write(stream, Serialize(res, req.method() == bhttp::verb::head));
    if (!keep_alive) co_return Outcome::kClosed;
  }
}

}  // namespace netrpc::http
