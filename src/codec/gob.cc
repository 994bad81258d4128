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

// Item is one gob Encode call's value as scanned: its type id, the rest of its first message,
// and the messages it continues into (empty unless it holds interface values; gob_wire.h).
struct Item {
  int64_t id = 0;
  std::string_view first;
  std::string_view rest;
  Error measure_error;  // the walk that found `rest` stopped here; decoding reports it
};

enum class Scan { kOk, kNeedMore, kError };

// Stream holds what both codecs share: one encoder, one decoder and the pending body.
class Stream {
 public:
  explicit Stream(const Limits& limits) : limits_(limits), encoder_(limits), decoder_(limits) {}

  // Read parses a header and its body once both are complete; the body value is kept as a
  // view into `in`, which the caller keeps until ReadBody. Definitions are applied as they
  // are scanned and undone when the input turns out incomplete, so that scanning the same
  // bytes again later is safe.
  ReadResult Read(std::string_view in, Value header) {
    ReadResult result;
    size_t pos = 0;
    has_body_ = false;
    decoder_.BeginTentative();
    Scan s = ScanItem(in, &pos, /*is_header=*/true, &header_item_, &result.error);
    if (s == Scan::kOk) s = ScanItem(in, &pos, /*is_header=*/false, &body_, &result.error);
    if (s == Scan::kNeedMore) {
      decoder_.Rollback();
      return ReadResult{};
    }
    decoder_.EndTentative();
    if (s == Scan::kError) return result;
    result.error = decoder_.DecodeValue(header_item_.id, header_item_.first, header_item_.rest,
                                        header, ErrorCode::kProtocol);
    if (result.error) return result;
    has_body_ = true;
    result.consumed = pos;
    return result;
  }

  // ScanItem takes one item at *pos: type definitions, applied, then a value message and the
  // messages that value continues into.
  Scan ScanItem(std::string_view in, size_t* pos, bool is_header, Item* item, Error* error) {
    for (;;) {
      std::string_view message;
      switch (gob::NextMessage(in, pos, limits_, &message, error)) {
        case gob::Framed::kNeedMore:
          return Scan::kNeedMore;
        case gob::Framed::kError:
          return Scan::kError;
        case gob::Framed::kOk:
          break;
      }
      Reader r(message);
      int64_t id;
      if (!r.ReadInt(&id)) {
        *error = Error(ErrorCode::kProtocol, "gob: corrupted message type id");
        return Scan::kError;
      }
      std::string_view after = message.substr(message.size() - r.remaining());
      if (id < 0) {
        if ((*error = decoder_.DefineType(id, after))) return Scan::kError;
        continue;
      }
      // A header is a struct, so a predefined (builtin) id counts as undefined too. Go reads
      // the header before the body and fails on it at once; waiting for a body would leave a
      // peer that sent a bad header hanging.
      if (is_header && !decoder_.Defined(id)) {
        *error =
            Error(ErrorCode::kProtocol, "gob: header of unknown type id " + std::to_string(id));
        return Scan::kError;
      }
      *item = Item{id, after, {}, Error()};
      if (!decoder_.MayContinue(id)) return Scan::kOk;
      size_t used = 0;
      bool need_more = false;
      Error e = decoder_.Measure(id, after, in.substr(*pos), &used, &need_more);
      if (need_more) return Scan::kNeedMore;
      item->rest = in.substr(*pos, used);
      *pos += used;
      if (e && is_header) {
        *error = Error(ErrorCode::kProtocol, e.message());
        return Scan::kError;
      }
      // A body that cannot be walked is still answered: decoding it reports the error, and
      // the stream goes on after the messages the walk took, as Go's decoder would.
      item->measure_error = std::move(e);
      return Scan::kOk;
    }
  }

  Error ReadBody(Value body) {
    if (!has_body_) return Error(ErrorCode::kUsage, "gob: no message body to read");
    has_body_ = false;
    Error e = decoder_.DecodeValue(body_.id, body_.first, body_.rest, body, ErrorCode::kCodec,
                                   body_.measure_error);
    if (!e && body_.measure_error) e = Error(ErrorCode::kCodec, body_.measure_error.message());
    return e;
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
  Item body_;
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
