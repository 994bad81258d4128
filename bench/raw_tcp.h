// raw_tcp.h: the buffers and socket calls the raw-TCP echo server and client share.
// Frames are a little-endian u32 length and that many bytes; nothing is serialized.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace netrpc::bench {

// ByteQueue is a growable buffer with a consumed prefix; Compact moves what is left to the
// front once the prefix dominates, so appends and reads stay amortised O(1).
class ByteQueue {
 public:
  char* Data() { return buf_.data() + begin_; }
  size_t Size() const { return end_ - begin_; }
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Reserve makes room for n more bytes at End().
  char* Reserve(size_t n) {
    if (begin_ > 0 && begin_ >= Size()) {
      std::memmove(buf_.data(), Data(), Size());
      end_ -= begin_;
      begin_ = 0;
    }
    if (buf_.size() - end_ < n) buf_.resize(std::max(buf_.size() * 2, end_ + n));
    return buf_.data() + end_;
  }
  void Commit(size_t n) { end_ += n; }
  void Append(const void* p, size_t n) {
    std::memcpy(Reserve(n), p, n);
    Commit(n);
  }

 private:
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
};

// ReadSome reads what the socket has, up to a few MiB; returns false on EOF or error.
inline bool ReadSome(int fd, ByteQueue* in) {
  for (int i = 0; i < 64; ++i) {
    char* p = in->Reserve(256 << 10);
    ssize_t n = ::read(fd, p, 256 << 10);
    if (n > 0) {
      in->Commit(static_cast<size_t>(n));
      if (n < (256 << 10)) return true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  return true;
}

// Flush writes as much of out as the socket takes; returns false on error.
inline bool Flush(int fd, ByteQueue* out) {
  while (out->Size() > 0) {
    ssize_t n = ::write(fd, out->Data(), out->Size());
    if (n > 0) {
      out->Consume(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

// FrameLength is the length of the frame at the start of in, or -1 if its header is partial.
inline int64_t FrameLength(ByteQueue& in) {
  if (in.Size() < 4) return -1;
  uint32_t n;
  std::memcpy(&n, in.Data(), 4);
  return n;
}

inline void AppendFrameHeader(ByteQueue* out, uint32_t n) { out->Append(&n, 4); }

inline void SetNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

inline sockaddr_in MakeAddr(const std::string& host, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  return a;
}

}  // namespace netrpc::bench
