// sniff_test.cc: the first-bytes sniffer decides from real openings of every protocol, and
// never changes its answer as bytes arrive (the cases the fuzzer once caught included).
#include "protocol/sniff.h"

#include <gtest/gtest.h>

namespace {

using netrpc::protocol::Detected;
using netrpc::protocol::Sniff;

TEST(Sniff, RealOpenings) {
  EXPECT_EQ(Sniff(std::string("\xCENR\x01\x10", 5)), Detected::kNative);
  EXPECT_EQ(Sniff(std::string("\x2c\xff\x81\x03\x01", 5)), Detected::kGob);  // Go's Request typedef
  EXPECT_EQ(Sniff(std::string("{\xfe\x01", 3)), Detected::kGob);  // length 123, type id >= 128
  EXPECT_EQ(Sniff("{\"method\":\"Arith.Multiply\",\"params\":[{}],\"id\":0}"), Detected::kJsonRpc);
  EXPECT_EQ(Sniff("{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}"),
            Detected::kGeeOption);
  EXPECT_EQ(Sniff("CONNECT /_goRPC_ HTTP/1.0\n\n"), Detected::kHttpConnect);
  EXPECT_EQ(Sniff("GET /debug/rpc HTTP/1.1\r\n"), Detected::kHttp);
  EXPECT_EQ(Sniff("[{\"method\":1}]"), Detected::kJsonRpc);  // a batch: refused by the codec
}

// Every prefix says NeedMore or the final answer, never another protocol.
void ExpectMonotonic(const std::string& in) {
  Detected final_answer = Sniff(in);
  for (size_t n = 0; n < in.size(); ++n) {
    Detected d = Sniff(std::string_view(in).substr(0, n));
    EXPECT_TRUE(d == Detected::kNeedMore || d == final_answer) << "prefix " << n << " of " << in;
  }
}

TEST(Sniff, AnswersNeverFlip) {
  ExpectMonotonic(std::string(64, ' ') + "{");
  ExpectMonotonic("{" + std::string(63, ' ') + "x");
  ExpectMonotonic("{" + std::string(51, ' ') + "\"MagicNumber\":3927900}");
  ExpectMonotonic("{\"MagicNumbe\":1}");
  ExpectMonotonic("CONNECT /x HTTP/1.0\n\n");
  ExpectMonotonic("CONNEXT");
  EXPECT_EQ(Sniff(std::string(64, ' ')), Detected::kNeedMore);  // the server caps this wait
}

}  // namespace
