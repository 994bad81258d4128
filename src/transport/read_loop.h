// read_loop.h: the one read loop of every connection, server or client: parse what is
// buffered, hand each message over, read more; large messages may skip the buffer.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "codec/codec.h"
#include "netrpc/error.h"
#include "transport/stream.h"

namespace netrpc::transport {

// MessageSink is what a read loop feeds: a server connection (requests) or a client
// (responses); one that takes both kinds could carry calls in both directions.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // OnMessage parses the message at the start of `in` and acts on it (dispatches a request,
  // completes a call); it returns the bytes it took, NeedMore, or an error that ends the loop.
  virtual ReadResult OnMessage(std::string_view in) = 0;
  // WaitForRoom returns when the sink can take more (back-pressure); it stops the reading.
  virtual boost::asio::awaitable<void> WaitForRoom() { co_return; }

  // A large message may have its last value read from the connection straight into its
  // destination. BeginLarge looks at the start of the buffered message: kNotYet (its header
  // has not arrived), kNo (read it through the buffer), or kYes with *tail to fill, the
  // message's start already taken from the buffer. FinishLarge then completes it; an error
  // is a broken stream, and ends the loop.
  enum class Large { kNotYet, kNo, kYes };
  virtual Large BeginLarge(ReadBuffer& buffer, codec::Tail** tail) {
    (void)buffer, (void)tail;
    return Large::kNo;
  }
  virtual Error FinishLarge() { return {}; }
};

// CheckBuffered is the size rule every reader of a connection applies: a message may not
// buffer more than max_message_bytes plus codec::kMaxFrameOverhead (kTooLarge past it).
Error CheckBuffered(const ReadBuffer& buffer, size_t max_message_bytes);

// RunReadLoop reads from stream into sink until the connection ends or breaks the protocol,
// and returns why (kUnexpectedEof at a clean end). One size rule for all: a message may not
// buffer more than max_message_bytes plus codec::kMaxFrameOverhead. Run it on the strand.
boost::asio::awaitable<Error> RunReadLoop(Stream& stream, MessageSink& sink,
                                          size_t max_message_bytes);

}  // namespace netrpc::transport
