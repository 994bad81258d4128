// gob.cc: Go's gobServerCodec and gobClientCodec (net/rpc/server.go, client.go) without I/O.
// A call is two gob items, header then body, each some type definitions and one value message.
#include "codec/gob.h"

#include <vector>

#include "codec/gob_wire.h"

namespace netrpc::codec {
namespace {

using gob::Reader;

// Header descriptions written by hand so that Request/Response travel as Go's
// rpc.Request/rpc.Response (the same names and fields) and decode in place, keeping capacity.
const TypeInfo* RequestType() {
  static const FieldInfo fields[] = {
      {"ServiceMethod", &TypeOf<std::string>,
       [](void* o) -> void* { return &static_cast<Request*>(o)->service_method; }},
      {"Seq", &TypeOf<uint64_t>, [](void* o) -> void* { return &static_cast<Request*>(o)->seq; }},
  };
  static const TypeInfo info = [] {
    TypeInfo t{};
    t.kind = Kind::kStruct;
    t.name = "Request";
    t.fields = fields;
    t.reset = [](void* o) {
      auto* h = static_cast<Request*>(o);
      h->service_method.clear();
      h->seq = 0;
    };
    return t;
  }();
  return &info;
}

const TypeInfo* ResponseType() {
  static const FieldInfo fields[] = {
      {"ServiceMethod", &TypeOf<std::string>,
       [](void* o) -> void* { return &static_cast<Response*>(o)->service_method; }},
      {"Seq", &TypeOf<uint64_t>, [](void* o) -> void* { return &static_cast<Response*>(o)->seq; }},
      {"Error", &TypeOf<std::string>,
       [](void* o) -> void* { return &static_cast<Response*>(o)->error; }},
  };
  static const TypeInfo info = [] {
    TypeInfo t{};
    t.kind = Kind::kStruct;
    t.name = "Response";
    t.fields = fields;
    t.reset = [](void* o) {
      auto* h = static_cast<Response*>(o);
      h->service_method.clear();
      h->seq = 0;
      h->error.clear();
    };
    return t;
  }();
  return &info;
}

// GeeRPC's codec.Header{ServiceMethod, Seq, Error}: one header type for both directions.
// Decoders match fields by name, so only the name in the type definition differs from
// Response; it is kept so that the bytes are GeeRPC's.
const TypeInfo* GeeHeaderType() {
  static const TypeInfo info = [] {
    TypeInfo t = *ResponseType();
    t.name = "Header";
    return t;
  }();
  return &info;
}

// net/rpc's `invalidRequest struct{}`: the body Go's server sends with an error response.
const TypeInfo* InvalidRequestType() {
  static const TypeInfo info = [] {
    TypeInfo t{};
    t.kind = Kind::kStruct;
    t.name = "invalidRequest";
    t.reset = [](void*) {};
    return t;
  }();
  return &info;
}

struct Message {
  int64_t id = 0;
  std::string_view body;  // the bytes after the id
};

// Item is one gob Encode call on the wire: type definitions, then one value message.
struct Item {
  std::vector<Message> definitions;
  Message value;
};

enum class Scan { kOk, kNeedMore, kError };

// ScanItem frames one item starting at *pos without touching decoder state, so that a
// caller told to wait for more bytes can scan the same bytes again safely.
Scan ScanItem(std::string_view in, size_t* pos, const Limits& limits, Item* item, Error* error) {
  item->definitions.clear();
  for (;;) {
    Reader r(in.substr(*pos));
    uint64_t n;
    bool bad = false;
    if (!r.ReadUint(&n, &bad)) {
      if (!bad) return Scan::kNeedMore;
      *error = Error(ErrorCode::kProtocol, "gob: encoded unsigned integer out of range");
      return Scan::kError;
    }
    if (n == 0) {
      *error = Error(ErrorCode::kProtocol, "gob: invalid message length");
      return Scan::kError;
    }
    if (n > limits.max_message_bytes) {
      *error = Error(ErrorCode::kTooLarge,
                     "gob: message of " + std::to_string(n) + " bytes exceeds the limit");
      return Scan::kError;
    }
    if (n > r.remaining()) return Scan::kNeedMore;
    size_t start = static_cast<size_t>(r.position() - in.data());
    std::string_view message = in.substr(start, n);
    Reader mr(message);
    Message m;
    if (!mr.ReadInt(&m.id)) {
      *error = Error(ErrorCode::kProtocol, "gob: corrupted message type id");
      return Scan::kError;
    }
    m.body = message.substr(message.size() - mr.remaining());
    *pos = start + n;
    if (m.id >= 0) {
      item->value = m;
      return Scan::kOk;
    }
    item->definitions.push_back(m);
  }
}

// Stream holds what both codecs share: one encoder, one decoder and the pending body.
class Stream {
 public:
  explicit Stream(const Limits& limits) : limits_(limits), encoder_(limits), decoder_(limits) {}

  // Read parses a header and its body once both are complete; the body value is kept as a
  // view into `in`, which the caller keeps until ReadBody.
  ReadResult Read(std::string_view in, Value header) {
    ReadResult result;
    size_t pos = 0;
    for (Item* item : {&header_item_, &body_item_}) {
      Scan s = ScanItem(in, &pos, limits_, item, &result.error);
      if (s == Scan::kNeedMore) return ReadResult{};
      if (s == Scan::kError) return result;
      if (item == &header_item_ && !HeaderTypeDefined()) {
        // Go reads the header before the body and fails on it at once; waiting for a body
        // would leave a peer that sent a bad header hanging. Checked as soon as the header
        // is complete, so the answer is the same however the bytes arrive.
        result.error = Error(ErrorCode::kProtocol, "gob: header of unknown type id " +
                                                       std::to_string(header_item_.value.id));
        return result;
      }
    }
    has_body_ = false;
    for (const Message& m : header_item_.definitions) {
      if ((result.error = decoder_.DefineType(m.id, m.body))) return result;
    }
    result.error = decoder_.DecodeValue(header_item_.value.id, header_item_.value.body, header,
                                        ErrorCode::kProtocol);
    if (result.error) return result;
    for (const Message& m : body_item_.definitions) {
      if ((result.error = decoder_.DefineType(m.id, m.body))) return result;
    }
    body_ = body_item_.value;
    has_body_ = true;
    result.consumed = pos;
    return result;
  }

  // HeaderTypeDefined: is the scanned header's type defined on this stream or by the header
  // item itself? A header is a struct, so a predefined (builtin) id counts as undefined too.
  bool HeaderTypeDefined() const {
    int64_t id = header_item_.value.id;
    if (decoder_.Defined(id)) return true;
    for (const Message& m : header_item_.definitions) {
      if (m.id == -id) return true;  // value ids are >= 0: -id cannot overflow
    }
    return false;
  }

  Error ReadBody(Value body) {
    if (!has_body_) return Error(ErrorCode::kUsage, "gob: no message body to read");
    has_body_ = false;
    return decoder_.DecodeValue(body_.id, body_.body, body, ErrorCode::kCodec);
  }

  Error Write(ConstValue header, ConstValue body, std::string* out) {
    Error e = encoder_.Prepare(header, &pending_header_);
    if (!e) e = encoder_.Prepare(body, &pending_body_);
    if (e) return e;
    encoder_.Commit(pending_header_, out);
    encoder_.Commit(pending_body_, out);
    return Error();
  }

 private:
  Limits limits_;
  gob::StreamEncoder encoder_;
  gob::StreamDecoder decoder_;
  Item header_item_;
  Item body_item_;
  Message body_;
  bool has_body_ = false;
  gob::StreamEncoder::Pending pending_header_;
  gob::StreamEncoder::Pending pending_body_;
};

class GobServerCodec final : public ServerCodec {
 public:
  GobServerCodec(const Limits& limits, GobHeaders headers, Conn conn)
      : ServerCodec(std::move(conn)),
        stream_(limits),
        response_type_(headers == GobHeaders::kGeeRpc ? GeeHeaderType() : ResponseType()) {}

  ReadResult ReadRequestHeader(std::string_view in, Request* header) override {
    return stream_.Read(in, Value{RequestType(), header});
  }
  Error ReadRequestBody(Value body) override { return stream_.ReadBody(body); }
  Error WriteResponse(const Response& header, ConstValue body, std::string* out) override {
    static const char kEmpty = 0;
    if (!header.error.empty()) body = ConstValue{InvalidRequestType(), &kEmpty};
    return stream_.Write(ConstValue{response_type_, &header}, body, out);
  }

 private:
  Stream stream_;
  const TypeInfo* response_type_;
};

class GobClientCodec final : public ClientCodec {
 public:
  GobClientCodec(const Limits& limits, GobHeaders headers, Conn conn)
      : ClientCodec(std::move(conn)), stream_(limits), gee_(headers == GobHeaders::kGeeRpc) {}

  Error WriteRequest(const Request& header, ConstValue body, std::string* out) override {
    if (gee_) {
      gee_header_.service_method = header.service_method;
      gee_header_.seq = header.seq;
      return stream_.Write(ConstValue{GeeHeaderType(), &gee_header_}, body, out);
    }
    return stream_.Write(ConstValue{RequestType(), &header}, body, out);
  }
  ReadResult ReadResponseHeader(std::string_view in, Response* header) override {
    return stream_.Read(in, Value{ResponseType(), header});
  }
  Error ReadResponseBody(Value body) override { return stream_.ReadBody(body); }

 private:
  Stream stream_;
  bool gee_;
  Response gee_header_;  // reused: a GeeRPC request is written as a Header
};

}  // namespace

std::unique_ptr<ServerCodec> NewGobServerCodec(const Limits& limits, GobHeaders headers,
                                               Conn conn) {
  return std::make_unique<GobServerCodec>(limits, headers, std::move(conn));
}

std::unique_ptr<ClientCodec> NewGobClientCodec(const Limits& limits, GobHeaders headers,
                                               Conn conn) {
  return std::make_unique<GobClientCodec>(limits, headers, std::move(conn));
}

}  // namespace netrpc::codec
