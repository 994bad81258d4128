// borrowed.h: byte spans an encoder points at instead of copying them into its output.
// A MiB-sized string or byte slice then goes to the socket straight from the reply that holds it.
#pragma once

#include <cstddef>
#include <vector>

namespace netrpc {

// Borrowed goes with one output string: span i is sent right before out[spans[i].at], from
// memory the encoder does not own, which must stay alive and unchanged until it is sent.
struct Borrowed {
  // Below this a copy costs less than keeping the value alive and one more iovec.
  static constexpr size_t kMinSpan = 64 * 1024;

  struct Span {
    size_t at;
    const char* data;
    size_t size;
  };
  std::vector<Span> spans;
  size_t bytes = 0;  // the sum of the spans' sizes

  void Add(size_t at, const char* data, size_t size) {
    spans.push_back({at, data, size});
    bytes += size;
  }
  // Truncate drops the spans added after the first `count` (an encoder's undo on error).
  void Truncate(size_t count) {
    while (spans.size() > count) {
      bytes -= spans.back().size;
      spans.pop_back();
    }
  }
  void Clear() {
    spans.clear();
    bytes = 0;
  }
};

}  // namespace netrpc
