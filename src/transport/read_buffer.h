// read_buffer.h: the bytes a connection has read and not yet parsed.
// One contiguous block, compacted in place, so codecs parse a plain string_view.
#pragma once

#include <cstring>
#include <memory>
#include <string_view>

namespace netrpc::transport {

class ReadBuffer {
 public:
  static constexpr size_t kKeepCapacity = 16u << 20;  // an empty buffer keeps at most this

  std::string_view Data() const { return {data_.get() + begin_, end_ - begin_}; }
  size_t Size() const { return end_ - begin_; }
  size_t Capacity() const { return capacity_; }

  // Prepare returns room for at least `min` more bytes at the end.
  char* Prepare(size_t min, size_t* room) {
    if (begin_ == end_) {
      begin_ = end_ = 0;
      // A connection that once carried a huge message does not keep its memory forever.
      if (capacity_ > kKeepCapacity && min <= kKeepCapacity) {
        data_.reset();
        capacity_ = 0;
      }
    }
    if (capacity_ - end_ < min) {
      size_t size = Size();
      if (capacity_ - size >= min && begin_ > 0) {
        std::memmove(data_.get(), data_.get() + begin_, size);
      } else {
        size_t cap = std::max(capacity_ * 2, size + min);
        auto grown = std::make_unique_for_overwrite<char[]>(cap);
        if (size > 0) std::memcpy(grown.get(), data_.get() + begin_, size);
        data_ = std::move(grown);
        capacity_ = cap;
      }
      begin_ = 0;
      end_ = size;
    }
    *room = capacity_ - end_;
    return data_.get() + end_;
  }
  void Commit(size_t n) { end_ += n; }
  void Consume(size_t n) { begin_ += n; }
  // Append copies bytes in, e.g. what a sniffer already read.
  void Append(std::string_view bytes) {
    if (bytes.empty()) return;
    size_t room;
    std::memcpy(Prepare(bytes.size(), &room), bytes.data(), bytes.size());
    Commit(bytes.size());
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace netrpc::transport
