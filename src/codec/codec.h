// codec.h: what netrpc's own codecs share beyond the public ServerCodec/ClientCodec
// (netrpc/codec.h): their limits, and the optional large-message capability.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "netrpc/codec.h"
#include "netrpc/describe.h"
#include "netrpc/error.h"
#include "types/borrowed.h"

namespace netrpc::codec {

// Limits bound what a peer can make a decoder do; every length is checked before allocation.
struct Limits {
  size_t max_message_bytes = 64u << 20;
  size_t max_depth = 64;  // nesting of containers and structs
};

// kMaxFrameOverhead bounds what any codec's framing adds to a message of max_message_bytes
// (a preamble, a length prefix, a header): a connection that buffers more than the sum
// without a complete message is over the limit.
inline constexpr size_t kMaxFrameOverhead = 64;

// Tail is the end of a large message's last value, a std::string or Bytes, which the
// transport reads from the socket straight into the value rather than into its buffer. The
// value grows as its bytes arrive (past a first grant, fourfold at most), so that a peer that
// announces a large message must send it before that much memory is held for it. A few bytes
// may follow the value in the message (a native request's extension records): they are read
// after it into `after`, which the codec sized and bounded.
struct Tail {
  static constexpr size_t kFirstGrant = 2u << 20;

  const TypeInfo* type = nullptr;  // of the value: kString or kBytes
  void* object = nullptr;          // the value; null until a tail was found
  size_t size = 0;                 // the value's final size
  size_t filled = 0;               // bytes in it so far
  std::string after;               // the message's bytes after the value, all of them
  size_t after_filled = 0;         // bytes in `after` so far

  size_t Missing() const { return size - filled + (after.size() - after_filled); }
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
    if (filled == size) {
      *room = after.size() - after_filled;
      return after.data() + after_filled;
    }
    size_t now = type->seq.size(object);
    if (now == filled) {
      now = std::min(size, std::max(filled * 4, kFirstGrant));
      type->seq.resize(object, now);
    }
    *room = now - filled;
    return Data() + filled;
  }
  void Commit(size_t n) { (filled == size ? after_filled : filled) += n; }

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

// LargeMessages is the one optional capability of netrpc's own codecs for large payloads
// (ServerCodec::Large(), ClientCodec::Large()): a reply's large strings and byte slices are
// borrowed into the write queue instead of copied, and a large message whose last value is a
// string or byte slice has that value read from the connection straight into its
// destination (a Tail) instead of through the read buffer. A codec offers it only where its
// framing announces a message's size before its bytes (the native frame does; gob, JSON and
// msgpack do not). A message's header is parsed once, by the Large*Header call; the calls
// after it on the same message use that parse. Same threading contract as the codec.
class LargeMessages {
 public:
  virtual ~LargeMessages() = default;

  // Server side. LargeRequestHeader parses the header of a request at the start of `in` that
  // has not all arrived, consuming nothing; it returns the message's size in bytes, or 0 when
  // the header is not complete yet.
  virtual size_t LargeRequestHeader(std::string_view in, Request* header) = 0;
  // LargeRequestBody then decodes that message's body from the part in `in`, if all that is
  // missing is the end of a string or byte slice that ends the message's body: that value is
  // sized and filled as far as `in` goes, *tail is the rest of it (with what follows the
  // body, if anything), and the message counts as read (consumed == in.size()). Otherwise it
  // returns NeedMore or an error with nothing consumed and the stream unchanged; only body was
  // written, and the caller discards it.
  virtual ReadResult LargeRequestBody(std::string_view in, Value body, Tail* tail) = 0;
  // LargeRequestEnd, once the tail is read, takes in what followed the body (a native
  // request's extension records: the caller's deadline and metadata, the args type) and
  // checks body's type against it. *call_err, if set, answers the call instead of its handler;
  // an error returned is a broken stream, which ends the connection.
  virtual Error LargeRequestEnd(const Tail& tail, Value body, Error* call_err) = 0;
  // WriteResponse is ServerCodec::WriteResponse that may list large strings and byte slices
  // of body in *borrowed instead of copying them; the caller keeps body alive until sent.
  virtual Error WriteResponse(const Response& header, ConstValue body, std::string* out,
                              Borrowed* borrowed) = 0;

  // Client side. The reply belongs to the caller until the call is taken from the pending
  // table, so nothing is decoded into it before the whole message is there; the tail is
  // staged instead. LargeResponseHeader is LargeRequestHeader's twin.
  virtual size_t LargeResponseHeader(std::string_view in, Response* header) = 0;
  // LargeResponseTail checks, writing nothing, that the body of that message would decode as
  // `type` with only the end of its last value, a string or byte slice, missing.
  virtual bool LargeResponseTail(std::string_view in, const TypeInfo* type, TailPlan* plan) = 0;
  // LargeResponseBody reads that message: `in` is what arrived before the tail was staged,
  // *staged (a std::string or Bytes, per the plan) the tail value whole, which is swapped
  // into body; a null body.object skips the body. The message then counts as read, all of
  // `in` with it, even when the body fails to decode (as with ReadResponseBody).
  virtual Error LargeResponseBody(std::string_view in, Value body, void* staged) = 0;
};

}  // namespace netrpc::codec
