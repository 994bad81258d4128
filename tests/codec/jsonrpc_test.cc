// jsonrpc_test.cc: the jsonrpc codec against bytes captured from Go 1.19's net/rpc/jsonrpc and
// encoding/json (tests/codec/jsonrpc_go prints them), plus round trips, framing and bad input.
#include "codec/jsonrpc.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/json_value.h"

namespace jt {

enum class Color : uint8_t { kRed = 1, kGreen = 2 };

struct Inner {
  int32_t x = 0;
  std::string s;
  bool operator==(const Inner&) const = default;
};
NETRPC_STRUCT(Inner, x, s)

struct All {
  bool b = false;
  int8_t i8 = 0;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  float f32 = 0;
  double f64 = 0;
  std::string str;
  netrpc::Bytes bytes;
  std::vector<int32_t> ints;
  std::vector<Inner> inners;
  std::map<std::string, int32_t> smap;
  std::map<int64_t, std::string> imap;
  std::unordered_map<uint32_t, double> umap;
  std::optional<Inner> opt;
  std::optional<int32_t> opt_none;
  Color color{};
  bool operator==(const All&) const = default;
};
NETRPC_STRUCT(All, b, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, str, bytes, ints, inners,
              smap, imap, umap, opt, opt_none, color)

struct Node {
  std::vector<Node> kids;
};
NETRPC_STRUCT(Node, kids)

}  // namespace jt

namespace netrpc::codec {
namespace {

using std::string_view_literals::operator""sv;

// Printed by tests/codec/jsonrpc_go (go run . from that directory) with Go 1.19.
constexpr std::string_view kGoRequestAll =
    R"golden({"method":"Svc.Echo","params":[{"b":true,"i8":-128,"i16":-32768,"i32":-2147483648,"i64":-9223372036854775808,"u8":255,"u16":65535,"u32":4294967295,"u64":18446744073709551615,"f32":3.14159,"f64":1e+21,"str":"héllo \u003cb\u003e\u0026\"\\\n\t\u0001\u2028","bytes":"AAEC+vv/Bw==","ints":[1,-2,3],"inners":[{"x":1,"s":"a"},{"x":2,"s":"b"}],"smap":{"\u003c":3,"a":1,"b":2},"imap":{"-5":"neg","1":"one","10":"ten","2":"two"},"umap":{"7":0.5},"opt":{"x":9,"s":"nine"},"opt_none":null,"color":2}],"id":7}
)golden";
constexpr std::string_view kGoRequestZero =
    R"golden({"method":"Svc.Echo","params":[{"b":false,"i8":0,"i16":0,"i32":0,"i64":0,"u8":0,"u16":0,"u32":0,"u64":0,"f32":0,"f64":0,"str":"","bytes":null,"ints":null,"inners":null,"smap":null,"imap":null,"umap":null,"opt":null,"opt_none":null,"color":0}],"id":0}
)golden";
constexpr std::string_view kGoRequestInt =
    R"golden({"method":"Arith.Neg","params":[-42],"id":18446744073709551615}
)golden";
constexpr std::string_view kGoResponseAll =
    R"golden({"id":"x\u003cy","result":{"b":true,"i8":-128,"i16":-32768,"i32":-2147483648,"i64":-9223372036854775808,"u8":255,"u16":65535,"u32":4294967295,"u64":18446744073709551615,"f32":3.14159,"f64":1e+21,"str":"héllo \u003cb\u003e\u0026\"\\\n\t\u0001\u2028","bytes":"AAEC+vv/Bw==","ints":[1,-2,3],"inners":[{"x":1,"s":"a"},{"x":2,"s":"b"}],"smap":{"\u003c":3,"a":1,"b":2},"imap":{"-5":"neg","1":"one","10":"ten","2":"two"},"umap":{"7":0.5},"opt":{"x":9,"s":"nine"},"opt_none":null,"color":2},"error":null}
)golden";
constexpr std::string_view kGoResponseError =
    R"golden({"id":42,"result":null,"error":"boom \u003c1\u003e"}
)golden";
constexpr std::string_view kGoResponseRawId =
    R"golden({"id":{"a":[1.50,"\u0041\u0026"]},"result":5,"error":null}
)golden";
constexpr std::string_view kGoResponseNoId = R"golden({"id":null,"result":"s","error":null}
)golden";
constexpr std::string_view kGoFloat64s =
    R"golden([0,-0,1,-1.5,0.1,100000000000000000000,1e+21,123456789012345680000,0.000001,9.99e-7,1e-7,5e-324,1.7976931348623157e+308,3.14,100,1e+100,2.5e-10,123456.789,-2.2250738585072014e-308,1e+23,0.0000435])golden";
constexpr std::string_view kGoFloat32s =
    R"golden([3.14159,1e+21,1e-7,16777216,0.1,3.4028235e+38,1e-45,100000000000000000000,0.0000025])golden";
constexpr std::string_view kGoStrings =
    R"golden(["","plain","\u003c\u003e\u0026","\"\\/","\n\r\t\u0008\u000c\u0000\u001f","é世界😀","\u2028\u2029","bad\ufffd\ufffd","\ufffd\ufffd\ufffd","\ufffd\ufffd","trunc\ufffd\ufffd"])golden";
constexpr std::string_view kGoNaNError = R"golden(json: unsupported value: NaN)golden";
constexpr std::string_view kGoNegInfError = R"golden(json: unsupported value: -Inf)golden";

struct GoClientRead {
  std::string_view response;
  std::string_view header_error;  // ReadResponseHeader's error, or empty
  std::string_view body_error;    // ReadResponseBody's into a string, or empty
  std::string_view result;        // "seq=N error=E result=R" when the header was read
};
// Produced by tests/codec/jsonrpc_go (clientReads): Go's jsonrpc client codec.
constexpr GoClientRead kGoClientReads[] = {
    {"{\"id\":1,\"result\":\"ok\",\"error\":null}", "", "", "seq=1 error= result=ok"},
    {"{\"id\":1,\"result\":null,\"error\":null}", "invalid error <nil>", "", ""},
    {"{\"id\":1,\"error\":null}", "invalid error <nil>", "", ""},
    {"{\"id\":1}", "invalid error <nil>", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":\"boom\"}", "", "", "seq=1 error=boom result="},
    {"{\"id\":1,\"result\":\"ok\",\"error\":\"both\"}", "", "", "seq=1 error=both result="},
    {"{\"id\":1,\"result\":\"ok\",\"error\":\"\"}", "", "",
     "seq=1 error=unspecified error result="},
    {"{\"id\":1,\"result\":null,\"error\":5}", "invalid error 5", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":1e21}", "invalid error 1e+21", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":123456789}", "invalid error 1.23456789e+08", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":0.000012}", "invalid error 1.2e-05", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":true}", "invalid error true", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":[1,\"a\",null]}", "invalid error [1 a <nil>]", "", ""},
    {"{\"id\":1,\"result\":null,\"error\":{\"z\":1,\"a\":{\"b\":[]},\"m\":\"x y\"}}",
     "invalid error map[a:map[b:[]] m:x y z:1]", "", ""},
    {"{\"id\":1,\"result\":\"ok\",\"error\":{}}", "invalid error map[]", "", ""},
    {"{\"id\":\"1\",\"result\":\"ok\",\"error\":null}",
     "json: cannot unmarshal string into Go struct field clientResponse.id of type uint64", "", ""},
    {"{\"id\":-1,\"result\":\"ok\",\"error\":null}",
     "json: cannot unmarshal number -1 into Go struct field clientResponse.id of type uint64", "",
     ""},
    {"{\"id\":1.5,\"result\":\"ok\",\"error\":null}",
     "json: cannot unmarshal number 1.5 into Go struct field clientResponse.id of type uint64", "",
     ""},
    {"{\"id\":null,\"result\":\"ok\",\"error\":null}", "", "", "seq=0 error= result=ok"},
    {"{\"result\":\"ok\",\"error\":null}", "", "", "seq=0 error= result=ok"},
    {"{\"ID\":1,\"Result\":\"ok\",\"ERROR\":null}", "", "", "seq=1 error= result=ok"},
    {"{\"id\":1,\"result\":5,\"error\":null}", "",
     "json: cannot unmarshal number into Go value of type string", "seq=1 error= result="},
    {"{\"id\":1,\"result\":\"\\ud800\",\"error\":null}", "", "", "seq=1 error= result=�"},
    {"{\"id\":1,\"result\":\"ok\",\"error\":null,\"id\":2}", "", "", "seq=2 error= result=ok"},
    {"[1]", "json: cannot unmarshal array into Go value of type jsonrpc.clientResponse", "", ""},
};

struct GoDecode {
  std::string_view json;
  std::string_view result;  // the bytes decoded, or "error: " and Go's text
};
// Produced by tests/codec/jsonrpc_go (decodes): json.Unmarshal into []byte and string.
constexpr GoDecode kGoBase64[] = {
    {"\"\""sv, ""sv},
    {"\"AQI=\""sv, "\x01\x02"sv},
    {"\"AQI\""sv, "error: illegal base64 data at input byte 0"sv},
    {"\"AQ==\""sv, "\x01"sv},
    {"\"AQ=\""sv, "error: illegal base64 data at input byte 3"sv},
    {"\"AQ\""sv, "error: illegal base64 data at input byte 0"sv},
    {"\"A\""sv, "error: illegal base64 data at input byte 0"sv},
    {"\"AQ!=\""sv, "error: illegal base64 data at input byte 2"sv},
    {"\"AQ===\""sv, "error: illegal base64 data at input byte 4"sv},
    {"\"AQ==A\""sv, "error: illegal base64 data at input byte 4"sv},
    {"\"=AQI\""sv, "error: illegal base64 data at input byte 0"sv},
    {"\"AQ\\r\\nI=\\n\""sv, "\x01\x02"sv},
    {"\"AQ\\nI\""sv, "error: illegal base64 data at input byte 1"sv},
    {"\"AQIDBA==\""sv, "\x01\x02\x03\x04"sv},
    {"\"AQIDBAU=\""sv, "\x01\x02\x03\x04\x05"sv},
    {"\"AQIDBAUG\""sv, "\x01\x02\x03\x04\x05\x06"sv},
    {"\"AQIDBAUGBwg\""sv, "error: illegal base64 data at input byte 8"sv},
    {"\"-_8=\""sv, "error: illegal base64 data at input byte 0"sv},
    {"\"AQ=\\n=\""sv, "\x01"sv},
    {"\"AQID\\u0041\""sv, "error: illegal base64 data at input byte 4"sv},
};
constexpr GoDecode kGoStringDecodes[] = {
    {"\"\\ud800\""sv, "�"sv},
    {"\"a\\udc00b\""sv, "a�b"sv},
    {"\"\\ud83d\\ude00\""sv, "😀"sv},
    {"\"\\ud800\\u0041\""sv, "�A"sv},
    {"\"\\ud800\\ud800\\udc00\""sv, "�𐀀"sv},
    {"\"\\ud800x\""sv, "�x"sv},
    {"\"\\udc00\\ud800\""sv, "��"sv},
    {"\"\\ud800\\n\""sv, "�\n"sv},
    {"\"\\uDBFF\\uDFFF\""sv, "\U0010ffff"sv},
    {"\"\\\\ud800\""sv, "\\ud800"sv},
    {"\"\\\\\\ud800\""sv, "\\�"sv},
    {"\"a\xff"
     "b\xfe\""sv,
     "a�b�"sv},
    {"\"\xed\xa0\x80\""sv, "���"sv},
    {"\"\xc0\x80\""sv, "��"sv},
    {"\"\xe4\xb8\""sv, "��"sv},
    {"\"\xf4\x90\x80\x80\""sv, "����"sv},
    {"\"\\u0000\\u001f\""sv, "\x00\x1f"sv},
};
struct GoNumber {
  std::string_view json;
  std::string_view as_int64, as_float64, as_float32;  // Go's %v of the value, or "error: " text
};
constexpr GoNumber kGoNumbers[] = {
    {"1.0"sv, "error: json: cannot unmarshal number 1.0 into Go value of type int64"sv, "1"sv,
     "1"sv},
    {"1e2"sv, "error: json: cannot unmarshal number 1e2 into Go value of type int64"sv, "100"sv,
     "100"sv},
    {"-0"sv, "0"sv, "-0"sv, "-0"sv},
    {"-0.0"sv, "error: json: cannot unmarshal number -0.0 into Go value of type int64"sv, "-0"sv,
     "-0"sv},
    {"01"sv, "error: invalid character '1' after top-level value"sv,
     "error: invalid character '1' after top-level value"sv,
     "error: invalid character '1' after top-level value"sv},
    {"9223372036854775808"sv,
     "error: json: cannot unmarshal number 9223372036854775808 into Go value of type int64"sv,
     "9.223372036854776e+18"sv, "9.223372e+18"sv},
    {"-9223372036854775809"sv,
     "error: json: cannot unmarshal number -9223372036854775809 into Go value of type int64"sv,
     "-9.223372036854776e+18"sv, "-9.223372e+18"sv},
    {"1e309"sv, "error: json: cannot unmarshal number 1e309 into Go value of type int64"sv,
     "error: json: cannot unmarshal number 1e309 into Go value of type float64"sv,
     "error: json: cannot unmarshal number 1e309 into Go value of type float32"sv},
    {"-1e309"sv, "error: json: cannot unmarshal number -1e309 into Go value of type int64"sv,
     "error: json: cannot unmarshal number -1e309 into Go value of type float64"sv,
     "error: json: cannot unmarshal number -1e309 into Go value of type float32"sv},
    {"1e39"sv, "error: json: cannot unmarshal number 1e39 into Go value of type int64"sv, "1e+39"sv,
     "error: json: cannot unmarshal number 1e39 into Go value of type float32"sv},
    {"3.4028235e38"sv,
     "error: json: cannot unmarshal number 3.4028235e38 into Go value of type int64"sv,
     "3.4028235e+38"sv, "3.4028235e+38"sv},
    {"3.4028236e38"sv,
     "error: json: cannot unmarshal number 3.4028236e38 into Go value of type int64"sv,
     "3.4028236e+38"sv,
     "error: json: cannot unmarshal number 3.4028236e38 into Go value of type float32"sv},
    {"1.00000005960464477539062500001"sv,
     "error: json: cannot unmarshal number 1.00000005960464477539062500001 into Go value of type int64"sv,
     "1.0000000596046448"sv, "1.0000001"sv},
    {"1e-400"sv, "error: json: cannot unmarshal number 1e-400 into Go value of type int64"sv, "0"sv,
     "0"sv},
    {"-1e-50"sv, "error: json: cannot unmarshal number -1e-50 into Go value of type int64"sv,
     "-1e-50"sv, "-0"sv},
    {"0.1e-310"sv, "error: json: cannot unmarshal number 0.1e-310 into Go value of type int64"sv,
     "1e-311"sv, "0"sv},
    {"4.9406564584124654e-324"sv,
     "error: json: cannot unmarshal number 4.9406564584124654e-324 into Go value of type int64"sv,
     "5e-324"sv, "0"sv},
    {"123456789012345678901234567890"sv,
     "error: json: cannot unmarshal number 123456789012345678901234567890 into Go value of type int64"sv,
     "1.2345678901234568e+29"sv, "1.2345679e+29"sv},
};

jt::All FullAll() {
  jt::All a;
  a.b = true;
  a.i8 = INT8_MIN;
  a.i16 = INT16_MIN;
  a.i32 = INT32_MIN;
  a.i64 = INT64_MIN;
  a.u8 = UINT8_MAX;
  a.u16 = UINT16_MAX;
  a.u32 = UINT32_MAX;
  a.u64 = UINT64_MAX;
  a.f32 = 3.14159f;
  a.f64 = 1e21;
  a.str = "h\u00e9llo <b>&\"\\\n\t\x01\u2028";
  a.bytes = {0, 1, 2, 250, 251, 255, 7};
  a.ints = {1, -2, 3};
  a.inners = {{1, "a"}, {2, "b"}};
  a.smap = {{"b", 2}, {"a", 1}, {"<", 3}};
  a.imap = {{1, "one"}, {10, "ten"}, {2, "two"}, {-5, "neg"}};
  a.umap = {{7, 0.5}};
  a.opt = jt::Inner{9, "nine"};
  a.color = jt::Color::kGreen;
  return a;
}

template <class T>
ConstValue In(const T& v) {
  return ConstValue{TypeOf<T>(), &v};
}
template <class T>
Value Out(T* v) {
  return Value{TypeOf<T>(), v};
}

template <class T>
std::string Json(const T& v) {
  std::string out;
  Error e = AppendJson(In(v), &out, 64);
  EXPECT_TRUE(e.ok()) << e.message();
  return out;
}

// Parse reads one whole JSON object with the codec's reader.
boost::json::value Parse(std::string_view text) {
  JsonReader reader(Limits{}, 2, JsonReader::Numbers::kLiterals);  // as the jsonrpc codec reads
  boost::json::value v;
  std::string_view t;
  ReadResult r = reader.Read(text, &v, &t);
  EXPECT_TRUE(r.error.ok()) << r.error.message();
  EXPECT_EQ(r.consumed, text.size());
  return v;
}

// Element decodes "[x]" wrapped in an object, since the reader only takes objects.
template <class T>
Error DecodeField(std::string_view json_value, T* out) {
  std::string text = "{\"v\":" + std::string(json_value) + "}";
  boost::json::value v = Parse(text);
  return DecodeJson(v.as_object()["v"], Out(out));
}

TEST(JsonValue, FloatsMatchGo) {
  std::vector<double> d = {0,
                           -0.0,
                           1,
                           -1.5,
                           0.1,
                           1e20,
                           1e21,
                           1.2345678901234568e+20,
                           1e-6,
                           9.99e-7,
                           1e-7,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           3.14,
                           100,
                           1e100,
                           2.5e-10,
                           123456.789,
                           -2.2250738585072014e-308,
                           1e23,
                           4.35e-5};
  EXPECT_EQ(Json(d), kGoFloat64s);
  std::vector<float> f = {3.14159f, 1e21f, 1e-7f,
                          16777216, 0.1f,  std::numeric_limits<float>::max(),
                          1e-45f,   1e20f, 2.5e-6f};
  EXPECT_EQ(Json(f), kGoFloat32s);
  std::vector<double> back;
  ASSERT_TRUE(DecodeField(kGoFloat64s, &back).ok());
  ASSERT_EQ(back.size(), d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    EXPECT_EQ(std::signbit(back[i]), std::signbit(d[i]));
    EXPECT_EQ(back[i], d[i]) << i;
  }
  std::vector<float> back32;
  ASSERT_TRUE(DecodeField(kGoFloat32s, &back32).ok());
  EXPECT_EQ(back32, f);
}

TEST(JsonValue, DoublesRoundTripExactly) {
  // Boost 1.81's own conversion is off by an ulp for many of these.
  uint64_t state = 0x9E3779B97F4A7C15u;
  std::vector<double> d;
  while (d.size() < 20000) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    double x;
    std::memcpy(&x, &state, sizeof x);
    if (std::isfinite(x)) d.push_back(x);
  }
  std::vector<double> back;
  ASSERT_TRUE(DecodeField(Json(d), &back).ok());
  EXPECT_EQ(back, d);
}

TEST(JsonValue, NonFiniteFloatsFailLikeGo) {
  std::string out;
  double nan = std::nan("");
  Error e = AppendJson(In(nan), &out, 64);
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(e.message(), kGoNaNError);
  double inf = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(AppendJson(In(inf), &out, 64).message(), kGoNegInfError);
}

TEST(JsonValue, StringsEscapeLikeGo) {
  std::vector<std::string> s = {"",
                                "plain",
                                "<>&",
                                "\"\\/",
                                std::string("\n\r\t\b\f\0\x1f", 7),
                                "\u00e9\u4e16\u754c\U0001F600",
                                "\u2028\u2029",
                                "bad\xff\xfe",
                                "\xed\xa0\x80",
                                "\xc0\x80",
                                "trunc\xe4\xb8"};
  EXPECT_EQ(Json(s), kGoStrings);
  EXPECT_EQ(Json(std::string("\x7f")), "\"\x7f\"");  // Go leaves DEL alone
  std::vector<std::string> back;
  ASSERT_TRUE(DecodeField(kGoStrings, &back).ok());
  EXPECT_EQ(back[4], s[4]);
  EXPECT_EQ(back[7], "bad\uFFFD\uFFFD");
  // Invalid UTF-8 arriving raw is replaced as Go's decoder does.
  std::string raw;
  ASSERT_TRUE(DecodeField("\"a\xff\"", &raw).ok());
  EXPECT_EQ(raw, "a\uFFFD");
}

TEST(JsonValue, DecodeErrorsAndLimits) {
  int8_t i8 = 0;
  Error e = DecodeField("300", &i8);
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(e.message(), "json: cannot unmarshal number 300 into C++ value of type int8_t");
  EXPECT_FALSE(DecodeField("1.5", &i8).ok());
  EXPECT_FALSE(DecodeField("\"1\"", &i8).ok());
  uint32_t u32 = 0;
  EXPECT_FALSE(DecodeField("-1", &u32).ok());
  float f = 0;
  EXPECT_FALSE(DecodeField("1e39", &f).ok());
  double d = 0;
  EXPECT_FALSE(DecodeField("1e400", &d).ok());
  netrpc::Bytes bytes;
  EXPECT_EQ(DecodeField("\"AAE\"", &bytes).message(), "illegal base64 data at input byte 0");
  ASSERT_TRUE(DecodeField("[1,2,255]", &bytes).ok());  // Go also takes []byte as numbers
  EXPECT_EQ(bytes, (netrpc::Bytes{1, 2, 255}));
  std::map<int16_t, int> m;
  EXPECT_EQ(DecodeField("{\"x\":1}", &m).message(),
            "json: cannot unmarshal number x into C++ value of type int16_t");
  jt::All a;
  EXPECT_EQ(DecodeField("{\"inners\":[{\"x\":\"no\"}]}", &a).message(),
            "json: cannot unmarshal string into C++ struct field Inner.inners.x of type int32_t");
  // null leaves scalars and empties containers, as in Go.
  a.i32 = 5;
  a.ints = {1};
  a.opt = jt::Inner{};
  ASSERT_TRUE(DecodeField("{\"i32\":null,\"ints\":null,\"opt\":null}", &a).ok());
  EXPECT_EQ(a.i32, 5);
  EXPECT_TRUE(a.ints.empty());
  EXPECT_FALSE(a.opt.has_value());
  // A recursive type deeper than the bound fails to encode instead of overflowing the stack.
  jt::Node n;
  jt::Node* p = &n;
  for (int i = 0; i < 100; ++i) {
    p->kids.resize(1);
    p = &p->kids[0];
  }
  std::string out;
  EXPECT_EQ(AppendJson(In(n), &out, 64).code(), ErrorCode::kTooLarge);
}

// Call sends req through a client codec and a server codec and the reply back.
template <class Req, class Rep>
void Call(ClientCodec& client, ServerCodec& server, uint64_t seq, const Req& req, Rep* rep) {
  std::string wire;
  ASSERT_TRUE(client.WriteRequest({"Svc.M", seq}, In(req), &wire).ok());
  Request rh;
  ReadResult r = server.ReadRequestHeader(wire, &rh);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  ASSERT_EQ(r.consumed, wire.size());
  EXPECT_EQ(rh.service_method, "Svc.M");
  Req got{};
  ASSERT_TRUE(server.ReadRequestBody(Out(&got)).ok());
  EXPECT_EQ(got, req);
  std::string back;
  ASSERT_TRUE(server.WriteResponse({"", rh.seq, ""}, In(got), &back).ok());
  Response resp;
  r = client.ReadResponseHeader(back, &resp);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  EXPECT_EQ(resp.seq, seq);
  EXPECT_EQ(resp.service_method, "Svc.M");
  EXPECT_TRUE(resp.error.empty());
  ASSERT_TRUE(client.ReadResponseBody(Out(rep)).ok());
}

TEST(JsonRpc, RoundTripsEveryKind) {
  auto client = NewJsonClientCodec(Limits{});
  auto server = NewJsonServerCodec(Limits{});
  jt::All full = FullAll(), got;
  Call(*client, *server, 1, full, &got);
  EXPECT_EQ(got, full);
  jt::All zero, got_zero = FullAll();
  Call(*client, *server, 2, zero, &got_zero);
  EXPECT_EQ(got_zero, zero);
  std::string s = "x<y\u2028", got_s;
  Call(*client, *server, 3, s, &got_s);
  EXPECT_EQ(got_s, s);
  uint64_t big = UINT64_MAX, got_big = 0;
  Call(*client, *server, UINT64_MAX, big, &got_big);
  EXPECT_EQ(got_big, big);
  std::optional<std::vector<jt::Inner>> o = std::vector<jt::Inner>{{1, "z"}}, got_o;
  Call(*client, *server, 4, o, &got_o);
  EXPECT_EQ(got_o, o);
}

TEST(JsonRpc, ClientWritesWhatGoWrites) {
  auto client = NewJsonClientCodec(Limits{});
  std::string out;
  ASSERT_TRUE(client->WriteRequest({"Svc.Echo", 7}, In(FullAll()), &out).ok());
  EXPECT_EQ(out, kGoRequestAll);
  out.clear();
  ASSERT_TRUE(client->WriteRequest({"Svc.Echo", 0}, In(jt::All{}), &out).ok());
  EXPECT_EQ(out, kGoRequestZero);
  out.clear();
  ASSERT_TRUE(client->WriteRequest({"Arith.Neg", UINT64_MAX}, In(int64_t{-42}), &out).ok());
  EXPECT_EQ(out, kGoRequestInt);
  // NaN fails and leaves the output untouched.
  out = "keep";
  EXPECT_FALSE(client->WriteRequest({"Svc.M", 1}, In(std::nan("")), &out).ok());
  EXPECT_EQ(out, "keep");
}

// Answer reads one request from Go-shaped text and returns the server's response bytes.
template <class Rep>
std::string Answer(std::string_view request, const Rep& reply, std::string error = "") {
  auto server = NewJsonServerCodec(Limits{});
  Request h;
  ReadResult r = server->ReadRequestHeader(request, &h);
  EXPECT_TRUE(r.error.ok()) << r.error.message();
  std::string out;
  Error e = server->WriteResponse({h.service_method, h.seq, std::move(error)}, In(reply), &out);
  EXPECT_TRUE(e.ok()) << e.message();
  return out;
}

TEST(JsonRpc, ServerWritesWhatGoWrites) {
  EXPECT_EQ(Answer(R"({"method":"Svc.Echo","params":[{}],"id":"x<y"})", FullAll()), kGoResponseAll);
  EXPECT_EQ(Answer(R"({"method":"Svc.Echo","params":[{}],"id":42})", FullAll(), "boom <1>"),
            kGoResponseError);
  EXPECT_EQ(
      Answer(R"({"method":"Svc.Echo","params":[{}],"id":{ "a" : [1.50, "\u0041&"] }})", int32_t{5}),
      kGoResponseRawId);
  EXPECT_EQ(Answer(R"({"method":"Svc.Echo","params":[{}]})", std::string("s")), kGoResponseNoId);
}

TEST(JsonRpc, ClientReadsGoResponses) {
  auto client = NewJsonClientCodec(Limits{});
  std::string sink;
  ASSERT_TRUE(client->WriteRequest({"Svc.Echo", 42}, In(0), &sink).ok());
  Response h;
  ReadResult r = client->ReadResponseHeader(kGoResponseError, &h);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  EXPECT_EQ(r.consumed, kGoResponseError.size());
  EXPECT_EQ(h.seq, 42u);
  EXPECT_EQ(h.service_method, "Svc.Echo");
  EXPECT_EQ(h.error, "boom <1>");
  r = client->ReadResponseHeader(R"({"id":1,"result":null,"error":""})", &h);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(h.error, "unspecified error");
  EXPECT_EQ(
      client->ReadResponseHeader(R"({"id":1,"result":null,"error":null})", &h).error.message(),
      "invalid error <nil>");
  EXPECT_FALSE(client->ReadResponseHeader(R"({"id":1,"result":1,"error":7})", &h).error.ok());
  EXPECT_FALSE(client->ReadResponseHeader(R"({"id":-1,"result":1})", &h).error.ok());
  EXPECT_FALSE(client->ReadResponseHeader(R"({"id":"a","result":1})", &h).error.ok());
  // The body of a Go response decodes back to the value Go encoded.
  r = client->ReadResponseHeader(kGoResponseAll.substr(0, 0), &h);
  EXPECT_TRUE(r.NeedMore());
  std::string all(kGoResponseAll);
  all.replace(all.find("\"x\\u003cy\""), 10, "9");
  r = client->ReadResponseHeader(all, &h);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  EXPECT_EQ(h.seq, 9u);
  jt::All got;
  ASSERT_TRUE(client->ReadResponseBody(Out(&got)).ok());
  EXPECT_EQ(got, FullAll());
}

TEST(JsonRpc, SeveralMessagesInOneBufferAndPartials) {
  auto server = NewJsonServerCodec(Limits{});
  std::string in =
      "{\"method\":\"A.B\",\"params\":[1],\"id\":\"first\"}\n"
      "  {\"method\":\"C.D\",\"params\":[2],\"id\":2}\n{\"method\":\"E.F\",\"par";
  std::string_view rest = in;
  Request h;
  ReadResult r = server->ReadRequestHeader(rest, &h);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(h.service_method, "A.B");
  EXPECT_EQ(h.seq, 1u);
  int32_t v = 0;
  ASSERT_TRUE(server->ReadRequestBody(Out(&v)).ok());
  EXPECT_EQ(v, 1);
  rest.remove_prefix(r.consumed);
  r = server->ReadRequestHeader(rest, &h);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(h.service_method, "C.D");
  EXPECT_EQ(h.seq, 2u);
  ASSERT_TRUE(server->ReadRequestBody(Out(&v)).ok());
  EXPECT_EQ(v, 2);
  rest.remove_prefix(r.consumed);
  // The third is cut short; feeding it a byte at a time finishes it.
  std::string third(rest);
  EXPECT_TRUE(server->ReadRequestHeader(third, &h).NeedMore());
  for (char c : std::string_view("ams\":[3],\"id\":null}")) {
    ASSERT_TRUE(server->ReadRequestHeader(third, &h).NeedMore());
    third.push_back(c);
  }
  r = server->ReadRequestHeader(third, &h);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  EXPECT_EQ(r.consumed, third.size());
  EXPECT_EQ(h.service_method, "E.F");
  ASSERT_TRUE(server->ReadRequestBody(Out(&v)).ok());
  EXPECT_EQ(v, 3);
  // Responses may go out in any order; each carries its own raw id.
  std::string out;
  ASSERT_TRUE(server->WriteResponse({"", 3, ""}, In(v), &out).ok());
  ASSERT_TRUE(server->WriteResponse({"", 1, ""}, In(v), &out).ok());
  EXPECT_EQ(out,
            "{\"id\":null,\"result\":3,\"error\":null}\n"
            "{\"id\":\"first\",\"result\":3,\"error\":null}\n");
  EXPECT_EQ(server->WriteResponse({"", 1, ""}, In(v), &out).message(),
            "invalid sequence number in response");
  EXPECT_TRUE(server->ReadRequestHeader("   \n", &h).NeedMore());
}

TEST(JsonRpc, FieldsMatchCaseInsensitivelyAndUnknownKeysAreIgnored) {
  auto server = NewJsonServerCodec(Limits{});
  Request h;
  std::string_view in = R"({"METHOD":"Svc.Echo","Params":[{"I32":5,"STR":"x","extra":[1,{"y":2}],)"
                        R"("\u0069\u0038":-3,"s\u212A":1}],"Id":"q","other":{}})";
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_TRUE(r.error.ok()) << r.error.message();
  EXPECT_EQ(h.service_method, "Svc.Echo");
  jt::All a;
  ASSERT_TRUE(server->ReadRequestBody(Out(&a)).ok());
  EXPECT_EQ(a.i32, 5);
  EXPECT_EQ(a.str, "x");
  EXPECT_EQ(a.i8, -3);
  std::string out;
  ASSERT_TRUE(server->WriteResponse({"", h.seq, "e"}, In(a), &out).ok());
  EXPECT_EQ(out, "{\"id\":\"q\",\"result\":null,\"error\":\"e\"}\n");
  // Exact matches win over folded ones, and the last matching key wins as in Go.
  r = server->ReadRequestHeader(R"({"method":"A.B","params":[{"x":1,"X":2}],"id":1})", &h);
  ASSERT_TRUE(r.error.ok());
  jt::Inner inner;
  ASSERT_TRUE(server->ReadRequestBody(Out(&inner)).ok());
  EXPECT_EQ(inner.x, 2);
}

TEST(JsonRpc, WrongShapesAreAnsweredOrRejected) {
  auto server = NewJsonServerCodec(Limits{});
  Request h;
  int32_t v = 0;
  std::string out;
  // Shapes Go still answers: the body error goes back with the request's id.
  struct Case {
    std::string_view in;
    std::string_view error;
  } cases[] = {
      {R"({"method":"A.B","id":1})", "jsonrpc: request body missing params"},
      {R"({"method":"A.B","params":null,"id":1})", "jsonrpc: request body missing params"},
      {R"({"method":"A.B","params":{},"id":1})",
       "json: cannot unmarshal object into Go value of type [1]interface {}"},
      {R"({"method":"A.B","params":["x"],"id":1})",
       "json: cannot unmarshal string into C++ value of type int32_t"},
  };
  for (const Case& c : cases) {
    ReadResult r = server->ReadRequestHeader(c.in, &h);
    ASSERT_TRUE(r.error.ok()) << c.in;
    Error e = server->ReadRequestBody(Out(&v));
    EXPECT_EQ(e.code(), ErrorCode::kCodec) << c.in;
    EXPECT_EQ(e.message(), c.error) << c.in;
    out.clear();
    ASSERT_TRUE(server->WriteResponse({h.service_method, h.seq, e.message()}, In(v), &out).ok());
    EXPECT_EQ(out.substr(0, 27), "{\"id\":1,\"result\":null,\"erro");
  }
  // Go reads params into a [1]interface{}: [] leaves the argument zero, and only the first of
  // several elements is used (its answers are in tests/interop/go/jsoncompat: params-*).
  v = 7;
  ASSERT_TRUE(server->ReadRequestHeader(R"({"method":"A.B","params":[],"id":1})", &h).error.ok());
  ASSERT_TRUE(server->ReadRequestBody(Out(&v)).ok());
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(
      server->ReadRequestHeader(R"({"method":"A.B","params":[3,"x",{}],"id":1})", &h).error.ok());
  ASSERT_TRUE(server->ReadRequestBody(Out(&v)).ok());
  EXPECT_EQ(v, 3);
  ASSERT_TRUE(
      server->ReadRequestHeader(R"({"method":"A.B","params":[null],"id":1})", &h).error.ok());
  ASSERT_TRUE(server->ReadRequestBody(Out(&v)).ok());
  EXPECT_EQ(v, 0);
  // A missing method is the server layer's to report ("rpc: service/method request ill-formed").
  ReadResult r = server->ReadRequestHeader(R"({"params":[1],"id":"z"})", &h);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(h.service_method, "");
  // Garbage and broken framing end the stream.
  for (std::string_view bad : {"nonsense", "[1]", "42\n", "{\"method\":}", "{\"a\":1,}",
                               "{\"method\":5,\"params\":[1],\"id\":1}", "\x01"}) {
    auto s = NewJsonServerCodec(Limits{});
    r = s->ReadRequestHeader(bad, &h);
    EXPECT_FALSE(r.error.ok()) << bad;
    EXPECT_EQ(r.consumed, 0u);
    EXPECT_EQ(r.error.code(), ErrorCode::kProtocol) << bad;
    EXPECT_EQ(r.error.message().rfind("json", 0), 0u) << r.error.message();
  }
}

TEST(JsonRpc, LimitsAreEnforced) {
  Limits small;
  small.max_message_bytes = 64;
  small.max_depth = 4;
  auto server = NewJsonServerCodec(small);
  Request h;
  std::string big = "{\"method\":\"A.B\",\"params\":[\"" + std::string(100, 'x') + "\"],\"id\":1}";
  ReadResult r = server->ReadRequestHeader(big, &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge);
  // Incomplete and already past the limit: no point waiting for the rest.
  r = NewJsonServerCodec(small)->ReadRequestHeader(big.substr(0, 70), &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge);
  EXPECT_TRUE(NewJsonServerCodec(small)->ReadRequestHeader(big.substr(0, 40), &h).NeedMore());
  std::string deep = "{\"method\":\"A.B\",\"params\":[[[[[[1]]]]]],\"id\":1}";
  r = NewJsonServerCodec(small)->ReadRequestHeader(deep, &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge);
  std::string ok = "{\"method\":\"A.B\",\"params\":[[[[1]]]],\"id\":1}";
  EXPECT_TRUE(NewJsonServerCodec(small)->ReadRequestHeader(ok, &h).error.ok());
}

TEST(JsonRpc, RawIdsComeBackAsSent) {
  for (std::string_view id :
       {"\"abc\"", "-12.5e3", "null", "[1,\"two\"]", "18446744073709551616", "\"\\u00e9\\/\""}) {
    std::string req = "{\"id\":" + std::string(id) + ",\"method\":\"A.B\",\"params\":[0]}";
    std::string out = Answer(req, 1);
    EXPECT_EQ(out, "{\"id\":" + std::string(id) + ",\"result\":1,\"error\":null}\n");
  }
}

TEST(JsonRpc, ClientReadsWhatGoReads) {
  for (const GoClientRead& c : kGoClientReads) {
    // The reader names no envelope type (README, "Over JSON netrpc differs": syntax errors).
    if (c.response == "[1]") continue;
    auto client = NewJsonClientCodec(Limits{});
    std::string sink;
    ASSERT_TRUE(client->WriteRequest({"Svc.Echo", 1}, In(0), &sink).ok());
    Response h;
    ReadResult r = client->ReadResponseHeader(c.response, &h);
    EXPECT_EQ(r.error.message(), c.header_error) << c.response;
    if (!r.error.ok()) continue;
    std::string x;
    Error body;
    if (h.error.empty()) body = client->ReadResponseBody(Out(&x));
    std::string want_body(c.body_error);
    if (size_t at = want_body.find("Go value of type string"); at != std::string::npos) {
      want_body.replace(at, 23, "C++ value of type std::string");
    }
    EXPECT_EQ(body.message(), want_body) << c.response;
    EXPECT_EQ("seq=" + std::to_string(h.seq) + " error=" + h.error + " result=" + x, c.result)
        << c.response;
  }
}

TEST(JsonValue, Base64DecodesLikeGo) {
  for (const GoDecode& c : kGoBase64) {
    netrpc::Bytes b{9};
    Error e = DecodeField(c.json, &b);
    if (c.result.rfind("error: ", 0) == 0) {
      EXPECT_EQ(e.message(), c.result.substr(7)) << c.json;
    } else {
      ASSERT_TRUE(e.ok()) << c.json << ": " << e.message();
      EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), c.result)
          << c.json;
    }
  }
}

// GoWant turns Go's text for a type error into netrpc's, which names the C++ type.
std::string GoWant(std::string_view go, std::string_view go_type, std::string_view cpp_type) {
  std::string want(go);
  const std::string from = "into Go value of type " + std::string(go_type);
  if (size_t at = want.find(from); at != std::string::npos) {
    want.replace(at, from.size(), "into C++ value of type " + std::string(cpp_type));
  }
  return want;
}

template <class T>
void ExpectNumberLikeGo(std::string_view json, std::string_view go, std::string_view go_type,
                        std::string_view cpp_type) {
  T v{};
  Error e = DecodeField(json, &v);
  if (go.rfind("error: ", 0) == 0) {
    EXPECT_EQ(e.message(), GoWant(go.substr(7), go_type, cpp_type)) << json;
    return;
  }
  ASSERT_TRUE(e.ok()) << json << ": " << e.message();
  T want{};
  auto r = std::from_chars(go.data(), go.data() + go.size(), want);
  ASSERT_EQ(r.ec, std::errc()) << go;
  EXPECT_EQ(std::memcmp(&v, &want, sizeof v), 0) << json << " read as " << v << ", Go " << go;
}

// Numbers as Go's decoder reads them: literals quoted as written, overflow refused at the
// destination's width, floats rounded once from the text (float32 too), underflow to zero.
TEST(JsonValue, NumbersDecodeLikeGo) {
  for (const GoNumber& c : kGoNumbers) {
    if (c.json == "01") continue;  // a syntax error: README, "Syntax errors"
    ExpectNumberLikeGo<int64_t>(c.json, c.as_int64, "int64", "int64_t");
    ExpectNumberLikeGo<double>(c.json, c.as_float64, "float64", "double");
    ExpectNumberLikeGo<float>(c.json, c.as_float32, "float32", "float");
  }
}

// Lone surrogate escapes are U+FFFD, as Go's unquote reads them, however the bytes arrive: the
// reader holds an escape back until it can tell a pair from a lone half.
TEST(JsonValue, StringsDecodeLikeGoWhateverTheReads) {
  for (const GoDecode& c : kGoStringDecodes) {
    std::string whole;
    ASSERT_TRUE(DecodeField(c.json, &whole).ok()) << c.json;
    EXPECT_EQ(whole, c.result) << c.json;
    std::string text = "{\"v\":" + std::string(c.json) + "}";
    JsonReader reader(Limits{}, 2, JsonReader::Numbers::kLiterals);
    boost::json::value v;
    std::string_view t;
    ReadResult r;
    for (size_t n = 1; n <= text.size(); ++n) {
      r = reader.Read(std::string_view(text).substr(0, n), &v, &t);
      ASSERT_TRUE(r.error.ok()) << c.json << " at " << n << ": " << r.error.message();
      if (n < text.size()) {
        ASSERT_TRUE(r.NeedMore()) << c.json << " at " << n;
      }
    }
    ASSERT_EQ(r.consumed, text.size()) << c.json;
    std::string piecewise;
    ASSERT_TRUE(DecodeJson(v.as_object()["v"], Out(&piecewise)).ok());
    EXPECT_EQ(piecewise, c.result) << c.json;
  }
}

// Two requests in one buffer, each with a lone surrogate, then one cut inside an escape: each
// is read whole and its string is Go's.
TEST(JsonRpc, SurrogatesAcrossMessagesAndReads) {
  auto server = NewJsonServerCodec(Limits{});
  std::string in =
      R"({"method":"A.B","params":["\ud800"],"id":1} {"method":"A.B","params":["x\udc00"],"id":2})"
      R"({"method":"A.B","params":["\ud83d\ude00\ud83d"],"id":3})";
  const std::string want[] = {"\uFFFD", "x\uFFFD", "\U0001F600\uFFFD"};
  std::string_view rest = in;
  for (const std::string& w : want) {
    Request h;
    ReadResult r = server->ReadRequestHeader(rest, &h);
    ASSERT_TRUE(r.error.ok()) << r.error.message();
    std::string s;
    ASSERT_TRUE(server->ReadRequestBody(Out(&s)).ok());
    EXPECT_EQ(s, w);
    rest.remove_prefix(r.consumed);
  }
  EXPECT_TRUE(rest.empty());
  // "\ud83d" then "\ude00" in a later read is still the pair.
  std::string cut = R"({"method":"A.B","params":["\ud83d)";
  Request h;
  EXPECT_TRUE(server->ReadRequestHeader(cut, &h).NeedMore());
  cut += R"(\ude00"],"id":4})";
  ASSERT_TRUE(server->ReadRequestHeader(cut, &h).error.ok());
  std::string s;
  ASSERT_TRUE(server->ReadRequestBody(Out(&s)).ok());
  EXPECT_EQ(s, "\U0001F600");
}

// An escape held back at the size limit (it might start a surrogate pair) still fails the
// message as too large, rather than waiting for bytes the limit will never let in.
TEST(JsonRpc, EscapeHeldBackAtTheLimitIsTooLarge) {
  std::string msg = R"({"method":"A.B","params":["\ud83d\ude00"],"id":1})";
  const size_t cut = msg.find("\\ude00") + 3;  // inside the second escape
  Limits limits;
  limits.max_message_bytes = cut;
  auto server = NewJsonServerCodec(limits);
  Request h;
  EXPECT_TRUE(server->ReadRequestHeader(std::string_view(msg).substr(0, cut - 1), &h).NeedMore());
  ReadResult r = server->ReadRequestHeader(msg, &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge) << r.error.message();
  EXPECT_EQ(r.consumed, 0u);
}

// An empty C++ value is Go's non-nil empty when it is the whole reply or argument, as Go's server
// makes a slice or map reply (server.go readRequest), and Go's nil inside it, as the unset fields
// of a Go struct. Go's answers are tests/interop/go/jsoncompat's blob-0, sum-empty and
// composite-zero against Go's reference server.
TEST(JsonValue, EmptyValuesAreWhatGoWrites) {
  EXPECT_EQ(Json(netrpc::Bytes{}), R"("")");
  EXPECT_EQ(Json(std::vector<int64_t>{}), "[]");
  EXPECT_EQ(Json(std::map<std::string, int32_t>{}), "{}");
  EXPECT_EQ(Json(std::string()), R"("")");
  EXPECT_EQ(Json(std::optional<int32_t>()), "null");
  EXPECT_EQ(Json(std::vector<std::vector<int32_t>>{{}, {1}}), "[null,[1]]");
  EXPECT_EQ(Json(std::map<std::string, netrpc::Bytes>{{"a", {}}}), R"({"a":null})");
  EXPECT_EQ(Json(jt::Node{}), R"({"kids":null})");
  auto server = NewJsonServerCodec(Limits{});
  Request h;
  ASSERT_TRUE(
      server->ReadRequestHeader(R"({"method":"Interop.Blob","params":[0],"id":1})", &h).error.ok());
  std::string out;
  ASSERT_TRUE(server->WriteResponse({h.service_method, h.seq, ""}, In(netrpc::Bytes{}), &out).ok());
  EXPECT_EQ(out, "{\"id\":1,\"result\":\"\",\"error\":null}\n");  // Go's answer to blob-0
  // Go's client reads "" back as an empty []byte, and so does netrpc's.
  auto client = NewJsonClientCodec(Limits{});
  std::string sink;
  ASSERT_TRUE(client->WriteRequest({"Interop.Blob", 1}, In(int64_t{0}), &sink).ok());
  Response rh;
  ASSERT_TRUE(client->ReadResponseHeader(out, &rh).error.ok());
  netrpc::Bytes got{1, 2};
  ASSERT_TRUE(client->ReadResponseBody(Out(&got)).ok());
  EXPECT_TRUE(got.empty());
}

}  // namespace
}  // namespace netrpc::codec
