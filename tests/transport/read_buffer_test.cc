// read_buffer_test.cc: the connection read buffer keeps unparsed bytes in order across
// compaction and growth, and gives back the memory of a huge message once it is consumed.
#include "transport/read_buffer.h"

#include <gtest/gtest.h>

namespace {

using netrpc::transport::ReadBuffer;

TEST(ReadBuffer, KeepsBytesInOrderAcrossCompactionAndGrowth) {
  ReadBuffer b;
  std::string expect;
  for (int i = 0; i < 1000; ++i) {
    std::string chunk(static_cast<size_t>(i % 97 + 1), static_cast<char>('a' + i % 26));
    b.Append(chunk);
    expect += chunk;
    if (i % 3 == 0) {  // consume part of what is there, as a parser would
      size_t n = b.Size() / 2;
      EXPECT_EQ(b.Data().substr(0, n), std::string_view(expect).substr(0, n));
      b.Consume(n);
      expect.erase(0, n);
    }
  }
  EXPECT_EQ(b.Data(), expect);
}

TEST(ReadBuffer, ReleasesAHugeBlockOnceEmpty) {
  ReadBuffer b;
  b.Append(std::string(ReadBuffer::kKeepCapacity + 1, 'x'));
  EXPECT_GT(b.Capacity(), ReadBuffer::kKeepCapacity);
  b.Consume(b.Size());
  size_t room = 0;
  b.Prepare(64 * 1024, &room);
  EXPECT_LE(b.Capacity(), ReadBuffer::kKeepCapacity);
  EXPECT_GE(room, 64u * 1024);
}

}  // namespace
