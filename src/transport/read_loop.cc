// read_loop.cc: the read loop. Every complete message buffered is handed over before the
// next read, so pipelined requests cost one read between them.
#include "transport/read_loop.h"

namespace netrpc::transport {

namespace asio = boost::asio;

Error CheckBuffered(const ReadBuffer& buffer, size_t max_message_bytes) {
  if (buffer.Size() <= max_message_bytes + codec::kMaxFrameOverhead) return {};
  return Error(ErrorCode::kTooLarge,
               "message exceeds the limit of " + std::to_string(max_message_bytes) + " bytes");
}

asio::awaitable<Error> RunReadLoop(Stream& stream, MessageSink& sink, size_t max_message_bytes) {
  ReadBuffer& buffer = stream.Buffer();
  bool large_decided = false;  // BeginLarge answered for the message at the buffer's start
  for (;;) {
    for (;;) {
      ReadResult r = sink.OnMessage(buffer.Data());
      if (r.error) co_return r.error;
      if (r.NeedMore()) break;
      buffer.Consume(r.consumed);
      large_decided = false;
    }
    if (Error err = CheckBuffered(buffer, max_message_bytes)) co_return err;
    co_await sink.WaitForRoom();
    if (!large_decided && buffer.Size() > 0) {
      codec::Tail* tail = nullptr;
      switch (sink.BeginLarge(buffer, &tail)) {
        case MessageSink::Large::kNotYet:
          break;
        case MessageSink::Large::kNo:
          large_decided = true;  // one look per message: a refusal is final
          break;
        case MessageSink::Large::kYes:
          if (Error err = co_await stream.ReadTail(tail)) co_return err;
          if (Error err = sink.FinishLarge()) co_return err;
          continue;
      }
    }
    if (Error err = co_await stream.ReadMore()) co_return err;
  }
}

}  // namespace netrpc::transport
