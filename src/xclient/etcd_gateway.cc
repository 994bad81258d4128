// etcd_gateway.cc: POSTs to etcd's JSON gateway and the gateway's encodings (base64 through
// OpenSSL's EVP_EncodeBlock, 64-bit numbers as strings, prefix range ends).
#include "xclient/etcd_gateway.h"

#include <openssl/evp.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "xclient/http_request.h"

namespace netrpc::xclient {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A range of a few thousand servers is well under this; etcd's own request limit is 1.5 MiB.
constexpr size_t kAnswerLimit = 16u << 20;

bool Unreachable(ErrorCode code) {
  return code == ErrorCode::kConnect || code == ErrorCode::kTimeout || code == ErrorCode::kIo;
}

}  // namespace

EtcdGateway::EtcdGateway(EtcdOptions options) : options_(std::move(options)) {
  if (options_.request_timeout.count() <= 0) options_.request_timeout = std::chrono::seconds(3);
  if (options_.min_backoff.count() <= 0) options_.min_backoff = std::chrono::milliseconds(100);
  if (options_.max_backoff < options_.min_backoff) options_.max_backoff = options_.min_backoff;
}

Error EtcdGateway::Check() const {
  if (options_.endpoints.empty()) return Error(ErrorCode::kUsage, "etcd: no endpoint URL");
  for (const std::string& url : options_.endpoints) {
    auto parsed = ParseHttpUrl(url, "etcd");
    if (!parsed.ok()) return parsed.error();
    if (parsed->target != "/") {
      return Error(ErrorCode::kUsage,
                   "etcd url \"" + url + "\": want http://host:port, without a path");
    }
  }
  return {};
}

std::string EtcdGateway::Url() const {
  if (options_.endpoints.empty()) return "";
  std::string url = options_.endpoints[current_.load() % options_.endpoints.size()];
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void EtcdGateway::Rotate() { current_.fetch_add(1); }

Error AtUrl(const Error& err, std::string_view url) {
  const std::string& m = err.message();
  size_t colon = m.find(": ");
  return Error(err.code(), "etcd " + std::string(url) +
                               (colon == std::string::npos ? ": " + m : m.substr(colon)));
}

Error GatewayError(const json::object& answer, std::string_view where) {
  const json::value* error = answer.if_contains("error");
  if (error == nullptr) return {};
  std::string message;
  // Unary calls answer {"error":"...","message":"...","code":N}; streamed ones (watch,
  // keepalive) {"error":{"grpc_code":N,"http_code":N,"message":"...","http_status":"..."}}.
  const json::object* holder = error->is_object() ? &error->get_object() : &answer;
  if (const json::value* m = holder->if_contains("message"); m != nullptr && m->is_string()) {
    message = std::string(m->get_string());
  } else if (error->is_string()) {
    message = std::string(error->get_string());
  } else {
    message = json::serialize(*error);
  }
  return Error(ErrorCode::kProtocol, "etcd " + std::string(where) + ": " + message);
}

asio::awaitable<Result<json::object>> EtcdGateway::Call(std::string path, json::object body) {
  if (Error err = Check()) co_return err;
  std::string text = json::serialize(body);
  // Built here, not braced in the co_await: GCC 12 miscompiles string literals in a braced
  // initializer there ("array used as initializer").
  HttpHeader header;
  header.emplace_back("Content-Type", "application/json");
  Error last;
  for (size_t tried = 0; tried < options_.endpoints.size(); ++tried) {
    std::string where = Url() + path;
    auto answer = co_await AsyncHttpRequest("POST", where, header, options_.request_timeout, text,
                                            "etcd", kAnswerLimit);
    if (!answer.ok()) {
      last = AtUrl(answer.error(), where);
      if (!Unreachable(last.code())) co_return last;
      Rotate();
      continue;
    }
    boost::system::error_code ec;
    json::value parsed = json::parse(answer->body, ec);
    if (ec || !parsed.is_object()) {
      co_return Error(ErrorCode::kProtocol,
                      "etcd " + where + ": answered " + std::to_string(answer->status) +
                          " with a body that is not a JSON object: " + answer->body.substr(0, 200));
    }
    json::object& object = parsed.get_object();
    if (Error err = GatewayError(object, where)) co_return err;
    if (answer->status != 200) {
      co_return Error(ErrorCode::kProtocol,
                      "etcd " + where + ": answered " + std::to_string(answer->status));
    }
    co_return std::move(object);
  }
  co_return last;
}

Result<json::object> EtcdGateway::CallSync(std::string path, json::object body) {
  asio::io_context io;
  Result<json::object> out;
  asio::co_spawn(io, Call(std::move(path), std::move(body)),
                 [&](std::exception_ptr e, Result<json::object> r) {
                   out = e ? Result<json::object>(Error(ErrorCode::kIo, "etcd: request failed"))
                           : std::move(r);
                 });
  io.run();
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  // EVP_DecodeBlock takes padded input only, and counts the padding's zero bytes in its answer.
  if (text.size() % 4 != 0) {
    return Error(ErrorCode::kProtocol, "etcd: base64 of a length that is not a multiple of 4");
  }
  std::string out(3 * (text.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return Error(ErrorCode::kProtocol, "etcd: bad base64");
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<int64_t> Int64Field(const json::object& object, std::string_view name) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return int64_t{0};
  if (v->is_int64()) return v->get_int64();
  if (v->is_string()) {
    const json::string& s = v->get_string();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return out;
  }
  return Error(ErrorCode::kProtocol, "etcd: \"" + std::string(name) +
                                         "\" is not a 64-bit integer: " + json::serialize(*v));
}

std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

}  // namespace netrpc::xclient
