// json_encode.cc: Go's json.Encoder over described values, and its string escaping and
// compaction, so that what jsonrpc writes is what a Go peer would write, byte for byte.
#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "codec/integers.h"
#include "codec/json_text.h"
#include "codec/json_value.h"

namespace netrpc::codec {

using json::AppendBase64;
using json::AppendFloat;
using json::AppendInteger;
using json::DecodeRune;
using json::IsSpace;
using json::kHex;

namespace {

// Empty values: C++ has one empty vector, map or byte string where Go has nil and non-nil empty,
// and a Go peer tells them apart (null clears a map it decodes into, {} merges into it). The
// whole value (params[0], result) is written as non-nil: Go's server makes a slice or map
// reply non-nil before the method runs (net/rpc server.go readRequest), so Blob(0) is "" and
// an empty map reply {}. Anything inside it is written as Go's zero value, nil: a Go handler
// that fills a struct leaves the fields it does not set nil, and a Go client reusing its reply
// variable then gets them cleared rather than keeping stale entries.
class Encoder {
 public:
  Encoder(std::string* out, size_t max_depth) : out_(out), max_depth_(max_depth) {}

  Error Encode(const TypeInfo* t, const void* p, size_t depth) {
    switch (t->kind) {
      case Kind::kBool:
        out_->append(*static_cast<const bool*>(p) ? "true" : "false");
        return {};
      case Kind::kInt:
        AppendInteger(LoadInt(p, t->size), out_);
        return {};
      case Kind::kUint:
        AppendInteger(LoadUint(p, t->size), out_);
        return {};
      case Kind::kFloat32:
        return AppendFloat(*static_cast<const float*>(p), out_);
      case Kind::kFloat64:
        return AppendFloat(*static_cast<const double*>(p), out_);
      case Kind::kString:
        AppendJsonString(std::string_view(t->seq.data(p), t->seq.size(p)), out_);
        return {};
      case Kind::kBytes: {
        size_t n = t->seq.size(p);
        if (n == 0 && depth > 0) {
          out_->append("null");  // Go's nil; see the note on Encoder
          return {};
        }
        out_->push_back('"');
        AppendBase64(reinterpret_cast<const uint8_t*>(t->seq.data(p)), n, out_);
        out_->push_back('"');
        return {};
      }
      default:
        break;
    }
    // Containers and structs nest; the bound keeps a recursive type from exhausting the stack.
    if (depth >= max_depth_) {
      return Error(ErrorCode::kTooLarge,
                   "json: value nested deeper than " + std::to_string(max_depth_));
    }
    switch (t->kind) {
      case Kind::kVector: {
        size_t n = t->seq.size(p);
        if (n == 0 && depth > 0) {
          out_->append("null");  // Go's nil; see the note on Encoder
          return {};
        }
        const TypeInfo* elem = t->elem();
        out_->push_back('[');
        for (size_t i = 0; i < n; ++i) {
          if (i > 0) out_->push_back(',');
          // at() is not const in the ops table, but only reads here.
          if (Error e = Encode(elem, t->seq.at(const_cast<void*>(p), i), depth + 1)) return e;
        }
        out_->push_back(']');
        return {};
      }
      case Kind::kMap:
        return EncodeMap(t, p, depth);
      case Kind::kOptional: {
        const void* v = t->opt.get(p);
        if (v == nullptr) {
          out_->append("null");
          return {};
        }
        return Encode(t->elem(), v, depth + 1);
      }
      case Kind::kStruct: {
        out_->push_back('{');
        bool first = true;
        for (const FieldInfo& f : t->fields) {
          if (!first) out_->push_back(',');
          first = false;
          AppendJsonString(f.name, out_);
          out_->push_back(':');
          if (Error e = Encode(f.type(), f.get(const_cast<void*>(p)), depth + 1)) return e;
        }
        out_->push_back('}');
        return {};
      }
      default:
        return Error(ErrorCode::kCodec, "json: unsupported type");
    }
  }

 private:
  struct Entry {
    std::string key;
    const void* value;
  };

  // Go sorts map entries by their key's string form, so integer keys sort as text (1, 10, 2).
  Error EncodeMap(const TypeInfo* t, const void* p, size_t depth) {
    if (t->map.size(p) == 0 && depth > 0) {
      out_->append("null");  // Go's nil; see the note on Encoder
      return {};
    }
    struct Ctx {
      const TypeInfo* key;
      std::vector<Entry> entries;
    } ctx{t->key(), {}};
    ctx.entries.reserve(t->map.size(p));
    t->map.for_each(p, &ctx, [](void* c, const void* k, const void* v) {
      auto* x = static_cast<Ctx*>(c);
      Entry e{{}, v};
      if (x->key->kind == Kind::kString) {
        e.key.assign(x->key->seq.data(k), x->key->seq.size(k));
      } else if (x->key->kind == Kind::kInt) {
        AppendInteger(LoadInt(k, x->key->size), &e.key);
      } else {
        AppendInteger(LoadUint(k, x->key->size), &e.key);
      }
      x->entries.push_back(std::move(e));
      return true;
    });
    std::sort(ctx.entries.begin(), ctx.entries.end(),
              [](const Entry& a, const Entry& b) { return a.key < b.key; });
    const TypeInfo* elem = t->elem();
    out_->push_back('{');
    for (size_t i = 0; i < ctx.entries.size(); ++i) {
      if (i > 0) out_->push_back(',');
      AppendJsonString(ctx.entries[i].key, out_);
      out_->push_back(':');
      if (Error e = Encode(elem, ctx.entries[i].value, depth + 1)) return e;
    }
    out_->push_back('}');
    return {};
  }

  std::string* out_;
  size_t max_depth_;
};

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  size_t start = 0;  // bytes before start are written; runs of plain bytes go out at once
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        ++i;
        continue;
      }
      out->append(s.substr(start, i - start));
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:  // other control bytes and <, >, & as Go 1.19 writes them
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
      }
      start = ++i;
      continue;
    }
    auto [r, w] = DecodeRune(s, i);
    if (r < 0 || r == 0x2028 || r == 0x2029) {
      out->append(s.substr(start, i - start));
      out->append(r < 0 ? "\\ufffd" : r == 0x2028 ? "\\u2028" : "\\u2029");
      start = i + w;
    }
    i += w;
  }
  out->append(s.substr(start));
  out->push_back('"');
}

void AppendCompactJson(std::string_view text, std::string* out) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      if (IsSpace(c)) continue;
      if (c == '"') in_string = true;
      out->push_back(c);
      continue;
    }
    if (c == '\\' && i + 1 < text.size()) {
      out->push_back(c);
      out->push_back(text[++i]);
    } else if (c == '"') {
      in_string = false;
      out->push_back(c);
    } else if (c == '<' || c == '>' || c == '&') {
      out->append("\\u00");
      out->push_back(kHex[static_cast<uint8_t>(c) >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else if (text.compare(i, 3, "\xE2\x80\xA8") == 0 || text.compare(i, 3, "\xE2\x80\xA9") == 0) {
      out->append(text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029");
      i += 2;
    } else {
      out->push_back(c);
    }
  }
}

Error AppendJson(ConstValue v, std::string* out, size_t max_depth) {
  if (v.object == nullptr || v.type == nullptr) {
    out->append("null");
    return {};
  }
  try {
    return Encoder(out, max_depth).Encode(v.type, v.object, 0);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kCodec, std::string("json: ") + e.what());
  }
}

}  // namespace netrpc::codec
