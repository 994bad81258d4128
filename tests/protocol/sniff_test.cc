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

// Go's decoders match keys to fields case-insensitively and in any order, so the first key
// that names a field decides: GeeRPC's Option (json.Decoder into Option) or a JSON-RPC
// request (jsonrpc's serverRequest: method, params, id). Each was decoded as such by Go 1.19.
const char* const kGeeOptions[] = {
    "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}\n",
    "{\"CodecType\":\"application/gob\",\"MagicNumber\":3927900}\n",
    "{\"magicNumber\":3927900,\"codecType\":\"application/gob\"}\n",
    "{\"MAGICNUMBER\":3927900,\"codectype\":\"application/gob\",\"handletimeout\":1500000000}\n",
    "{\"HandleTimeout\":1000000000,\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}\n",
    "{\"ConnectTimeout\":0,\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}\n",
    "{\"\\u004dagicNumber\":3927900,\"CodecType\":\"application/gob\"}\n",
    ("{ \"Extra\" : {\"a\":[1,{\"method\":\"}\"}]}, \"Pad\":\"\\\"method\\\"\", "
     "\"codecTYPE\":\"application/gob\"}"),  // one string, split for its length
};
const char* const kJsonRpcRequests[] = {
    "{\"method\":\"Arith.Multiply\",\"params\":[{}],\"id\":0}",
    "{\"id\":0,\"method\":\"Arith.Multiply\",\"params\":[{}]}",
    "{\"Method\":\"Arith.Multiply\",\"Params\":[{}],\"ID\":0}",
    "{\"jsonrpc\":\"1.0\",\"params\":[{\"MagicNumber\":1}],\"method\":\"A.B\",\"id\":1}",
    "{\"param\xC5\xBF\":[{}],\"method\":\"A.B\",\"id\":1}",  // U+017F folds to 's' for Go
    "{}",
    "{\"x\":1}",
    "{\"x\" 1}",  // bad JSON: the JSON-RPC codec says what is wrong
};

TEST(Sniff, JsonIsDecidedByItsFirstKnownKey) {
  for (const char* in : kGeeOptions) EXPECT_EQ(Sniff(in), Detected::kGeeOption) << in;
  for (const char* in : kJsonRpcRequests) EXPECT_EQ(Sniff(in), Detected::kJsonRpc) << in;
  // "MagicNumberX" and a key split by an escape that is not a letter are not the field.
  EXPECT_EQ(Sniff("{\"MagicNumberX\":1,\"method\":\"A.B\"}"), Detected::kJsonRpc);
  EXPECT_EQ(Sniff("{\"Magic\\nNumber\":1,\"id\":1}"), Detected::kJsonRpc);
}

TEST(Sniff, JsonAnswersNeverFlip) {
  for (const char* in : kGeeOptions) ExpectMonotonic(in);
  for (const char* in : kJsonRpcRequests) ExpectMonotonic(in);
  // Undecided until the look-ahead's bound, then JSON-RPC, for that input and any longer one.
  std::string padded = "{\"Pad\":\"" + std::string(netrpc::protocol::kMaxSniffBytes, 'a') +
                       "\",\"MagicNumber\":3927900}";
  ExpectMonotonic(padded);
  EXPECT_EQ(Sniff(std::string_view(padded).substr(0, netrpc::protocol::kMaxSniffBytes - 1)),
            Detected::kNeedMore);
  EXPECT_EQ(Sniff(std::string_view(padded).substr(0, netrpc::protocol::kMaxSniffBytes)),
            Detected::kJsonRpc);
  EXPECT_EQ(Sniff(padded), Detected::kJsonRpc);
  // Whitespace alone stays undecided: the server refuses it at the bound.
  EXPECT_EQ(Sniff(std::string(2 * netrpc::protocol::kMaxSniffBytes, ' ')), Detected::kNeedMore);
}

// A TLS port asks SniffTls first: a handshake record of TLS 1.0 to 1.3's record versions is a
// ClientHello; anything else is decided from its first differing byte.
TEST(SniffTls, ClientHelloStartsAndEverythingElse) {
  using netrpc::protocol::SniffTls;
  using netrpc::protocol::TlsStart;
  EXPECT_EQ(SniffTls(""), TlsStart::kNeedMore);
  EXPECT_EQ(SniffTls("\x16"), TlsStart::kNeedMore);
  EXPECT_EQ(SniffTls("\x16\x03"), TlsStart::kNeedMore);
  for (char minor : {'\x00', '\x01', '\x02', '\x03', '\x04'}) {
    EXPECT_EQ(SniffTls(std::string("\x16\x03") + minor), TlsStart::kClientHello);
  }
  EXPECT_EQ(SniffTls("\x16\x03\x05"), TlsStart::kNotTls);
  EXPECT_EQ(SniffTls("\x16\x02"), TlsStart::kNotTls);
  EXPECT_EQ(SniffTls("\x15\x03\x01"), TlsStart::kNotTls);  // an alert record
  for (const char* plain : {"CONNECT /_goRPC_ HTTP/1.0\n\n", "GET / HTTP/1.1\r\n", "{\"id\":1}"}) {
    EXPECT_EQ(SniffTls(plain), TlsStart::kNotTls) << plain;
    EXPECT_NE(Sniff(plain), Detected::kNeedMore) << plain;
  }
}

}  // namespace
