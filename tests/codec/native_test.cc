// native_test.cc: the native codec on every supported type: round trips, the exact bytes of
// fixed values, and malformed input that must fail cleanly without large allocations.
#include "codec/native.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "codec/native_value.h"

namespace {

using netrpc::Bytes;
using netrpc::ConstValue;
using netrpc::TypeOf;
using netrpc::Value;
using netrpc::codec::Limits;

enum class Color : int32_t { kRed = 0, kGreen = 1, kBlue = 2 };
enum Small : uint8_t { kOne = 1, kTwo = 2 };

struct Inner {
  std::string Name;
  std::vector<std::string> Tags;
  std::map<std::string, double> Weights;
  bool operator==(const Inner&) const = default;
};
NETRPC_STRUCT(Inner, Name, Tags, Weights);

struct Everything {
  int8_t I8 = 0;
  int16_t I16 = 0;
  int32_t I32 = 0;
  int64_t I64 = 0;
  uint8_t U8 = 0;
  uint16_t U16 = 0;
  uint32_t U32 = 0;
  uint64_t U64 = 0;
  float F32 = 0;
  double F64 = 0;
  bool B = false;
  std::string S;
  Bytes Blob;
  Color C = Color::kRed;
  Small Sm = kOne;
  std::vector<Inner> Items;
  std::map<int64_t, Inner> ByID;
  std::unordered_map<std::string, std::string> Labels;
  std::unordered_map<uint32_t, int8_t> Small_map;
  std::optional<Inner> Opt;
  std::optional<int32_t> MaybeInt;
  std::vector<std::vector<int32_t>> Matrix;
  bool operator==(const Everything&) const = default;
};
NETRPC_STRUCT(Everything, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, B, S, Blob, C, Sm, Items,
              ByID, Labels, Small_map, Opt, MaybeInt, Matrix);

struct Node {
  int32_t V = 0;
  std::vector<Node> Kids;
};
NETRPC_STRUCT(Node, V, Kids);

template <class T>
std::string Encode(const T& v) {
  std::string out;
  netrpc::codec::AppendNativeValue({TypeOf<T>(), &v}, &out);
  return out;
}

template <class T>
netrpc::Error Decode(std::string_view bytes, T* v, Limits limits = {}) {
  netrpc::codec::NativeReader reader(bytes, limits);
  return reader.ReadValue({TypeOf<T>(), v});
}

template <class T>
T RoundTrip(const T& v) {
  T out{};
  netrpc::Error err = Decode(Encode(v), &out);
  EXPECT_FALSE(err) << err.message();
  return out;
}

Everything Sample() {
  Everything e;
  e.I8 = -128;
  e.I16 = -32768;
  e.I32 = std::numeric_limits<int32_t>::min();
  e.I64 = std::numeric_limits<int64_t>::min();
  e.U8 = 255;
  e.U16 = 65535;
  e.U32 = 4294967295u;
  e.U64 = std::numeric_limits<uint64_t>::max();
  e.F32 = -1.5f;
  e.F64 = 1e300;
  e.B = true;
  e.S = "héllo, 世界";
  e.Blob = {0, 1, 2, 255};
  e.C = Color::kBlue;
  e.Sm = kTwo;
  e.Items = {{"a", {"x", "y"}, {{"w", 0.5}}}, {"", {}, {}}};
  e.ByID = {{-7, {"neg", {}, {}}}, {1ll << 40, {"big", {"t"}, {{"k", -2.25}}}}};
  e.Labels = {{"env", "prod"}, {"", "empty-key"}};
  e.Small_map = {{7, -1}, {0, 127}};
  e.Opt = Inner{"opt", {}, {}};
  e.MaybeInt = -5;
  e.Matrix = {{1, 2, 3}, {}, {-4}};
  return e;
}

TEST(NativeValue, RoundTripsEveryKind) {
  Everything e = Sample();
  EXPECT_EQ(RoundTrip(e), e);
  Everything zero;
  EXPECT_EQ(RoundTrip(zero), zero);
}

TEST(NativeValue, RoundTripsTopLevelScalarsAndContainers) {
  EXPECT_EQ(RoundTrip<int64_t>(-1), -1);
  EXPECT_EQ(RoundTrip<uint64_t>(~0ull), ~0ull);
  EXPECT_EQ(RoundTrip<bool>(true), true);
  EXPECT_EQ(RoundTrip<std::string>(""), "");
  EXPECT_EQ(RoundTrip<std::vector<int16_t>>({-1, 0, 1}), (std::vector<int16_t>{-1, 0, 1}));
  EXPECT_EQ(RoundTrip<Color>(Color::kGreen), Color::kGreen);
  EXPECT_TRUE(std::isnan(RoundTrip<double>(std::nan(""))));
  EXPECT_EQ(RoundTrip<double>(-std::numeric_limits<double>::infinity()),
            -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::signbit(RoundTrip<double>(-0.0)));
  EXPECT_EQ(RoundTrip<std::optional<std::string>>(std::nullopt), std::nullopt);
  Node tree{1, {{2, {}}, {3, {{4, {}}}}}};
  Node back = RoundTrip(tree);
  ASSERT_EQ(back.Kids.size(), 2u);
  EXPECT_EQ(back.Kids[1].Kids[0].V, 4);
}

TEST(NativeValue, ExactBytesOfFixedValues) {
  EXPECT_EQ(Encode<int64_t>(0), std::string("\x00", 1));
  EXPECT_EQ(Encode<int64_t>(-1), "\x01");  // zigzag
  EXPECT_EQ(Encode<int64_t>(1), "\x02");
  EXPECT_EQ(Encode<int32_t>(300), "\xd8\x04");  // zigzag 600 as a varint
  EXPECT_EQ(Encode<uint16_t>(300), "\xac\x02");
  EXPECT_EQ(Encode<bool>(true), "\x01");
  EXPECT_EQ(Encode<std::string>("hi"), "\x02hi");
  EXPECT_EQ(Encode<float>(1.0f), std::string("\x00\x00\x80\x3f", 4));
  EXPECT_EQ(Encode<std::optional<int8_t>>(std::nullopt), std::string("\x00", 1));
  EXPECT_EQ(Encode<std::optional<int8_t>>(int8_t{-2}), "\x01\x03");
  EXPECT_EQ(Encode<std::vector<uint8_t>>({1, 2}), "\x02\x01\x02");
  using StringToInt = std::map<std::string, int32_t>;
  EXPECT_EQ(Encode<StringToInt>({{"a", 1}}),
            "\x01\x01"
            "a\x02");
}

TEST(NativeFrame, ExactBytesOfARequestAndItsInternedRepeat) {
  auto client = netrpc::codec::NewNativeClientCodec({});
  std::string out;
  int64_t a = 7;
  ASSERT_FALSE(client->WriteRequest({"Arith.Multiply", 0}, {TypeOf<int64_t>(), &a}, &out));
  // preamble, length 19, kind 1, seq 0, tag (id 1, name follows) 3, len 14, name, body 7 → 14
  EXPECT_EQ(out, std::string("\xCENR\x01\x13\x00\x00\x00\x01\x00\x03\x0e"
                             "Arith.Multiply\x0e",
                             27));
  out.clear();
  ASSERT_FALSE(client->WriteRequest({"Arith.Multiply", 1}, {TypeOf<int64_t>(), &a}, &out));
  EXPECT_EQ(out, std::string("\x04\x00\x00\x00\x01\x01\x02\x0e", 8));  // id 1 → tag 2
}

TEST(NativeFrame, ServerReadsRequestsAndClientReadsResponses) {
  Limits limits;
  auto client = netrpc::codec::NewNativeClientCodec(limits);
  auto server = netrpc::codec::NewNativeServerCodec(limits);
  std::string wire;
  Everything e = Sample();
  for (uint64_t seq = 0; seq < 3; ++seq) {
    ASSERT_FALSE(client->WriteRequest({"Svc.Echo", seq}, {TypeOf<Everything>(), &e}, &wire));
  }
  std::string_view in = wire;
  netrpc::codec::RequestHeader h;
  // Partial input asks for more, at every cut.
  for (size_t cut = 0; cut < 12; ++cut) {
    auto fresh = netrpc::codec::NewNativeServerCodec(limits);
    EXPECT_TRUE(fresh->ReadRequest(in.substr(0, cut), &h).NeedMore()) << cut;
  }
  std::string replies;
  for (uint64_t seq = 0; seq < 3; ++seq) {
    auto r = server->ReadRequest(in, &h);
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_GT(r.consumed, 0u);
    EXPECT_EQ(h.service_method, "Svc.Echo");
    EXPECT_EQ(h.seq, seq);
    Everything got;
    ASSERT_FALSE(server->ReadRequestBody({TypeOf<Everything>(), &got}));
    EXPECT_EQ(got, e);
    in.remove_prefix(r.consumed);
    netrpc::codec::ResponseHeader rh{"Svc.Echo", seq, seq == 1 ? "boom" : ""};
    ASSERT_FALSE(server->WriteResponse(rh, {TypeOf<Everything>(), &got}, &replies));
  }
  EXPECT_TRUE(in.empty());
  std::string_view rin = replies;
  netrpc::codec::ResponseHeader rh;
  for (uint64_t seq = 0; seq < 3; ++seq) {
    auto r = client->ReadResponse(rin, &rh);
    ASSERT_GT(r.consumed, 0u);
    EXPECT_EQ(rh.seq, seq);
    EXPECT_EQ(rh.error, seq == 1 ? "boom" : "");
    Everything got;
    if (rh.error.empty()) {
      ASSERT_FALSE(client->ReadResponseBody({TypeOf<Everything>(), &got}));
      EXPECT_EQ(got, e);
    }
    rin.remove_prefix(r.consumed);
  }
}

TEST(NativeFrame, OversizedFrameIsRefusedBeforeBuffering) {
  Limits limits;
  limits.max_message_bytes = 1024;
  auto server = netrpc::codec::NewNativeServerCodec(limits);
  std::string wire("\xCENR\x01\xff\xff\xff\x7f", 8);  // claims 2 GiB
  netrpc::codec::RequestHeader h;
  auto r = server->ReadRequest(wire, &h);
  EXPECT_EQ(r.error.code(), netrpc::ErrorCode::kTooLarge);
  auto client = netrpc::codec::NewNativeClientCodec(limits);
  std::string big(2000, 'x'), out;
  EXPECT_EQ(client->WriteRequest({"A.B", 0}, {TypeOf<std::string>(), &big}, &out).code(),
            netrpc::ErrorCode::kTooLarge);
  EXPECT_TRUE(out.empty());
}

TEST(NativeFrame, MalformedInputFailsCleanly) {
  auto server = netrpc::codec::NewNativeServerCodec({});
  netrpc::codec::RequestHeader h;
  EXPECT_TRUE(server->ReadRequest("GET / HTTP/1.1\r\n", &h).error);  // wrong preamble
  auto s2 = netrpc::codec::NewNativeServerCodec({});
  // Unknown method id 5 without a name.
  EXPECT_TRUE(s2->ReadRequest(std::string("\xCENR\x01\x03\x00\x00\x00\x01\x00\x0a", 11), &h).error);
}

TEST(NativeValue, HugeCountsDoNotAllocate) {
  std::vector<int64_t> v;
  // A count of 2^62 elements in ten bytes: refused because the input cannot hold them.
  EXPECT_TRUE(Decode(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\x3f", 9), &v));
  std::map<std::string, std::string> m;
  EXPECT_TRUE(Decode(std::string("\xff\xff\xff\xff\x0f", 5), &m));
  std::string s;
  EXPECT_TRUE(Decode(std::string("\xff\xff\xff\xff\x0f"
                                 "abc",
                                 8),
                     &s));
  int8_t narrow = 0;
  EXPECT_TRUE(Decode(Encode<int64_t>(1000), &narrow));  // out of range for int8
  bool b = false;
  EXPECT_TRUE(Decode(std::string("\x02"), &b));
}

TEST(NativeValue, DepthIsLimited) {
  Node deep;
  Node* cur = &deep;
  for (int i = 0; i < 100; ++i) {
    cur->Kids.resize(1);
    cur = &cur->Kids[0];
  }
  std::string bytes = Encode(deep);
  Node out;
  Limits limits;
  limits.max_depth = 64;
  EXPECT_TRUE(Decode(bytes, &out, limits));
  limits.max_depth = 1000;
  EXPECT_FALSE(Decode(bytes, &out, limits));
}

}  // namespace
