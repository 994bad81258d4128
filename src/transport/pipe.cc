// pipe.cc: the pipe's two channels, one per direction, each guarded by its own mutex.
// Handlers are stored while they wait and posted to their executor when completed.
#include "transport/pipe.h"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

namespace netrpc::transport {

namespace asio = boost::asio;
using boost::system::error_code;

struct PipeConnection::Channel {
  std::mutex mu;                      // guards everything below
  std::string bytes;                  // written, not yet read
  bool write_closed = false;          // the writer closed or shut down: EOF once bytes are read
  bool read_closed = false;           // the reader closed: writes fail
  size_t written = 0;                 // by the writer, in all
  PipeFaults faults;                  // the writer's
  std::optional<ReadHandler> reader;  // a read waiting for bytes
  asio::mutable_buffer read_into;
  asio::any_io_executor reader_executor;
  std::optional<WriteHandler> writer;  // a write waiting for the reader to make room
  size_t writer_count = 0;
  asio::any_io_executor writer_executor;
};

namespace {

using Channel = PipeConnection::Channel;
using ReadHandler = Connection::ReadHandler;
using WriteHandler = Connection::WriteHandler;

// Complete leaves a read's cancellation slot as it is: clearing it here, on the writer's thread,
// would race with the reader's strand emitting on it. A late cancellation finds no reader.
template <class Handler>
void Complete(Handler handler, const asio::any_io_executor& fallback, error_code ec, size_t n) {
  PostCompletion(std::move(handler), fallback, ec, n);
}

// Deliver completes a waiting read if there is something for it: bytes, EOF or a close.
// Called with the channel's lock held.
void Deliver(Channel& c) {
  if (!c.reader) return;
  if (!c.bytes.empty()) {
    size_t n = std::min(c.bytes.size(), c.read_into.size());
    std::memcpy(c.read_into.data(), c.bytes.data(), n);
    c.bytes.erase(0, n);
    ReadHandler h = std::move(*c.reader);
    c.reader.reset();
    Complete(std::move(h), c.reader_executor, {}, n);
    if (c.writer && c.bytes.size() <= c.faults.capacity) {
      WriteHandler w = std::move(*c.writer);
      c.writer.reset();
      Complete(std::move(w), c.writer_executor, {}, c.writer_count);
    }
  } else if (c.write_closed || c.read_closed) {
    ReadHandler h = std::move(*c.reader);
    c.reader.reset();
    Complete(
        std::move(h), c.reader_executor,
        c.read_closed ? error_code(asio::error::operation_aborted) : error_code(asio::error::eof),
        0);
  }
}

}  // namespace

std::pair<std::shared_ptr<PipeConnection>, std::shared_ptr<PipeConnection>> NewPipe(
    const asio::any_io_executor& a, const asio::any_io_executor& b) {
  auto a_to_b = std::make_shared<Channel>();
  auto b_to_a = std::make_shared<Channel>();
  return {std::make_shared<PipeConnection>(a, b_to_a, a_to_b),
          std::make_shared<PipeConnection>(b, a_to_b, b_to_a)};
}

PipeConnection::PipeConnection(asio::any_io_executor executor, std::shared_ptr<Channel> in,
                               std::shared_ptr<Channel> out)
    : executor_(std::move(executor)), in_(std::move(in)), out_(std::move(out)) {}

PipeConnection::~PipeConnection() { Close(); }

void PipeConnection::SetFaults(const PipeFaults& faults) {
  std::lock_guard lock(out_->mu);
  out_->faults = faults;
}

size_t PipeConnection::Unsent() const {
  std::lock_guard lock(out_->mu);
  return out_->bytes.size();
}

void PipeConnection::DoReadSome(asio::mutable_buffer buffer, ReadHandler handler) {
  std::lock_guard lock(in_->mu);
  if (buffer.size() == 0) {
    Complete(std::move(handler), executor_, {}, 0);
    return;
  }
  if (in_->reader) {  // one read at a time, as on a socket's strand
    Complete(std::move(handler), executor_, asio::error::in_progress, 0);
    return;
  }
  auto slot = asio::get_associated_cancellation_slot(handler);
  in_->reader.emplace(std::move(handler));
  in_->read_into = buffer;
  in_->reader_executor = executor_;
  if (slot.is_connected()) {
    slot.assign([weak = std::weak_ptr<Channel>(in_)](asio::cancellation_type) {
      auto c = weak.lock();
      if (!c) return;
      std::lock_guard lock(c->mu);
      if (!c->reader) return;
      ReadHandler h = std::move(*c->reader);
      c->reader.reset();
      Complete(std::move(h), c->reader_executor, asio::error::operation_aborted, 0);
    });
  }
  Deliver(*in_);
}

void PipeConnection::DoWrite(std::span<const asio::const_buffer> buffers, WriteHandler handler) {
  std::unique_lock lock(out_->mu);
  Channel& c = *out_;
  if (c.read_closed || c.write_closed) {
    Complete(std::move(handler), executor_, asio::error::broken_pipe, 0);
    return;
  }
  size_t total = 0;
  bool crashed = false;
  for (const auto& b : buffers) {
    size_t allowed = c.faults.fail_writes_after - std::min(c.written, c.faults.fail_writes_after);
    size_t n = std::min(b.size(), allowed);
    c.bytes.append(static_cast<const char*>(b.data()), n);
    c.written += n;
    total += n;
    if (n < b.size()) {
      crashed = true;
      break;
    }
  }
  if (crashed) c.write_closed = true;  // the peer reads what got through, then EOF
  Deliver(c);
  if (crashed) {
    Complete(std::move(handler), executor_, asio::error::broken_pipe, total);
    lock.unlock();  // one channel's lock at a time: the peer may take them the other way round
    // As when a socket's peer is gone: what it sent still arrives, then this end reads EOF.
    std::lock_guard in_lock(in_->mu);
    in_->write_closed = true;
    Deliver(*in_);
  } else if (c.bytes.size() <= c.faults.capacity) {
    Complete(std::move(handler), executor_, {}, total);
  } else {  // the peer is not reading: finish when it has made room
    c.writer.emplace(std::move(handler));
    c.writer_count = total;
    c.writer_executor = executor_;
  }
}

void PipeConnection::ShutdownSend() {
  std::lock_guard lock(out_->mu);
  out_->write_closed = true;
  Deliver(*out_);
}

void PipeConnection::Cancel() {
  {
    std::lock_guard lock(in_->mu);
    if (in_->reader) {
      ReadHandler h = std::move(*in_->reader);
      in_->reader.reset();
      Complete(std::move(h), in_->reader_executor, asio::error::operation_aborted, 0);
    }
  }
  std::lock_guard lock(out_->mu);
  if (out_->writer) {
    WriteHandler w = std::move(*out_->writer);
    out_->writer.reset();
    Complete(std::move(w), out_->writer_executor, asio::error::operation_aborted, 0);
  }
}

void PipeConnection::Close() {
  {
    std::lock_guard lock(in_->mu);
    in_->read_closed = true;
    in_->bytes.clear();
    Deliver(*in_);
    if (in_->writer) {  // the peer's blocked write: nobody will read it now
      WriteHandler w = std::move(*in_->writer);
      in_->writer.reset();
      Complete(std::move(w), in_->writer_executor, asio::error::broken_pipe, 0);
    }
  }
  std::lock_guard lock(out_->mu);
  out_->write_closed = true;
  Deliver(*out_);
  if (out_->writer) {
    WriteHandler w = std::move(*out_->writer);
    out_->writer.reset();
    Complete(std::move(w), out_->writer_executor, asio::error::operation_aborted, 0);
  }
}

}  // namespace netrpc::transport
