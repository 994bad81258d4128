// pipe.h: an in-memory, full-duplex connection pair (Go's net.Pipe), with faults a test can
// inject at an exact byte: a write that fails, a peer that stops reading, a cut stream.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <utility>

#include "transport/connection.h"

namespace netrpc::transport {

// PipeFaults say what one end does wrong, deterministically.
struct PipeFaults {
  // This end may write so many bytes; the write that crosses the mark delivers the bytes up
  // to it and then fails with broken_pipe, as does every later write (Go's writeCrasher).
  // The connection is then broken both ways, as when a socket's peer is gone: each end reads
  // what was sent before, then EOF.
  size_t fail_writes_after = std::numeric_limits<size_t>::max();
  // Bytes written toward the peer and not yet read, past which a write waits for the peer
  // to read: a peer that stops reading stops the writer, as a full socket buffer does.
  size_t capacity = 4u << 20;
};

class PipeConnection;

// NewPipe makes two connected ends; each runs its handlers on its own executor.
std::pair<std::shared_ptr<PipeConnection>, std::shared_ptr<PipeConnection>> NewPipe(
    const boost::asio::any_io_executor& a, const boost::asio::any_io_executor& b);

class PipeConnection final : public Connection {
 public:
  struct Channel;  // one direction's bytes and waiters
  PipeConnection(boost::asio::any_io_executor executor, std::shared_ptr<Channel> in,
                 std::shared_ptr<Channel> out);
  ~PipeConnection() override;

  // SetFaults applies from the next write on.
  void SetFaults(const PipeFaults& faults);
  // Unsent is how many bytes this end wrote that the peer has not read yet.
  size_t Unsent() const;

  boost::asio::any_io_executor GetExecutor() const override { return executor_; }
  void ShutdownSend() override;
  void Cancel() override;
  void Close() override;
  std::string Network() const override { return "pipe"; }
  std::string LocalAddress() const override { return "pipe"; }
  const Peer& GetPeer() const override { return peer_; }

 protected:
  void DoReadSome(boost::asio::mutable_buffer buffer, ReadHandler handler) override;
  void DoWrite(std::span<const boost::asio::const_buffer> buffers, WriteHandler handler) override;

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<Channel> in_, out_;
  Peer peer_{"pipe", {}, {}};
};

}  // namespace netrpc::transport
