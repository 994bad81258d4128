// http_stream.h: an HTTP/1.1 POST whose answer is an endless stream of lines (etcd's /v3/watch
// answers one JSON object per line, chunked), read a line at a time by a coroutine.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "netrpc/error.h"

namespace netrpc::xclient {

// HttpLineStream is one such answer. Open sends the request and reads the answer's head within
// head_timeout; ReadLine then waits without a deadline (a quiet watch says nothing for hours),
// so stop it by canceling or destroying its io_context. Not thread-safe: one coroutine uses it.
class HttpLineStream {
 public:
  // Open's errors are HttpRequest's; an answer other than 200 is kProtocol with its body.
  static boost::asio::awaitable<Result<std::unique_ptr<HttpLineStream>>> Open(
      std::string url, std::string body, std::string who, std::chrono::milliseconds head_timeout);
  // ReadLine returns the next line without its '\n'. Errors: kUnexpectedEof when the server
  // ends the answer, kIo when the connection breaks, kTooLarge for a line over max_line bytes.
  boost::asio::awaitable<Result<std::string>> ReadLine();

  static constexpr size_t kMaxLine = 16u << 20;

 private:
  HttpLineStream(boost::beast::tcp_stream stream, std::string where, std::string who);
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;  // bytes read from the socket, not yet parsed
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::string pending_;  // body bytes after the last '\n' returned
  size_t scanned_ = 0;   // pending_'s first bytes, known to hold no '\n'
  // Where Beast puts the body it decodes; a member, not a coroutine-local array (GCC 12 has
  // trouble with arrays in coroutine frames).
  std::array<char, 16 * 1024> chunk_;
  std::string where_, who_;
};

}  // namespace netrpc::xclient
