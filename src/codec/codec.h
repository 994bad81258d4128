// codec.h: the per-connection codec seam, Go's ServerCodec/ClientCodec without the I/O.
// A codec parses whole messages out of bytes the transport has buffered and appends encoded
// messages to the transport's output; it may keep state for the life of one stream (gob).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "netrpc/describe.h"
#include "netrpc/error.h"

namespace netrpc::codec {

// Go's rpc.Request and rpc.Response; the strings keep their capacity across messages.
struct RequestHeader {
  std::string service_method;
  uint64_t seq = 0;
};
struct ResponseHeader {
  std::string service_method;
  uint64_t seq = 0;
  std::string error;  // non-empty: the call failed and the body carries nothing
};

// Limits bound what a peer can make a decoder do; every length is checked before allocation.
struct Limits {
  size_t max_message_bytes = 64u << 20;
  size_t max_depth = 64;  // nesting of containers and structs
};

// ReadResult of parsing: a complete message of `consumed` bytes, an error (the stream is no
// longer in sync and the connection must close), or neither (wait for more bytes).
struct ReadResult {
  size_t consumed = 0;
  Error error;
  bool NeedMore() const { return consumed == 0 && !error; }
};

// Threading: one reader calls the Read* methods in order while writers call Write* under
// the connection's write lock, so the two sides may run at once on different threads;
// state that both sides touch (JSON-RPC's id table) is the codec's to guard.
class ServerCodec {
 public:
  virtual ~ServerCodec() = default;
  // ReadRequest parses the message at the start of `in` (header and body both complete).
  virtual ReadResult ReadRequest(std::string_view in, RequestHeader* header) = 0;
  // ReadRequestBody decodes the body of the message ReadRequest just parsed, from the same
  // bytes, before they are released; a null body.object skips it. An error here leaves the
  // stream in sync: the caller answers that one request with the error and reads on.
  virtual Error ReadRequestBody(Value body) = 0;
  // WriteResponse appends one response to out; when header.error is set, body is ignored.
  // On error nothing is appended.
  virtual Error WriteResponse(const ResponseHeader& header, ConstValue body, std::string* out) = 0;
};

class ClientCodec {
 public:
  virtual ~ClientCodec() = default;
  // WriteRequest appends one request to out; on error nothing is appended.
  virtual Error WriteRequest(const RequestHeader& header, ConstValue body, std::string* out) = 0;
  virtual ReadResult ReadResponse(std::string_view in, ResponseHeader* header) = 0;
  virtual Error ReadResponseBody(Value body) = 0;
};

}  // namespace netrpc::codec
