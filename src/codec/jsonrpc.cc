// jsonrpc.cc: the server and client codecs of Go's net/rpc/jsonrpc, message for message.
// Envelope fields are matched as Go's decoder matches struct fields; bodies go through json_value.
#include "codec/jsonrpc.h"

#include <boost/json.hpp>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "codec/json_text.h"
#include "codec/json_value.h"

namespace netrpc::codec {
namespace {

namespace bj = boost::json;

// The envelope adds an object and the params array around the body's own nesting.
constexpr size_t kEnvelopeDepth = 2;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// SkipValue returns the index just past the JSON value starting at i in validated text.
size_t SkipValue(std::string_view text, size_t i) {
  auto skip_string = [&](size_t k) {
    for (++k; k < text.size() && text[k] != '"'; ++k) {
      if (text[k] == '\\') ++k;
    }
    return k + 1;
  };
  if (text[i] == '"') return skip_string(i);
  if (text[i] == '{' || text[i] == '[') {
    size_t depth = 0;
    while (i < text.size()) {
      char c = text[i];
      if (c == '"') {
        i = skip_string(i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
         !IsSpace(text[i])) {
    ++i;
  }
  return i;
}

struct Member {
  bool found = false;
  std::string key;       // as decoded, to look the value up in the parsed object
  std::string_view raw;  // the value's text, for ids echoed back verbatim
};

// FindMembers walks the top-level members of the object text and, for each name, keeps the
// last member whose key matches it the way Go's decoder matches a field: Go decodes the keys in
// order, so a later match overwrites an earlier one.
template <size_t N>
void FindMembers(std::string_view text, const std::string_view (&names)[N], Member (&found)[N]) {
  size_t i = 0;
  while (i < text.size() && text[i] != '{') ++i;
  ++i;
  while (i < text.size()) {
    while (i < text.size() && (IsSpace(text[i]) || text[i] == ',')) ++i;
    if (i >= text.size() || text[i] != '"') return;  // '}'
    size_t key_end = SkipValue(text, i);
    std::string_view key_text = text.substr(i, key_end - i);
    std::string key;
    if (key_text.find('\\') == std::string_view::npos) {
      key.assign(key_text.substr(1, key_text.size() - 2));
    } else {
      bj::parse_options opt;
      opt.allow_invalid_utf8 = true;
      bj::error_code ec;
      bj::value v = bj::parse(key_text, ec, {}, opt);
      if (!ec && v.is_string()) key.assign(v.get_string());
    }
    i = key_end;
    while (i < text.size() && (IsSpace(text[i]) || text[i] == ':')) ++i;
    size_t value_end = SkipValue(text, i);
    for (size_t n = 0; n < N; ++n) {
      if (key == names[n] || FieldNameMatches(key, names[n])) {
        found[n].found = true;
        found[n].key = key;
        found[n].raw = text.substr(i, value_end - i);
        break;
      }
    }
    i = value_end;
  }
}

// Lookup returns the parsed value of a found member, or nullptr when absent or null (which Go
// leaves as a nil pointer).
const bj::value* Lookup(const bj::object& obj, const Member& m) {
  if (!m.found) return nullptr;
  auto it = obj.find(m.key);
  if (it == obj.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

class JsonServerCodec final : public ServerCodec {
 public:
  JsonServerCodec(const Limits& limits, Conn conn)
      : ServerCodec(std::move(conn)), limits_(limits), reader_(limits, kEnvelopeDepth) {}

  ReadResult ReadRequestHeader(std::string_view in, Request* header) override {
    bj::value msg;
    std::string_view text;
    ReadResult r = reader_.Read(in, &msg, &text);
    if (r.consumed == 0) return r;
    has_params_ = false;
    params_ = nullptr;
    try {
      static constexpr std::string_view kNames[] = {"method", "params", "id"};
      Member m[3];
      FindMembers(text, kNames, m);
      bj::object& obj = msg.as_object();
      std::string method;
      if (const bj::value* v = Lookup(obj, m[0])) {
        // Go fails the whole header on a non-string method, and the connection ends.
        if (!v->is_string()) {
          return {0, Error(ErrorCode::kProtocol,
                           std::string("jsonrpc: cannot unmarshal ") + json::JsonKindWord(*v) +
                               " into Go struct field serverRequest.method of type string")};
        }
        if (Error e = DecodeJson(*v, Value{TypeOf<std::string>(), &method})) return {0, e};
      }
      if (const bj::value* v = Lookup(obj, m[1])) {
        params_ = std::move(*const_cast<bj::value*>(v));
        has_params_ = true;
      }
      std::string id;
      if (m[2].found) {
        AppendCompactJson(m[2].raw, &id);  // Go echoes the raw id through json.Compact
      } else {
        id = "null";  // Go: an invalid request without id is answered with a null id
      }
      ++seq_;
      {
        std::lock_guard lock(pending_mu_);
        pending_[seq_] = std::move(id);
      }
      header->seq = seq_;
      header->service_method = std::move(method);
    } catch (const std::exception& e) {
      return {0, Error(ErrorCode::kProtocol, std::string("jsonrpc: ") + e.what())};
    }
    return r;
  }

  Error ReadRequestBody(Value body) override {
    if (body.object == nullptr) return {};
    if (!has_params_) return Error(ErrorCode::kCodec, "jsonrpc: request body missing params");
    if (!params_.is_array()) {
      return Error(ErrorCode::kCodec, std::string("json: cannot unmarshal ") +
                                          json::JsonKindWord(params_) +
                                          " into Go value of type [1]interface {}");
    }
    const bj::array& a = params_.get_array();
    // Go would zero-fill a short array and drop extra values; a wrong count is almost surely a
    // client bug, so it is reported instead.
    if (a.size() != 1) {
      return Error(ErrorCode::kCodec, "jsonrpc: params must be an array of one value, got " +
                                          std::to_string(a.size()));
    }
    try {
      body.type->reset(body.object);
    } catch (const std::exception& e) {
      return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
    }
    return DecodeJson(a[0], body);
  }

  Error WriteResponse(const Response& header, ConstValue body, std::string* out) override {
    std::lock_guard lock(pending_mu_);
    auto it = pending_.find(header.seq);
    if (it == pending_.end()) {
      return Error(ErrorCode::kUsage, "invalid sequence number in response");
    }
    const size_t start = out->size();
    try {
      out->append("{\"id\":");
      out->append(it->second);
      out->append(",\"result\":");
      if (header.error.empty()) {
        if (Error e = AppendJson(body, out, limits_.max_depth)) {
          // Unlike Go, the id stays pending: the caller may still answer with an error string.
          out->resize(start);
          return e;
        }
        out->append(",\"error\":null}\n");
      } else {
        out->append("null,\"error\":");
        AppendJsonString(header.error, out);
        out->append("}\n");
      }
    } catch (const std::exception& e) {
      out->resize(start);
      return Error(ErrorCode::kCodec, std::string("jsonrpc: ") + e.what());
    }
    pending_.erase(it);
    return {};
  }

 private:
  Limits limits_;
  JsonReader reader_;
  uint64_t seq_ = 0;
  // The reader adds ids and the writers remove them, on different threads.
  std::mutex pending_mu_;                              // guards pending_
  std::unordered_map<uint64_t, std::string> pending_;  // seq -> compacted raw id
  bj::value params_;
  bool has_params_ = false;
};

class JsonClientCodec final : public ClientCodec {
 public:
  JsonClientCodec(const Limits& limits, Conn conn)
      : ClientCodec(std::move(conn)), limits_(limits), reader_(limits, kEnvelopeDepth) {}

  Error WriteRequest(const Request& header, ConstValue body, std::string* out) override {
    const size_t start = out->size();
    try {
      out->append("{\"method\":");
      AppendJsonString(header.service_method, out);
      out->append(",\"params\":[");
      if (Error e = AppendJson(body, out, limits_.max_depth)) {
        out->resize(start);
        return e;
      }
      out->append("],\"id\":");
      out->append(std::to_string(header.seq));
      out->append("}\n");
      std::lock_guard lock(pending_mu_);
      pending_[header.seq] = header.service_method;
    } catch (const std::exception& e) {
      out->resize(start);
      return Error(ErrorCode::kCodec, std::string("jsonrpc: ") + e.what());
    }
    return {};
  }

  ReadResult ReadResponseHeader(std::string_view in, Response* header) override {
    bj::value msg;
    std::string_view text;
    ReadResult r = reader_.Read(in, &msg, &text);
    if (r.consumed == 0) return r;
    has_result_ = false;
    result_ = nullptr;
    try {
      static constexpr std::string_view kNames[] = {"id", "result", "error"};
      Member m[3];
      FindMembers(text, kNames, m);
      bj::object& obj = msg.as_object();
      uint64_t id = 0;
      if (const bj::value* v = Lookup(obj, m[0])) {
        if (v->is_uint64()) {
          id = v->get_uint64();
        } else if (v->is_int64() && v->get_int64() >= 0) {
          id = static_cast<uint64_t>(v->get_int64());
        } else {
          std::string what = json::JsonKindWord(*v);
          if (v->is_number()) what += " " + std::string(m[0].raw);
          return {0, Error(ErrorCode::kProtocol,
                           "jsonrpc: cannot unmarshal " + what +
                               " into Go struct field clientResponse.id of type uint64")};
        }
      }
      if (const bj::value* v = Lookup(obj, m[1])) {
        result_ = std::move(*const_cast<bj::value*>(v));
        has_result_ = true;
      }
      const bj::value* error = Lookup(obj, m[2]);

      {
        std::lock_guard lock(pending_mu_);
        auto it = pending_.find(id);
        if (it != pending_.end()) {
          header->service_method = std::move(it->second);
          pending_.erase(it);
        } else {
          header->service_method.clear();
        }
      }
      header->seq = id;
      header->error.clear();
      if (error != nullptr || !has_result_) {
        if (error == nullptr || !error->is_string()) {
          std::string shown = "<nil>";
          if (error != nullptr) {
            shown.clear();
            AppendCompactJson(m[2].raw, &shown);
          }
          return {0, Error(ErrorCode::kProtocol, "jsonrpc: invalid error " + shown)};
        }
        if (Error e = DecodeJson(*error, Value{TypeOf<std::string>(), &header->error})) {
          return {0, e};
        }
        if (header->error.empty()) header->error = "unspecified error";
      }
    } catch (const std::exception& e) {
      return {0, Error(ErrorCode::kProtocol, std::string("jsonrpc: ") + e.what())};
    }
    return r;
  }

  Error ReadResponseBody(Value body) override {
    if (body.object == nullptr) return {};
    if (!has_result_) return Error(ErrorCode::kCodec, "jsonrpc: response has no result");
    try {
      body.type->reset(body.object);
    } catch (const std::exception& e) {
      return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
    }
    return DecodeJson(result_, body);
  }

 private:
  Limits limits_;
  JsonReader reader_;
  std::mutex pending_mu_;  // guards pending_: writers add, the reader removes
  std::unordered_map<uint64_t, std::string> pending_;  // seq -> method
  bj::value result_;
  bool has_result_ = false;
};

}  // namespace

std::unique_ptr<ServerCodec> NewJsonServerCodec(const Limits& limits, Conn conn) {
  return std::make_unique<JsonServerCodec>(limits, std::move(conn));
}

std::unique_ptr<ClientCodec> NewJsonClientCodec(const Limits& limits, Conn conn) {
  return std::make_unique<JsonClientCodec>(limits, std::move(conn));
}

}  // namespace netrpc::codec
