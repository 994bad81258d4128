// codec.h: the per-connection codec seam, Go's ServerCodec/ClientCodec without the I/O.
// A codec parses whole messages out of bytes the transport has buffered and appends encoded
// messages to the transport's output; it may keep state for the life of one stream (gob).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "netrpc/describe.h"
#include "netrpc/error.h"
#include "types/borrowed.h"

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

// Tail is the end of a large message's last value, a std::string or Bytes, which the
// transport reads from the socket straight into the value rather than into its buffer. The
// value grows as its bytes arrive (past a first grant, fourfold at most), so that a peer that
// announces a large message must send it before that much memory is held for it.
struct Tail {
  static constexpr size_t kFirstGrant = 2u << 20;

  const TypeInfo* type = nullptr;  // of the value: kString or kBytes
  void* object = nullptr;          // the value; null until a tail was found
  size_t size = 0;                 // the value's final size
  size_t filled = 0;               // bytes in it so far

  size_t Missing() const { return size - filled; }
  // Begin sizes the value for its first bytes and copies them in.
  void Begin(const TypeInfo* t, void* value, size_t final_size, std::string_view first) {
    type = t;
    object = value;
    size = final_size;
    t->seq.resize(value, std::min(size, std::max(first.size() * 4, kFirstGrant)));
    std::memcpy(Data(), first.data(), first.size());
    filled = first.size();
  }
  // Room is where the next bytes go, *room of them, after growing the value if it is full.
  char* Room(size_t* room) {
    size_t now = type->seq.size(object);
    if (now == filled) {
      now = std::min(size, std::max(filled * 4, kFirstGrant));
      type->seq.resize(object, now);
    }
    *room = now - filled;
    return Data() + filled;
  }
  void Commit(size_t n) { filled += n; }

 private:
  char* Data() { return const_cast<char*>(type->seq.data(object)); }
};

// TailPlan describes a large response's last value, a string or byte slice still arriving:
// the client reads it into a staged std::string or Bytes of `size` bytes, whose first `have`
// bytes are the last bytes of what arrived so far, then hands it over whole.
struct TailPlan {
  Kind kind = Kind::kBytes;  // kString (stage a std::string) or kBytes (stage a Bytes)
  size_t size = 0;
  size_t have = 0;
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
  // Large requests may skip the read buffer where the codec supports it (the native one
  // does; these defaults decline). PeekRequest parses the header of a message at the start of `in`
  // that has not all arrived, consuming nothing; it returns the message's size in bytes, or 0 when
  // the header is not complete yet or the codec cannot read bodies in part.
  virtual size_t PeekRequest(std::string_view in, RequestHeader* header) {
    (void)in, (void)header;
    return 0;
  }
  // ReadRequestPrefix then decodes that message's body from the part in `in`, if all that is
  // missing is the end of a string or byte slice that ends the message: that value is sized
  // and filled as far as `in` goes, *tail is the rest of it, and the message counts as read
  // (consumed == in.size()). Otherwise it returns NeedMore or an error with nothing consumed
  // and the stream unchanged; only body was written, and the caller discards it.
  virtual ReadResult ReadRequestPrefix(std::string_view in, Value body, Tail* tail) {
    (void)in, (void)body, (void)tail;
    return {};
  }
  // WriteResponse appends one response to out; when header.error is set, body is ignored.
  // On error nothing is appended. With a non-null `borrowed`, a codec may list large strings
  // and byte slices of body there instead of copying them (the native codec does); the
  // caller then keeps body alive until they are sent.
  virtual Error WriteResponse(const ResponseHeader& header, ConstValue body, std::string* out,
                              Borrowed* borrowed) = 0;
  Error WriteResponse(const ResponseHeader& header, ConstValue body, std::string* out) {
    return WriteResponse(header, body, out, nullptr);
  }
};

class ClientCodec {
 public:
  virtual ~ClientCodec() = default;
  // WriteRequest appends one request to out; on error nothing is appended.
  virtual Error WriteRequest(const RequestHeader& header, ConstValue body, std::string* out) = 0;
  virtual ReadResult ReadResponse(std::string_view in, ResponseHeader* header) = 0;
  virtual Error ReadResponseBody(Value body) = 0;
  // Large responses may skip the read buffer. The reply belongs to the caller until the call
  // is taken from the pending table, so nothing is decoded into it before the whole message
  // is there; the tail is staged instead. PeekResponse is PeekRequest's twin.
  virtual size_t PeekResponse(std::string_view in, ResponseHeader* header) {
    (void)in, (void)header;
    return 0;
  }
  // PlanResponseTail checks, writing nothing, that the body of that message would decode as
  // `type` with only the end of its last value, a string or byte slice, missing.
  virtual bool PlanResponseTail(std::string_view in, const TypeInfo* type, TailPlan* plan) {
    (void)in, (void)type, (void)plan;
    return false;
  }
  // ReadResponseStaged reads that message: `in` is what arrived before the tail was staged,
  // *staged (a std::string or Bytes, per the plan) the tail value whole, which is swapped
  // into body; a null body.object skips the body. The message then counts as read, all of
  // `in` with it, even when the body fails to decode (as with ReadResponseBody).
  virtual Error ReadResponseStaged(std::string_view in, Value body, void* staged) {
    (void)in, (void)body, (void)staged;
    return Error(ErrorCode::kProtocol, "this codec cannot stage a response");
  }
};

}  // namespace netrpc::codec
