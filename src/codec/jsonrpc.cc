// jsonrpc.cc: the server and client codecs of Go's net/rpc/jsonrpc, message for message.
// Envelope fields are matched as Go's decoder matches struct fields; bodies go through json_value.
#include "codec/jsonrpc.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

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

// AppendGoValue appends j as Go's fmt prints it with %v after json.Unmarshal into interface{}:
// numbers are float64 ('g' with the shortest digits, %e below 1e-4 and from 1e6), objects are
// maps printed with sorted keys, null is <nil>. Go's client quotes a non-string error this way.
void AppendGoValue(const bj::value& j, std::string* out) {
  switch (j.kind()) {
    case bj::kind::null:
      out->append("<nil>");
      return;
    case bj::kind::bool_:
      out->append(j.get_bool() ? "true" : "false");
      return;
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: {
      const double d = j.is_int64()    ? static_cast<double>(j.get_int64())
                       : j.is_uint64() ? static_cast<double>(j.get_uint64())
                                       : j.get_double();
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
      std::string_view sci(buf, r.ptr - buf);
      int exponent = 0;
      const size_t e = sci.find('e');
      std::from_chars(buf + e + (sci[e + 1] == '+' ? 2 : 1), r.ptr, exponent);
      if (exponent < -4 || exponent >= 6) {
        out->append(sci);  // to_chars writes Go's %e: at least two exponent digits
      } else {
        r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
        out->append(buf, r.ptr);
      }
      return;
    }
    case bj::kind::string: {
      if (std::string_view literal = json::NumberLiteral(j); !literal.empty()) {
        double d = 0;
        if (!json::ParseLiteral(literal, &d)) d = literal[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        AppendGoValue(bj::value(d), out);
        return;
      }
      std::string s;
      json::AssignValidUtf8(j.get_string(), &s);
      out->append(s);
      return;
    }
    case bj::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const bj::value& v : j.get_array()) {
        if (!first) out->push_back(' ');
        first = false;
        AppendGoValue(v, out);
      }
      out->push_back(']');
      return;
    }
    case bj::kind::object: {
      std::vector<const bj::key_value_pair*> members;
      for (const bj::key_value_pair& kv : j.get_object()) members.push_back(&kv);
      std::sort(members.begin(), members.end(),
                [](const bj::key_value_pair* a, const bj::key_value_pair* b) {
                  return a->key() < b->key();
                });
      out->append("map[");
      bool first = true;
      for (const bj::key_value_pair* kv : members) {
        if (!first) out->push_back(' ');
        first = false;
        std::string key;
        json::AssignValidUtf8(kv->key(), &key);
        out->append(key).push_back(':');
        AppendGoValue(kv->value(), out);
      }
      out->push_back(']');
      return;
    }
  }
}

class JsonServerCodec final : public ServerCodec {
 public:
  JsonServerCodec(const Limits& limits, Conn conn)
      : ServerCodec(std::move(conn)),
        limits_(limits),
        reader_(limits, kEnvelopeDepth, JsonReader::Numbers::kLiterals) {}

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
        if (!json::IsString(*v)) {
          return {0, Error(ErrorCode::kProtocol,
                           std::string("json: cannot unmarshal ") + json::JsonKindWord(*v) +
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
    try {
      body.type->reset(body.object);
    } catch (const std::exception& e) {
      return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
    }
    // Go unmarshals params into a [1]interface{} holding the argument: [] leaves the argument
    // zero and elements past the first are read (the reader checked their syntax) and dropped.
    if (a.empty()) return {};
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
      : ClientCodec(std::move(conn)),
        limits_(limits),
        reader_(limits, kEnvelopeDepth, JsonReader::Numbers::kLiterals) {}

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
          if (json::IsNumber(*v)) what += " " + std::string(m[0].raw);
          return {0, Error(ErrorCode::kProtocol,
                           "json: cannot unmarshal " + what +
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
        if (error == nullptr || !json::IsString(*error)) {
          std::string shown = "invalid error ";  // Go's fmt.Errorf("invalid error %v", ...)
          if (error == nullptr) {
            shown.append("<nil>");
          } else {
            AppendGoValue(*error, &shown);
          }
          return {0, Error(ErrorCode::kProtocol, std::move(shown))};
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
