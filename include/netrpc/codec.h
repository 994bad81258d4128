// codec.h: Go's rpc.ServerCodec and rpc.ClientCodec, for codecs written outside netrpc.
// A codec parses messages out of bytes netrpc has read and appends what it writes; netrpc
// does all I/O, so a codec holds framing, a header and a body, and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "netrpc/conn.h"
#include "netrpc/describe.h"
#include "netrpc/error.h"

namespace netrpc {

// Request and Response are the headers of net/rpc (rpc.Request, rpc.Response).
struct Request {
  std::string service_method;  // "Service.Method"
  uint64_t seq = 0;            // chosen by the client, echoed in the response
};
struct Response {
  std::string service_method;
  uint64_t seq = 0;
  std::string error;  // non-empty: the call failed and the body carries nothing
};

// ReadResult is the outcome of parsing the start of the buffered bytes: a complete message of
// `consumed` bytes; an error (the stream is out of step, so the connection closes); or
// neither, NeedMore (the message has not all arrived: netrpc reads more and asks again with
// the same bytes and more after them).
struct ReadResult {
  size_t consumed = 0;
  Error error;
  bool NeedMore() const { return consumed == 0 && !error; }
};

namespace codec {
class LargeMessages;  // netrpc's own codecs' optional large-message path (src/codec/large.h)
}

// ServerCodec is one connection's server side of a wire format (Go's rpc.ServerCodec): made
// over the connection, as Go's NewServerCodec(conn), and handed to Server::ServeCodec. It may
// keep state for the connection's life (gob remembers types). Threading: netrpc calls the
// Read methods from one reader, in order, and WriteResponse under the connection's write
// lock, so a read and a write may run at once on two threads; state both touch is the
// codec's to guard.
class ServerCodec {
 public:
  explicit ServerCodec(Conn conn) : conn_(std::move(conn)) {}
  virtual ~ServerCodec() = default;
  ServerCodec(const ServerCodec&) = delete;
  ServerCodec& operator=(const ServerCodec&) = delete;

  // ReadRequestHeader parses the request at the start of `in`: framing (where the message
  // ends) and header; the whole message, body included, must have arrived to count.
  virtual ReadResult ReadRequestHeader(std::string_view in, Request* header) = 0;
  // ReadRequestBody decodes the body of the request just parsed, from the bytes `in` held
  // (valid until the next ReadRequestHeader). A null body.object discards the body, as
  // Go's ReadRequestBody(nil). An error answers that request with it; the stream stays in step.
  virtual Error ReadRequestBody(Value body) = 0;
  // WriteResponse appends one response to *out; when header.error is set, body is ignored
  // (null). On error it appends nothing.
  virtual Error WriteResponse(const Response& header, ConstValue body, std::string* out) = 0;
  // Close is called once, when netrpc is done with the connection.
  virtual void Close() {}

  const Conn& Connection() const { return conn_; }
  // Large is the optional large-message capability of netrpc's own codecs (null here).
  virtual codec::LargeMessages* Large() { return nullptr; }

 private:
  Conn conn_;
};

// ClientCodec is one connection's client side (Go's rpc.ClientCodec), handed to
// NewClientWithCodec. Same threading contract: WriteRequest under the write lock, the Read
// methods from one reader.
class ClientCodec {
 public:
  explicit ClientCodec(Conn conn) : conn_(std::move(conn)) {}
  virtual ~ClientCodec() = default;
  ClientCodec(const ClientCodec&) = delete;
  ClientCodec& operator=(const ClientCodec&) = delete;

  // WriteRequest appends one request to *out; on error it appends nothing and the call fails.
  virtual Error WriteRequest(const Request& header, ConstValue body, std::string* out) = 0;
  // ReadResponseHeader parses the response at the start of `in`, as ReadRequestHeader.
  virtual ReadResult ReadResponseHeader(std::string_view in, Response* header) = 0;
  // ReadResponseBody decodes the body of the response just parsed; a null body.object
  // discards it. An error fails that call only.
  virtual Error ReadResponseBody(Value body) = 0;
  virtual void Close() {}

  const Conn& Connection() const { return conn_; }
  virtual codec::LargeMessages* Large() { return nullptr; }

 private:
  Conn conn_;
};

}  // namespace netrpc
