// msgpack_message.h: splits a msgpackrpc stream into messages, a header value then a body
// value with no length prefix, and keeps each body until the codec is asked to decode it.
#pragma once

#include <netrpc/codec.h>
#include <netrpc/describe.h>
#include <netrpc/error.h>

#include <cstddef>
#include <string_view>

#include "msgpack_wire.h"

namespace msgpackrpc {

// Limits bound what a peer can make a codec wait for or walk through.
struct Limits {
  size_t max_message_bytes = 64u << 20;  // header and body together; larger: kTooLarge
  size_t max_depth = wire::kDefaultMaxDepth;
};

// MessageReader is the read side of one connection's codec; only netrpc's one reader calls
// it, so it needs no lock, and the write side shares nothing with it.
class MessageReader {
 public:
  explicit MessageReader(Limits limits) : limits_(limits) {}

  // Next parses the message at the start of `in`: NeedMore until the header and the body
  // have both arrived, then decodes the header into `header`, keeps the body's bytes and
  // consumes both. A malformed or oversized message is an error: the stream is out of step.
  netrpc::ReadResult Next(std::string_view in, netrpc::Value header);

  // ReadBody decodes the body Next kept (its bytes live in the caller's buffer until the
  // next Next); a null body.object discards it.
  netrpc::Error ReadBody(netrpc::Value body);

 private:
  Limits limits_;
  // The message being waited for needs at least this much input (0: not known yet), so that
  // a large body arriving in pieces is not scanned again from its start for every piece.
  size_t need_ = 0;
  std::string_view body_;
};

}  // namespace msgpackrpc
