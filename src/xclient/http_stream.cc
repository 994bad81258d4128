// http_stream.cc: a streamed HTTP answer read line by line; Beast undoes the chunking, this
// only cuts the body into lines and bounds each.
#include "xclient/http_stream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "xclient/http_request.h"

namespace netrpc::xclient {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

HttpLineStream::HttpLineStream(beast::tcp_stream stream, std::string where, std::string who)
    : stream_(std::move(stream)), where_(std::move(where)), who_(std::move(who)) {
  parser_.body_limit(boost::none);  // the stream is endless; each line is bounded instead
}

asio::awaitable<Result<std::unique_ptr<HttpLineStream>>> HttpLineStream::Open(
    std::string url_text, std::string body, std::string who,
    std::chrono::milliseconds head_timeout) {
  auto parsed = ParseHttpUrl(url_text, who);
  if (!parsed.ok()) co_return parsed.error();
  HttpUrl url = std::move(*parsed);
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(head_timeout);
  std::string where = url.host + ":" + url.port;
  auto failed = [&](const boost::system::error_code& ec, ErrorCode code) {
    if (ec == beast::error::timeout) {
      return Error(ErrorCode::kTimeout, who + " " + where + ": no answer within " +
                                            std::to_string(head_timeout.count()) + "ms");
    }
    return Error(code, who + " " + where + ": " + ec.message());
  };
  asio::ip::tcp::resolver resolver(ex);
  auto [rerr, found] =
      co_await resolver.async_resolve(url.host, url.port, asio::as_tuple(asio::use_awaitable));
  if (rerr) co_return failed(rerr, ErrorCode::kConnect);
  auto [cerr, ep] = co_await stream.async_connect(found, asio::as_tuple(asio::use_awaitable));
  if (cerr) co_return failed(cerr, ErrorCode::kConnect);
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, url.target, 11);
  req.set(bhttp::field::host, where);
  req.set(bhttp::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  auto [werr, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (werr) co_return failed(werr, ErrorCode::kIo);
  std::unique_ptr<HttpLineStream> out(new HttpLineStream(std::move(stream), where, who));
  auto [herr, hn] = co_await bhttp::async_read_header(out->stream_, out->buffer_, out->parser_,
                                                      asio::as_tuple(asio::use_awaitable));
  if (herr) co_return failed(herr, ErrorCode::kProtocol);
  out->stream_.expires_never();
  int status = static_cast<int>(out->parser_.get().result_int());
  if (status != 200) {
    // Read a little of the body for the message, within the same deadline.
    out->stream_.expires_after(head_timeout);
    std::string why;
    for (int i = 0; i < 4 && why.size() < 512; ++i) {
      auto line = co_await out->ReadLine();
      if (!line.ok()) {
        why += out->pending_;  // a body without a last '\n'
        break;
      }
      why += *line;
    }
    co_return Error(ErrorCode::kProtocol, who + " " + where + ": answered " +
                                              std::to_string(status) + " " + why.substr(0, 512));
  }
  co_return out;
}

asio::awaitable<Result<std::string>> HttpLineStream::ReadLine() {
  for (;;) {
    size_t nl = pending_.find('\n', scanned_);
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      scanned_ = 0;
      co_return line;
    }
    scanned_ = pending_.size();  // a long line is looked through once, not once per read
    if (pending_.size() > kMaxLine) {
      co_return Error(ErrorCode::kTooLarge,
                      who_ + " " + where_ + ": a line over " + std::to_string(kMaxLine) + " bytes");
    }
    if (parser_.is_done()) {
      co_return Error(ErrorCode::kUnexpectedEof, who_ + " " + where_ + ": the stream ended");
    }
    parser_.get().body().data = chunk_.data();
    parser_.get().body().size = chunk_.size();
    auto [err, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_,
                                                    asio::as_tuple(asio::use_awaitable));
    size_t got = chunk_.size() - parser_.get().body().size;
    pending_.append(chunk_.data(), got);
    if (err == bhttp::error::need_buffer) continue;  // the chunk buffer is full: cut lines
    if (err == bhttp::error::end_of_stream || err == asio::error::eof) {
      co_return Error(ErrorCode::kUnexpectedEof, who_ + " " + where_ + ": the stream ended");
    }
    if (err == beast::error::timeout) {
      co_return Error(ErrorCode::kTimeout, who_ + " " + where_ + ": no answer in time");
    }
    if (err) co_return Error(ErrorCode::kIo, who_ + " " + where_ + ": " + err.message());
  }
}

}  // namespace netrpc::xclient
