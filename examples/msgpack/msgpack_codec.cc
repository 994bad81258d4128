// msgpack_codec.cc: the two codecs: Go's rpc.Request and rpc.Response described as structs,
// so that go-msgpack's rules for structs (a map keyed by sorted field names) write them.
#include "msgpack_codec.h"

#include <cstdint>
#include <utility>

#include "msgpack_writer.h"

namespace msgpackrpc {
namespace {

using netrpc::ConstValue;
using netrpc::Error;
using netrpc::ReadResult;
using netrpc::TypeOf;
using netrpc::Value;

// GoRequest and GoResponse carry Go's field names, which are the keys on the wire.
struct GoRequest {
  std::string ServiceMethod;
  uint64_t Seq = 0;
};
NETRPC_STRUCT(GoRequest, ServiceMethod, Seq);

struct GoResponse {
  std::string ServiceMethod;
  uint64_t Seq = 0;
  std::string Error;
};
NETRPC_STRUCT(GoResponse, ServiceMethod, Seq, Error);

// InvalidRequest is the body Go's net/rpc sends with an error (struct{}{}): an empty map.
struct InvalidRequest {};
NETRPC_STRUCT(InvalidRequest);

// WriteMessage appends header then body, or nothing when either fails: half a message would
// put the peer's reader out of step for good.
template <class Header>
Error WriteMessage(const Header& header, ConstValue body, const Limits& limits, std::string* out) {
  const size_t start = out->size();
  Error err = AppendValue({TypeOf<Header>(), &header}, out, limits.max_depth);
  if (!err) err = AppendValue(body, out, limits.max_depth);
  if (err) out->resize(start);
  return err;
}

}  // namespace

ReadResult MsgpackServerCodec::ReadRequestHeader(std::string_view in, netrpc::Request* header) {
  GoRequest h;
  ReadResult r = reader_.Next(in, {TypeOf<GoRequest>(), &h});
  if (r.consumed > 0) {
    header->service_method = std::move(h.ServiceMethod);
    header->seq = h.Seq;
  }
  return r;
}

Error MsgpackServerCodec::ReadRequestBody(Value body) { return reader_.ReadBody(body); }

Error MsgpackServerCodec::WriteResponse(const netrpc::Response& header, ConstValue body,
                                        std::string* out) {
  static const InvalidRequest kInvalidRequest;
  if (!header.error.empty()) body = {TypeOf<InvalidRequest>(), &kInvalidRequest};
  return WriteMessage(GoResponse{header.service_method, header.seq, header.error}, body, limits_,
                      out);
}

Error MsgpackClientCodec::WriteRequest(const netrpc::Request& header, ConstValue body,
                                       std::string* out) {
  return WriteMessage(GoRequest{header.service_method, header.seq}, body, limits_, out);
}

ReadResult MsgpackClientCodec::ReadResponseHeader(std::string_view in, netrpc::Response* header) {
  GoResponse h;
  ReadResult r = reader_.Next(in, {TypeOf<GoResponse>(), &h});
  if (r.consumed > 0) {
    header->service_method = std::move(h.ServiceMethod);
    header->seq = h.Seq;
    header->error = std::move(h.Error);
  }
  return r;
}

Error MsgpackClientCodec::ReadResponseBody(Value body) { return reader_.ReadBody(body); }

}  // namespace msgpackrpc
