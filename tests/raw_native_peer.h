// raw_native_peer.h: a native client on a plain socket, for tests that must see every frame
// a server sends (a Client drops replies it no longer waits for, such as a late result).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "codec/native.h"

namespace testsvc {

// RawPeer is a native client on a plain socket, so that the test sees every frame the server
// sends (a Client drops what it no longer waits for). It encodes and decodes with the extended
// client codec.
class RawPeer {
 public:
  explicit RawPeer(const std::string& address) {
    auto colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};  // a read that hangs fails the test instead
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) fd_ = -1;
  }
  ~RawPeer() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  void Call(const std::string& method, uint64_t seq, int64_t arg,
            std::chrono::milliseconds timeout = {}) {
    std::string out;
    netrpc::codec::NativeCallExtras extras{netrpc::TypeOf<int64_t>(), timeout};
    ASSERT_FALSE(
        native_->WriteCall({method, seq}, {netrpc::TypeOf<int64_t>(), &arg}, extras, &out));
    Send(out);
  }
  void Cancel(uint64_t seq) {
    std::string out;
    ASSERT_TRUE(native_->WriteCancel(seq, &out));
    Send(out);
  }
  // Next reads the next response: its seq and error, and its int64 body when ok.
  bool Next(uint64_t* seq, std::string* error, int64_t* value) {
    for (;;) {
      netrpc::Response h;
      auto r = codec_->ReadResponseHeader(buf_, &h);
      if (r.error) return false;
      if (r.consumed > 0) {
        *seq = h.seq;
        *error = h.error;
        bool call = h.error.empty() && h.seq < (uint64_t{1} << 32);  // not the hello's answer
        bool ok = !(call ? codec_->ReadResponseBody({netrpc::TypeOf<int64_t>(), value})
                         : codec_->ReadResponseBody({}));
        buf_.erase(0, r.consumed);
        return ok;
      }
      char chunk[4096];
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  int fd_ = -1;
  std::unique_ptr<netrpc::ClientCodec> codec_ = netrpc::codec::NewNativeClientCodec({});
  netrpc::codec::NativeClient* native_ = netrpc::codec::AsNativeClient(codec_.get());
  std::string buf_;
};

}  // namespace testsvc
