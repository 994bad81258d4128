// msgpack_test.cc: the msgpackrpc codecs against the bytes Go's msgpackrpc writes
// (testdata/go_msgpackrpc.txt, printed by go/capture), plus framing, limits and bad input.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "msgpack_codec.h"
#include "msgpack_reader.h"
#include "msgpack_scan.h"
#include "msgpack_writer.h"

namespace {

using msgpackrpc::MsgpackClientCodec;
using msgpackrpc::MsgpackServerCodec;
using netrpc::ConstValue;
using netrpc::Error;
using netrpc::ErrorCode;
using netrpc::ReadResult;
using netrpc::TypeOf;
using netrpc::Value;
using std::string_literals::operator""s;

// The Go types of go/capture/main.go, field for field (Go's names are the keys on the wire).
struct Args {
  int64_t A = 0, B = 0;
  bool operator==(const Args&) const = default;
};
NETRPC_STRUCT(Args, A, B);

struct Quotient {
  int64_t Quo = 0, Rem = 0;
  bool operator==(const Quotient&) const = default;
};
NETRPC_STRUCT(Quotient, Quo, Rem);

struct Widths {
  int8_t I8 = 0;
  int16_t I16 = 0;
  int32_t I32 = 0;
  int64_t I64 = 0;
  uint8_t U8 = 0;
  uint16_t U16 = 0;
  uint32_t U32 = 0;
  uint64_t U64 = 0;
  bool operator==(const Widths&) const = default;
};
NETRPC_STRUCT(Widths, I8, I16, I32, I64, U8, U16, U32, U64);

struct Floats {
  float F32 = 0;
  double F64 = 0;
  std::vector<float> F32s;
  std::vector<double> F64s;
  bool operator==(const Floats&) const = default;
};
NETRPC_STRUCT(Floats, F32, F64, F32s, F64s);

struct Inner {
  int32_t X = 0;
  std::string S;
  bool operator==(const Inner&) const = default;
};
NETRPC_STRUCT(Inner, X, S);

enum class Priority : uint8_t { kLow, kMid, kHigh };  // Go's Level uint8

// Outer's fields are in Go's declaration order, not sorted: the writer must sort them.
struct Outer {
  std::string Name;
  Inner In;
  std::vector<Inner> Inners;
  std::optional<Inner> Opt;
  std::optional<Inner> None;
  std::map<std::string, std::string> Tags;
  netrpc::Bytes Blob;
  bool Ok = false;
  Priority Level = Priority::kLow;
  bool operator==(const Outer&) const = default;
};
NETRPC_STRUCT(Outer, Name, In, Inners, Opt, None, Tags, Blob, Ok, Level);

// FullOuter is go/capture's Outer value for "outer".
Outer FullOuter() {
  Outer o;
  o.Name = "outer";
  o.In = {-7, "in"};
  o.Inners = {{1, "one"}, {2, ""}};
  o.Opt = Inner{300, "opt"};
  o.Tags = {{"k", "v"}};
  o.Blob = {0xde, 0xad};
  o.Ok = true;
  o.Level = Priority::kHigh;
  return o;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (char c : bytes) {
    s.push_back(kDigits[static_cast<uint8_t>(c) >> 4]);
    s.push_back(kDigits[c & 0xf]);
  }
  return s;
}

std::string Unhex(std::string_view hex) {
  std::string s;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    s.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return s;
}

// GoCapture is testdata/go_msgpackrpc.txt: message name -> the bytes Go wrote.
const std::map<std::string, std::string>& GoCapture() {
  static const std::map<std::string, std::string> capture = [] {
    std::map<std::string, std::string> m;
    std::ifstream file(MSGPACK_GO_CAPTURE);
    std::string line;
    while (std::getline(file, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string name, hex;
      fields >> name >> hex;
      m[name] = Unhex(hex);
    }
    return m;
  }();
  return capture;
}

// Text is n bytes of a..z repeated, as go/capture's text(n).
std::string Text(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

netrpc::Bytes Count(size_t n) {
  netrpc::Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Every captured message: our writer produces Go's bytes, and our reader reads Go's bytes (and
// our own) back to the value.

enum class Match { kBytes, kSizeOnly };  // kSizeOnly: Go wrote a map in its random order

struct Case {
  std::string name;
  std::function<void(const std::string& go)> check;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

template <class T>
void CheckRequest(const std::string& go, const netrpc::Request& want, const T* value, Match match) {
  MsgpackClientCodec client{netrpc::Conn()};
  std::string ours;
  ConstValue body = value != nullptr ? ConstValue{TypeOf<T>(), value} : ConstValue{};
  Error err = client.WriteRequest(want, body, &ours);
  ASSERT_TRUE(err.ok()) << err.message();
  if (match == Match::kBytes) {
    EXPECT_EQ(Hex(ours), Hex(go));
  } else {
    EXPECT_EQ(ours.size(), go.size());
  }
  for (std::string_view bytes : {std::string_view(go), std::string_view(ours)}) {
    MsgpackServerCodec server{netrpc::Conn()};
    netrpc::Request header;
    ReadResult r = server.ReadRequestHeader(bytes, &header);
    ASSERT_TRUE(r.error.ok()) << r.error.message();
    EXPECT_EQ(r.consumed, bytes.size());
    EXPECT_EQ(header.service_method, want.service_method);
    EXPECT_EQ(header.seq, want.seq);
    if (value == nullptr) {
      EXPECT_TRUE(server.ReadRequestBody({}).ok());
      continue;
    }
    T got{};
    err = server.ReadRequestBody({TypeOf<T>(), &got});
    ASSERT_TRUE(err.ok()) << err.message();
    EXPECT_TRUE(got == *value);
  }
}

template <class T>
Case Request(std::string name, std::string method, uint64_t seq, T value,
             Match match = Match::kBytes) {
  return {name, [=](const std::string& go) { CheckRequest(go, {method, seq}, &value, match); }};
}
Case NilRequest(std::string name, std::string method, uint64_t seq) {
  return {name, [=](const std::string& go) {
            CheckRequest<int>(go, {method, seq}, nullptr, Match::kBytes);
          }};
}

template <class T>
void CheckResponse(const std::string& go, const netrpc::Response& want, const T* value) {
  MsgpackServerCodec server{netrpc::Conn()};
  std::string ours;
  ConstValue body = value != nullptr ? ConstValue{TypeOf<T>(), value} : ConstValue{};
  Error err = server.WriteResponse(want, body, &ours);
  ASSERT_TRUE(err.ok()) << err.message();
  EXPECT_EQ(Hex(ours), Hex(go));
  for (std::string_view bytes : {std::string_view(go), std::string_view(ours)}) {
    MsgpackClientCodec client{netrpc::Conn()};
    netrpc::Response header;
    ReadResult r = client.ReadResponseHeader(bytes, &header);
    ASSERT_TRUE(r.error.ok()) << r.error.message();
    EXPECT_EQ(r.consumed, bytes.size());
    EXPECT_EQ(header.service_method, want.service_method);
    EXPECT_EQ(header.seq, want.seq);
    EXPECT_EQ(header.error, want.error);
    if (value == nullptr) {
      EXPECT_TRUE(client.ReadResponseBody({}).ok());
      continue;
    }
    T got{};
    err = client.ReadResponseBody({TypeOf<T>(), &got});
    ASSERT_TRUE(err.ok()) << err.message();
    EXPECT_TRUE(got == *value);
  }
}

template <class T>
Case Response(std::string name, std::string method, uint64_t seq, T value) {
  return {name, [=](const std::string& go) { CheckResponse(go, {method, seq, ""}, &value); }};
}
Case ErrorResponse(std::string name, std::string method, uint64_t seq, std::string error) {
  return {name, [=](const std::string& go) {
            CheckResponse<int>(go, {method, seq, error}, nullptr);
          }};
}

Case NilResponse(std::string name, std::string method, uint64_t seq) {
  return {name, [=](const std::string& go) { CheckResponse<int>(go, {method, seq, ""}, nullptr); }};
}

std::vector<Case> Cases() {
  std::vector<Case> cases = {
      NilRequest("request_nil_body", "Test.Nil", 0),
      Request("request_args", "Arith.Multiply", 1, Args{7, 8}),
      Request("request_seq_200", "Test.Seq", 200, true),
      Request("request_seq_70000", "Test.Seq", 70000, false),
      Request("request_seq_2_40", "Test.Seq", uint64_t{1} << 40, int64_t{-1}),
      Request("request_seq_max", "Test.Seq", UINT64_MAX, uint64_t{UINT64_MAX}),
      Request("request_long_method", "Service.AMethodNameLongerThan31Bytes", 3, std::string("x")),
      Request("widths_max", "Test.Widths", 4,
              Widths{INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX, UINT8_MAX, UINT16_MAX, UINT32_MAX,
                     UINT64_MAX}),
      Request("widths_min", "Test.Widths", 5,
              Widths{.I8 = INT8_MIN, .I16 = INT16_MIN, .I32 = INT32_MIN, .I64 = INT64_MIN}),
      Request("ints", "Test.Ints", 6,
              std::vector<int64_t>{0,         1,      127,    128,        255,
                                   256,       65535,  65536,  4294967295, 4294967296,
                                   INT64_MAX, -1,     -32,    -33,        -128,
                                   -129,      -32768, -32769, INT32_MIN,  int64_t{INT32_MIN} - 1,
                                   INT64_MIN}),
      Request("uints", "Test.Uints", 7,
              std::vector<uint64_t>{0, 127, 128, 255, 256, 65535, 65536, UINT32_MAX,
                                    uint64_t{UINT32_MAX} + 1, UINT64_MAX}),
      Request("floats", "Test.Floats", 8,
              Floats{0.1f, -2.5e-300, {1.5f, -0.0f, FLT_MAX}, {1e300, -1, 0.5, INFINITY}}),
      Request("string_utf8", "Test.String", 9, std::string("héllo, 世界")),
      Request("strings", "Test.Strings", 10, std::vector<std::string>{"a", "", "ccc"}),
      Request("bytes_nil", "Test.Bytes", 11, netrpc::Bytes{}),
      Request("bytes_empty", "Test.Bytes", 12, netrpc::Bytes{}),
      Request("bytes_4", "Test.Bytes", 13, netrpc::Bytes{0, 1, 2, 255}),
      Request("bytes_32", "Test.Bytes", 14, Count(32)),
      Request("bytes_256", "Test.Bytes", 15, Count(256)),
      Request("nested_vectors", "Test.Nested", 16, std::vector<std::vector<int32_t>>{{1, 2}, {3}}),
      Request("map_string_int32", "Test.Map", 17, std::map<std::string, int32_t>{{"one", 1}}),
      Request("map_int64_string", "Test.Map", 18, std::map<int64_t, std::string>{{-5, "neg"}}),
      Request("map_uint32_float64", "Test.Map", 19, std::map<uint32_t, double>{{7, 0.5}}),
      Request("map_three_anyorder", "Test.Map", 20,
              std::map<std::string, int32_t>{{"a", 1}, {"b", 2}, {"c", 3}}, Match::kSizeOnly),
      Request("outer", "Test.Outer", 21, FullOuter()),
      Request("outer_zero", "Test.Outer", 22, Outer{}),
      Request("top_empty_bytes", "Test.Empty", 23, netrpc::Bytes{}),
      Request("top_empty_strings", "Test.Empty", 24, std::vector<std::string>{}),
      Request("top_empty_int64s", "Test.Empty", 25, std::vector<int64_t>{}),
      Request("top_empty_uint64s", "Test.Empty", 26, std::vector<uint64_t>{}),
      Request("top_empty_int32s", "Test.Empty", 27, std::vector<int32_t>{}),
      Request("top_empty_map_string_string", "Test.Empty", 28,
              std::map<std::string, std::string>{}),
      Request("top_empty_map_string_int32", "Test.Empty", 29, std::map<std::string, int32_t>{}),
      Request("top_empty_inners", "Test.Empty", 30, std::vector<Inner>{}),

      Response("response_int", "Arith.Multiply", 0, int64_t{56}),
      Response("response_quotient", "Arith.Divide", 1, Quotient{3, 2}),
      ErrorResponse("response_error", "Arith.Divide", 2, "divide by zero"),
      ErrorResponse("response_error_long", "Arith.Nope", 3, "rpc: can't find method Arith.Nope"),
      NilResponse("response_nil_body", "Test.Nil", 4),

      // A real net/rpc client and server over msgpackrpc, one call at a time.
      Request("arith_multiply_request", "Arith.Multiply", 0, Args{7, 8}),
      Response("arith_multiply_response", "Arith.Multiply", 0, int64_t{56}),
      Request("arith_divide_request", "Arith.Divide", 1, Args{17, 5}),
      Response("arith_divide_response", "Arith.Divide", 1, Quotient{3, 2}),
      Request("arith_divide_by_zero_request", "Arith.Divide", 2, Args{1, 0}),
      ErrorResponse("arith_divide_by_zero_response", "Arith.Divide", 2, "divide by zero"),
  };
  for (size_t n : {0, 1, 31, 32, 255, 256, 65535, 65536}) {
    cases.push_back(Request("string_" + std::to_string(n), "Test.String", n, Text(n)));
  }
  return cases;
}

class GoBytes : public testing::TestWithParam<Case> {};

TEST_P(GoBytes, WrittenAndReadAsGoDoes) {
  auto it = GoCapture().find(GetParam().name);
  ASSERT_NE(it, GoCapture().end()) << GetParam().name << " is missing from " MSGPACK_GO_CAPTURE;
  GetParam().check(it->second);
}

INSTANTIATE_TEST_SUITE_P(Msgpack, GoBytes, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(GoCapture, EveryMessageHasACase) {
  ASSERT_FALSE(GoCapture().empty()) << "no messages in " MSGPACK_GO_CAPTURE;
  std::vector<Case> cases = Cases();
  for (const auto& [name, bytes] : GoCapture()) {
    bool found = false;
    for (const Case& c : cases) found = found || c.name == name;
    EXPECT_TRUE(found) << name << " has no case in msgpack_test.cc";
  }
}

// ---------------------------------------------------------------------------------------------
// Framing: with no length prefix, a message is complete only when its header and body both are.

// ReadAny parses the start of `in` with the codec for the message's direction.
struct Reader {
  explicit Reader(bool response) : response_(response) {}
  ReadResult Read(std::string_view in) {
    netrpc::Request request;
    netrpc::Response response;
    return response_ ? client_.ReadResponseHeader(in, &response)
                     : server_.ReadRequestHeader(in, &request);
  }
  bool response_;
  MsgpackServerCodec server_{netrpc::Conn()};
  MsgpackClientCodec client_{netrpc::Conn()};
};

TEST(MsgpackFraming, EveryGoMessageNeedsAllOfItsBytesAndNoMore) {
  for (const auto& [name, bytes] : GoCapture()) {
    SCOPED_TRACE(name);
    const bool response = name.find("response") != std::string::npos;
    // Prefixes in growing order, as netrpc offers them: all of a small message's, and for a
    // large one its first and last 300 and every 4093rd in between.
    Reader growing(response);
    for (size_t n = 0; n < bytes.size(); ++n) {
      if (bytes.size() > 2048 && n > 300 && n + 300 < bytes.size() && n % 4093 != 0) continue;
      ReadResult r = growing.Read(std::string_view(bytes).substr(0, n));
      ASSERT_TRUE(r.NeedMore()) << "prefix of " << n << " bytes: " << r.error.message();
    }
    std::string two = bytes + bytes;
    ReadResult r = growing.Read(two);
    ASSERT_TRUE(r.error.ok()) << r.error.message();
    EXPECT_EQ(r.consumed, bytes.size());
    r = Reader(response).Read(std::string_view(two).substr(r.consumed));
    EXPECT_EQ(r.consumed, bytes.size());
  }
}

// A message announcing more than the limit fails as soon as its length is read, without
// waiting for (or allocating) the rest.
TEST(MsgpackFraming, OversizedMessageFailsBeforeItArrives) {
  MsgpackServerCodec server{netrpc::Conn(), {.max_message_bytes = 1024}};
  netrpc::Request header;
  std::string in = "\x82\xa3Seq\x01\xadServiceMethod\xdb\x00\x01\x00\x00"s;  // str32 of 64 KiB
  ReadResult r = server.ReadRequestHeader(in, &header);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge) << r.error.message();

  MsgpackServerCodec defaults{netrpc::Conn()};
  in = "\x82\xa3Seq\x01\xadServiceMethod\xa1x\xdd\xff\xff\xff\xff"s;  // array32 of 4 G
  r = defaults.ReadRequestHeader(in, &header);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge) << r.error.message();
}

TEST(MsgpackFraming, MalformedOrWrongHeaderClosesTheStream) {
  MsgpackServerCodec server{netrpc::Conn()};
  netrpc::Request header;
  ReadResult r = server.ReadRequestHeader(std::string("\xc1\xc0", 2), &header);
  EXPECT_EQ(r.error.code(), ErrorCode::kProtocol);
  EXPECT_EQ(r.error.message(), "msgpackrpc: type byte 0xc1 is never used at byte 1");
  r = server.ReadRequestHeader(std::string("\x05\xc0", 2), &header);  // a header that is an int
  EXPECT_EQ(r.error.code(), ErrorCode::kProtocol);
  EXPECT_EQ(r.error.message(),
            "msgpackrpc: bad header: msgpack: cannot decode int into struct GoRequest at byte 0");
}

TEST(MsgpackFraming, NestingPastTheLimitIsMalformed) {
  std::string deep(100, '\x91');  // [[[[...1...]]]]
  deep.push_back('\x01');
  msgpackrpc::ScanResult s = msgpackrpc::ScanValue(deep, 0);
  EXPECT_EQ(s.status, msgpackrpc::ScanResult::Status::kMalformed);
  s = msgpackrpc::ScanValue(deep, 0, 100);
  EXPECT_EQ(s.status, msgpackrpc::ScanResult::Status::kComplete);
  EXPECT_EQ(s.end, deep.size());
}

// A body that does not decode fails that request only: the next message reads as usual.
TEST(MsgpackFraming, BodyErrorKeepsTheStreamInStep) {
  const std::string& multiply = GoCapture().at("arith_multiply_request");
  const std::string& divide = GoCapture().at("arith_divide_request");
  std::string stream = multiply + divide;
  MsgpackServerCodec server{netrpc::Conn()};
  netrpc::Request header;
  ReadResult r = server.ReadRequestHeader(stream, &header);
  ASSERT_EQ(r.consumed, multiply.size());
  std::string wrong;
  Error err = server.ReadRequestBody({TypeOf<std::string>(), &wrong});
  EXPECT_EQ(err.code(), ErrorCode::kCodec);
  EXPECT_EQ(err.message(), "msgpack: cannot decode map into string at byte 0");
  r = server.ReadRequestHeader(std::string_view(stream).substr(r.consumed), &header);
  ASSERT_EQ(r.consumed, divide.size());
  EXPECT_EQ(header.service_method, "Arith.Divide");
  Args args;
  ASSERT_TRUE(server.ReadRequestBody({TypeOf<Args>(), &args}).ok());
  EXPECT_EQ(args, (Args{17, 5}));
}

// With an error, the response body is Go's struct{}{} whatever body netrpc passes.
TEST(MsgpackCodec, ErrorResponseIgnoresTheBody) {
  MsgpackServerCodec server{netrpc::Conn()};
  Quotient q{9, 9};
  std::string out;
  ASSERT_TRUE(
      server.WriteResponse({"Arith.Divide", 2, "divide by zero"}, {TypeOf<Quotient>(), &q}, &out)
          .ok());
  EXPECT_EQ(Hex(out), Hex(GoCapture().at("response_error")));
}

// ---------------------------------------------------------------------------------------------
// The reader: what go-msgpack accepts, and lengths that lie.

template <class T>
Error Read(std::string_view bytes, T* out, size_t max_depth = msgpackrpc::wire::kDefaultMaxDepth) {
  return msgpackrpc::ReadValue(bytes, {TypeOf<T>(), out}, max_depth);
}

template <class T>
std::string Write(const T& value) {
  std::string out;
  EXPECT_TRUE(msgpackrpc::AppendValue({TypeOf<T>(), &value}, &out).ok());
  return out;
}

struct ArgsAndMore {
  std::vector<std::map<std::string, Inner>> Before;
  int64_t A = 0;
  std::optional<Floats> Between;
  int64_t B = 0;
  std::string Zzz;
};
NETRPC_STRUCT(ArgsAndMore, Before, A, Between, B, Zzz);

TEST(MsgpackReader, UnknownKeysAreSkipped) {
  ArgsAndMore more{{{{"k", {1, "x"}}}}, 5, Floats{1, 2, {3}, {4}}, 6, "end"};
  Args args;
  Error err = Read(Write(more), &args);
  ASSERT_TRUE(err.ok()) << err.message();
  EXPECT_EQ(args, (Args{5, 6}));
}

TEST(MsgpackReader, StructFromArrayInFieldOrder) {
  Args args;
  ASSERT_TRUE(Read(std::string("\x92\x05\x06"), &args).ok());
  EXPECT_EQ(args, (Args{5, 6}));
  ASSERT_TRUE(Read(std::string("\x93\x07\x08\xa3xyz"), &args).ok());  // extras skipped
  EXPECT_EQ(args, (Args{7, 8}));
}

TEST(MsgpackReader, NilSetsTheZeroValue) {
  Args args{1, 2};
  ASSERT_TRUE(Read(std::string("\xc0"), &args).ok());
  EXPECT_EQ(args, Args{});
  Outer outer;
  outer.Opt = Inner{1, "x"};
  outer.Tags = {{"a", "b"}};
  ASSERT_TRUE(Read(std::string("\x82\xa3Opt\xc0\xa4Tags\xc0"), &outer).ok());
  EXPECT_FALSE(outer.Opt.has_value());
  EXPECT_TRUE(outer.Tags.empty());
}

TEST(MsgpackReader, IntegersFitTheirWidthOrFail) {
  int16_t i16 = 0;
  ASSERT_TRUE(Read(std::string("\xd0\x80", 2), &i16).ok());  // int8 -128
  EXPECT_EQ(i16, -128);
  uint16_t u16 = 0;
  ASSERT_TRUE(Read(std::string("\xd3\0\0\0\0\0\0\0\x05", 9), &u16).ok());  // int64 5
  EXPECT_EQ(u16, 5);
  int8_t i8 = 0;
  EXPECT_EQ(Read(std::string("\xcd\x01\x2c", 3), &i8).message(),
            "msgpack: 300 overflows int8 at byte 3");
  uint8_t u8 = 0;
  EXPECT_EQ(Read(std::string("\xff"), &u8).message(), "msgpack: -1 overflows uint8 at byte 1");
  int64_t i64 = 0;
  EXPECT_EQ(Read(std::string("\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), &i64).message(),
            "msgpack: 18446744073709551615 overflows int64 at byte 9");
  bool b = false;
  ASSERT_TRUE(Read(std::string("\x01"), &b).ok());  // Go takes fixint 0 and 1 as bools
  EXPECT_TRUE(b);
}

TEST(MsgpackReader, FloatsTakeIntegersAndRefuseOverflow) {
  double d = 0;
  ASSERT_TRUE(Read(std::string("\xfb"), &d).ok());
  EXPECT_EQ(d, -5.0);
  float f = 0;
  std::string huge = Write(1e300);
  EXPECT_EQ(Read(huge, &f).code(), ErrorCode::kCodec);
  ASSERT_TRUE(Read(Write(0.5), &f).ok());
  EXPECT_EQ(f, 0.5f);
}

TEST(MsgpackReader, StringsAndBytesTakeStrAndBin) {
  std::string s;
  ASSERT_TRUE(Read(std::string("\xc4\x03"
                               "abc"),
                   &s)
                  .ok());  // bin8, as newer peers send
  EXPECT_EQ(s, "abc");
  netrpc::Bytes bytes;
  ASSERT_TRUE(Read(std::string("\xd9\x02"
                               "hi"),
                   &bytes)
                  .ok());  // str8, which Go never writes
  EXPECT_EQ(bytes, (netrpc::Bytes{'h', 'i'}));
  EXPECT_EQ(Read(std::string("\x05"), &s).message(),
            "msgpack: cannot decode int into string at byte 0");
}

// Counts and lengths are checked against the bytes present before anything is sized by them.
TEST(MsgpackReader, LyingLengthsFailWithoutAllocating) {
  std::vector<Outer> outers;
  EXPECT_EQ(Read(std::string("\xdd\xff\xff\xff\xff\x01", 6), &outers).message(),
            "msgpack: array of 4294967295 elements cut short at byte 5");
  EXPECT_TRUE(outers.empty());
  std::map<std::string, std::string> m;
  EXPECT_EQ(Read(std::string("\xdf\xff\xff\xff\xff\xa0\xa0", 7), &m).message(),
            "msgpack: map of 4294967295 entries cut short at byte 5");
  std::string s;
  EXPECT_EQ(Read(std::string("\xdb\xff\xff\xff\xff"
                             "abc",
                             8),
                 &s)
                .message(),
            "msgpack: string of 4294967295 bytes cut short at byte 0");
  Args args;
  EXPECT_EQ(Read(std::string("\x92\x05", 2), &args).message(),
            "msgpack: struct cut short at byte 1");
}

TEST(MsgpackReader, NestingAndTrailingBytesAreRefused) {
  std::vector<std::vector<std::vector<int>>> deep;
  EXPECT_EQ(Read(std::string("\x91\x91\x91\x01"), &deep, 2).message(),
            "msgpack: values nested deeper than 2 at byte 3");
  ASSERT_TRUE(Read(std::string("\x91\x91\x91\x01"), &deep, 3).ok());
  int i = 0;
  EXPECT_EQ(Read(std::string("\x05\x06"), &i).message(), "msgpack: 1 bytes after the value");
}

// ---------------------------------------------------------------------------------------------
// The writer.

TEST(MsgpackWriter, ErrorAppendsNothing) {
  std::vector<std::vector<std::vector<int>>> deep{{{1}}};
  std::string out = "kept";
  Error err = msgpackrpc::AppendValue({TypeOf<decltype(deep)>(), &deep}, &out, 1);
  EXPECT_EQ(err.code(), ErrorCode::kTooLarge);
  EXPECT_EQ(out, "kept");
}

TEST(MsgpackWriter, RoundTripsEveryKind) {
  Outer outer = FullOuter();
  outer.Name = Text(300);
  outer.In.X = INT32_MIN;
  outer.Inners[1].S = Text(40);
  outer.Tags = {{"a", ""}, {"b", Text(70000)}};
  outer.Blob = Count(1000);
  outer.Level = Priority::kMid;
  Outer back;
  ASSERT_TRUE(Read(Write(outer), &back).ok());
  EXPECT_TRUE(back == outer);
}

}  // namespace
