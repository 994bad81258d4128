// gob_test.cc: the gob codecs against bytes written by Go 1.19 (tests/codec/gob_go) and
// round trips of every Kind, plus hostile input: truncation, garbage, huge lengths, depth.
#include "codec/gob.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netrpc/describe.h"

namespace gobtest {

struct Args {
  int64_t A = 0;
  int64_t B = 0;
  bool operator==(const Args&) const = default;
};
NETRPC_STRUCT(Args, A, B)

struct Inner {
  std::string Name;
  int64_t N = 0;
  bool operator==(const Inner&) const = default;
};
NETRPC_STRUCT(Inner, Name, N)

enum class Color : int32_t { kRed, kGreen, kBlue };

struct Every {
  bool B = false;
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
  std::string S;
  netrpc::Bytes Raw;
  std::vector<int32_t> Ints;
  std::vector<std::string> Strs;
  std::vector<Inner> Inners;
  std::map<std::string, int64_t> M;
  std::map<int32_t, std::string> MI;
  std::optional<int64_t> P;
  std::optional<Inner> PS;
  Inner In;
  int64_t Zero = 0;
  Color E = Color::kRed;
  bool operator==(const Every&) const = default;
};
NETRPC_STRUCT(Every, B, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, S, Raw, Ints, Strs, Inners,
              M, MI, P, PS, In, Zero, E)

// Wide and Narrow share A and B; Wide's extra fields exercise skipping every wire kind.
struct Wide {
  int64_t A = 0;
  std::vector<Inner> XInners;
  std::map<std::string, std::vector<int32_t>> XMap;
  Inner XIn;
  std::optional<Inner> XOpt;
  netrpc::Bytes XRaw;
  double XF = 0;
  std::string XS;
  bool XB = false;
  std::string B;
  bool operator==(const Wide&) const = default;
};
NETRPC_STRUCT(Wide, A, XInners, XMap, XIn, XOpt, XRaw, XF, XS, XB, B)

struct Narrow {
  std::string B;
  int64_t A = 0;
  bool operator==(const Narrow&) const = default;
};
NETRPC_STRUCT(Narrow, B, A)

struct Node {
  std::vector<Node> Kids;
  int32_t V = 0;
  bool operator==(const Node&) const = default;
};
NETRPC_STRUCT(Node, Kids, V)

}  // namespace gobtest

namespace netrpc::codec {
namespace {

using gobtest::Args;
using gobtest::Every;
using gobtest::Inner;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <class T>
ConstValue CV(const T& v) {
  return ConstValue{TypeOf<T>(), &v};
}
template <class T>
Value V(T* v) {
  return Value{TypeOf<T>(), v};
}

// Golden bytes from `go run ./tests/codec/gob_go request|response|every` (Go 1.19).
// Request{"Arith.Multiply", 0} + Args{7, 8}, then Request{"Arith.Multiply", 1} + Args{0, -3}.
constexpr std::string_view kGoRequest1 =
    "2fff81030101075265717565737401ff82000102010d536572766963654d6574686f64010c00010353657101"
    "0600000013ff82010e41726974682e4d756c7469706c79001eff83030101044172677301ff84000102010141"
    "0104000101420104000000"
    "07ff84010e011000";
constexpr std::string_view kGoRequest2 = "15ff82010e41726974682e4d756c7469706c7901010005ff84020500";
// Response{"Arith.Multiply", 0} + int64(56), then Response{"Arith.Divide", 1,
// "divide by zero"} + invalidRequest{}.
constexpr std::string_view kGoResponse1 =
    "3aff8103010108526573706f6e736501ff82000103010d536572766963654d6574686f64010c000103536571"
    "01060001054572726f72010c00000013ff82010e41726974682e4d756c7469706c790003040070";
constexpr std::string_view kGoResponse2 =
    "23ff82010c41726974682e4469766964650101010e646976696465206279207a65726f001aff830301010e69"
    "6e76616c69645265717565737401ff8400000003ff8400";
// Request{"Svc.Every", 3} + SampleEvery().
constexpr std::string_view kGoEvery =
    "2fff81030101075265717565737401ff82000102010d536572766963654d6574686f64010c00010353657101"
    "0600000010ff8201095376632e4576657279010300ffc9ff8303010105457665727901ff8400011701014201"
    "0200010249380104000103493136010400010349333201040001034936340104000102553801060001035531"
    "360106000103553332010600010355363401060001034633320108000103463634010800010153010c000103"
    "526177010a000104496e747301ff860001045374727301ff88000106496e6e65727301ff8c0001014d01ff8e"
    "0001024d4901ff90000101500104000102505301ff8a000102496e01ff8a0001045a65726f01040001014501"
    "0400000015ff85020101075b5d696e74333201ff86000104000016ff87020101085b5d737472696e6701ff88"
    "00010c00001bff8b0201010c5b5d6d61696e2e496e6e657201ff8c0001ff8a000022ff8903010105496e6e65"
    "7201ff8a00010201044e616d65010c0001014e010400000020ff8d040101106d61705b737472696e675d696e"
    "74363401ff8e00010c0104000020ff8f040101106d61705b696e7433325d737472696e6701ff90000104010c"
    "0000ff82ff840101010f01fe0c7f01fd09c40001fb1dcd64ffff01ffc801fefde801fcee6b280001f8f9ccd8"
    "a1c508000001fef83f01f8ed5b47cae292c4d4010668c3a96c6c6f0104000102ff0104020100fe0258010301"
    "610001630102010178010200000101016b12010109036e656701530101027073010400010102696e01060002"
    "0400";

Every SampleEvery() {
  Every e;
  e.B = true;
  e.I8 = -8;
  e.I16 = -1600;
  e.I32 = 320000;
  e.I64 = -64000000000;
  e.U8 = 200;
  e.U16 = 65000;
  e.U32 = 4000000000u;
  e.U64 = 18000000000000000000u;
  e.F32 = 1.5f;
  e.F64 = -2.25e100;
  e.S = "h\xc3\xa9llo";
  e.Raw = {0, 1, 2, 255};
  e.Ints = {1, -1, 0, 300};
  e.Strs = {"a", "", "c"};
  e.Inners = {{"x", 1}, {"", 0}};
  e.M = {{"k", 9}};
  e.MI = {{-5, "neg"}};
  e.P = -42;
  e.PS = Inner{"ps", 2};
  e.In = Inner{"in", 3};
  e.E = gobtest::Color::kBlue;
  return e;
}

TEST(GobGolden, ClientWritesGoRequestBytes) {
  auto client = NewGobClientCodec(Limits{});
  std::string out;
  ASSERT_TRUE(client->WriteRequest({"Arith.Multiply", 0}, CV(Args{7, 8}), &out).ok());
  EXPECT_EQ(out, FromHex(kGoRequest1));
  out.clear();
  ASSERT_TRUE(client->WriteRequest({"Arith.Multiply", 1}, CV(Args{0, -3}), &out).ok());
  EXPECT_EQ(out, FromHex(kGoRequest2));
}

TEST(GobGolden, ServerReadsGoRequestBytes) {
  auto server = NewGobServerCodec(Limits{});
  std::string in = FromHex(kGoRequest1) + FromHex(kGoRequest2);
  Request h;
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.consumed, FromHex(kGoRequest1).size());
  EXPECT_EQ(h.service_method, "Arith.Multiply");
  EXPECT_EQ(h.seq, 0u);
  Args a;
  ASSERT_TRUE(server->ReadRequestBody(V(&a)).ok());
  EXPECT_EQ(a, (Args{7, 8}));
  std::string_view rest = std::string_view(in).substr(r.consumed);
  r = server->ReadRequestHeader(rest, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.consumed, rest.size());
  EXPECT_EQ(h.seq, 1u);
  ASSERT_TRUE(server->ReadRequestBody(V(&a)).ok());
  EXPECT_EQ(a, (Args{0, -3}));
}

TEST(GobGolden, ServerWritesGoResponseBytes) {
  auto server = NewGobServerCodec(Limits{});
  std::string out;
  int64_t reply = 56;
  ASSERT_TRUE(server->WriteResponse({"Arith.Multiply", 0, ""}, CV(reply), &out).ok());
  EXPECT_EQ(out, FromHex(kGoResponse1));
  out.clear();
  ASSERT_TRUE(server->WriteResponse({"Arith.Divide", 1, "divide by zero"}, CV(reply), &out).ok());
  EXPECT_EQ(out, FromHex(kGoResponse2));
}

TEST(GobGolden, ClientReadsGoResponseBytes) {
  auto client = NewGobClientCodec(Limits{});
  std::string in = FromHex(kGoResponse1) + FromHex(kGoResponse2);
  Response h;
  ReadResult r = client->ReadResponseHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(h.service_method, "Arith.Multiply");
  EXPECT_TRUE(h.error.empty());
  int64_t reply = 0;
  ASSERT_TRUE(client->ReadResponseBody(V(&reply)).ok());
  EXPECT_EQ(reply, 56);
  r = client->ReadResponseHeader(std::string_view(in).substr(r.consumed), &h);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(h.seq, 1u);
  EXPECT_EQ(h.error, "divide by zero");
  EXPECT_TRUE(client->ReadResponseBody(Value{}).ok());
}

TEST(GobGolden, EveryKindMatchesGo) {
  auto client = NewGobClientCodec(Limits{});
  std::string out;
  ASSERT_TRUE(client->WriteRequest({"Svc.Every", 3}, CV(SampleEvery()), &out).ok());
  EXPECT_EQ(out, FromHex(kGoEvery));

  auto server = NewGobServerCodec(Limits{});
  std::string in = FromHex(kGoEvery);
  Request h;
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(h.service_method, "Svc.Every");
  EXPECT_EQ(h.seq, 3u);
  Every e;
  Error err = server->ReadRequestBody(V(&e));
  ASSERT_TRUE(err.ok()) << err.message();
  EXPECT_EQ(e, SampleEvery());
}

// RoundTrip sends value as a request body and back as a response body, twice each so that the
// second message of each stream reuses the type ids sent with the first.
template <class T>
void RoundTrip(const T& value) {
  auto client = NewGobClientCodec(Limits{});
  auto server = NewGobServerCodec(Limits{});
  for (uint64_t seq = 1; seq <= 2; ++seq) {
    std::string wire;
    ASSERT_TRUE(client->WriteRequest({"S.M", seq}, CV(value), &wire).ok());
    Request rh;
    ReadResult r = server->ReadRequestHeader(wire, &rh);
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.consumed, wire.size());
    EXPECT_EQ(rh.seq, seq);
    T got{};
    Error e = server->ReadRequestBody(V(&got));
    ASSERT_TRUE(e.ok()) << e.message();
    EXPECT_EQ(got, value);

    wire.clear();
    ASSERT_TRUE(server->WriteResponse({"S.M", seq, ""}, CV(value), &wire).ok());
    Response sh;
    r = client->ReadResponseHeader(wire, &sh);
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.consumed, wire.size());
    T back{};
    e = client->ReadResponseBody(V(&back));
    ASSERT_TRUE(e.ok()) << e.message();
    EXPECT_EQ(back, value);
  }
}

TEST(GobRoundTrip, Scalars) {
  RoundTrip(true);
  RoundTrip(false);
  RoundTrip(int8_t{-128});
  RoundTrip(int16_t{32767});
  RoundTrip(int32_t{-2147483647 - 1});
  RoundTrip(int64_t{INT64_MIN});
  RoundTrip(int64_t{0});
  RoundTrip(uint8_t{255});
  RoundTrip(uint16_t{65535});
  RoundTrip(uint32_t{4294967295u});
  RoundTrip(uint64_t{UINT64_MAX});
  RoundTrip(3.25f);
  RoundTrip(-1e300);
  RoundTrip(0.0);
  RoundTrip(gobtest::Color::kGreen);
  RoundTrip(std::string("hello"));
  RoundTrip(std::string());
  RoundTrip(Bytes{1, 2, 3, 0});
}

TEST(GobRoundTrip, Containers) {
  RoundTrip(std::vector<int32_t>{1, 2, -3});
  RoundTrip(std::vector<std::string>{"a", ""});
  RoundTrip(std::vector<Inner>{{"a", 1}, {}});
  RoundTrip(std::vector<std::vector<double>>{{1.5}, {}, {2, 3}});
  RoundTrip(std::map<std::string, Inner>{{"x", {"y", 2}}, {"", {}}});
  RoundTrip(std::map<int64_t, std::vector<std::string>>{{-1, {"a"}}, {7, {}}});
  RoundTrip(std::map<uint16_t, bool>{{1, true}, {2, false}});
  RoundTrip(std::optional<Inner>(Inner{"o", 5}));
  RoundTrip(std::optional<int32_t>(9));
  RoundTrip(Args{});
  RoundTrip(SampleEvery());
  RoundTrip(Every{});
  gobtest::Node tree{{{{}, 2}, {{{{}, 4}}, 3}}, 1};
  RoundTrip(tree);
}

TEST(GobRoundTrip, TopLevelAbsentOptionalTravelsAsZero) {
  auto client = NewGobClientCodec(Limits{});
  auto server = NewGobServerCodec(Limits{});
  std::string wire;
  std::optional<Inner> none;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(none), &wire).ok());
  Request h;
  ASSERT_EQ(server->ReadRequestHeader(wire, &h).consumed, wire.size());
  std::optional<Inner> got;
  ASSERT_TRUE(server->ReadRequestBody(V(&got)).ok());
  EXPECT_EQ(got, Inner{});
}

TEST(GobRoundTrip, ZeroOptionalFieldIsOmittedLikeGo) {
  // Go omits a pointer field whose target is zero, so it arrives as nil.
  Every e;
  e.P = 0;
  auto client = NewGobClientCodec(Limits{});
  auto server = NewGobServerCodec(Limits{});
  std::string wire;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(e), &wire).ok());
  Request h;
  ASSERT_EQ(server->ReadRequestHeader(wire, &h).consumed, wire.size());
  Every got;
  ASSERT_TRUE(server->ReadRequestBody(V(&got)).ok());
  EXPECT_FALSE(got.P.has_value());
}

TEST(GobRoundTrip, NilElementInSliceIsAnError) {
  auto client = NewGobClientCodec(Limits{});
  std::string wire = "keep";
  std::vector<std::optional<int32_t>> v{1, std::nullopt};
  Error e = client->WriteRequest({"S.M", 1}, CV(v), &wire);
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(wire, "keep");
}

// WriteWide encodes a request with a Wide body; the server reads it into T.
template <class T>
Error SendAs(const gobtest::Wide& w, T* out, std::string* wire_out = nullptr) {
  auto client = NewGobClientCodec(Limits{});
  auto server = NewGobServerCodec(Limits{});
  std::string wire;
  if (Error e = client->WriteRequest({"S.M", 1}, CV(w), &wire)) return e;
  Request h;
  ReadResult r = server->ReadRequestHeader(wire, &h);
  if (r.error) return r.error;
  if (wire_out) *wire_out = wire;
  return server->ReadRequestBody(V(out));
}

TEST(GobDecode, UnknownFieldsAreSkipped) {
  gobtest::Wide w;
  w.A = 11;
  w.B = "bee";
  w.XInners = {{"a", 1}, {"b", 2}};
  w.XMap = {{"m", {1, 2, 3}}};
  w.XIn = {"in", 4};
  w.XOpt = Inner{"opt", 5};
  w.XRaw = {9, 9};
  w.XF = 2.5;
  w.XS = "s";
  w.XB = true;
  gobtest::Narrow n;
  Error e = SendAs(w, &n);
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_EQ(n, (gobtest::Narrow{"bee", 11}));
}

TEST(GobDecode, MissingFieldsStayZero) {
  auto client = NewGobClientCodec(Limits{});
  auto server = NewGobServerCodec(Limits{});
  std::string wire;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(gobtest::Narrow{"b", 3}), &wire).ok());
  Request h;
  ASSERT_EQ(server->ReadRequestHeader(wire, &h).consumed, wire.size());
  gobtest::Wide w;
  w.XS = "stale";  // decoding starts from a cleared value, as the server's fresh objects do
  ASSERT_TRUE(server->ReadRequestBody(V(&w)).ok());
  gobtest::Wide want;
  want.A = 3;
  want.B = "b";
  EXPECT_EQ(w, want);
}

TEST(GobDecode, TypeMismatchAndRangeErrorsKeepStreamInSync) {
  auto client = NewGobClientCodec(Limits{});
  auto server = NewGobServerCodec(Limits{});
  std::string wire;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(int64_t{300}), &wire).ok());
  ASSERT_TRUE(client->WriteRequest({"S.M", 2}, CV(std::string("x")), &wire).ok());
  ASSERT_TRUE(client->WriteRequest({"S.M", 3}, CV(int64_t{5}), &wire).ok());
  std::string_view in = wire;
  Request h;
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error);
  int8_t small = 0;
  Error e = server->ReadRequestBody(V(&small));
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(e.message().rfind("gob: value out of range", 0), 0u) << e.message();
  in.remove_prefix(r.consumed);
  r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error);
  int64_t number = 0;
  e = server->ReadRequestBody(V(&number));
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(e.message().rfind("gob: ", 0), 0u);
  in.remove_prefix(r.consumed);
  r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error);
  ASSERT_TRUE(server->ReadRequestBody(V(&small)).ok());
  EXPECT_EQ(small, 5);
  EXPECT_EQ(h.seq, 3u);
}

TEST(GobDecode, SkippedBodyStillDefinesTypes) {
  // The first body is skipped (service not found); the second refers to its type by id only.
  std::string in = FromHex(kGoRequest1) + FromHex(kGoRequest2);
  auto server = NewGobServerCodec(Limits{});
  Request h;
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error);
  ASSERT_TRUE(server->ReadRequestBody(Value{}).ok());
  r = server->ReadRequestHeader(std::string_view(in).substr(r.consumed), &h);
  ASSERT_FALSE(r.error) << r.error.message();
  Args a;
  ASSERT_TRUE(server->ReadRequestBody(V(&a)).ok());
  EXPECT_EQ(a, (Args{0, -3}));
}

TEST(GobDecode, TruncatedInputNeedsMoreAndIsRescannedSafely) {
  std::string in = FromHex(kGoEvery);
  auto server = NewGobServerCodec(Limits{});
  Request h;
  for (size_t n = 0; n < in.size(); ++n) {
    ReadResult r = server->ReadRequestHeader(std::string_view(in).substr(0, n), &h);
    ASSERT_TRUE(r.NeedMore()) << "prefix " << n << ": " << r.error.message();
  }
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();  // no "duplicate type" from earlier scans
  EXPECT_EQ(r.consumed, in.size());
  Every e;
  ASSERT_TRUE(server->ReadRequestBody(V(&e)).ok());
  EXPECT_EQ(e, SampleEvery());
}

TEST(GobDecode, HugeMessageLengthIsTooLarge) {
  auto server = NewGobServerCodec(Limits{});
  Request h;
  ReadResult r =
      server->ReadRequestHeader(std::string("\xf8\x7f\xff\xff\xff\xff\xff\xff\xff", 9), &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge);
  Limits small;
  small.max_message_bytes = 16;
  server = NewGobServerCodec(small);
  r = server->ReadRequestHeader(FromHex(kGoRequest1), &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kTooLarge);
  auto client = NewGobClientCodec(small);
  std::string out;
  EXPECT_EQ(client->WriteRequest({std::string(100, 'x'), 1}, CV(Args{}), &out).code(),
            ErrorCode::kTooLarge);
  EXPECT_TRUE(out.empty());
}

TEST(GobDecode, GarbageIsAnError) {
  for (std::string bad : {std::string("\x80", 1), std::string("\x00", 1),
                          std::string("\x02\x80\x00", 3), std::string("\x03\x01\x00\x00", 4)}) {
    auto server = NewGobServerCodec(Limits{});
    Request h;
    ReadResult r = server->ReadRequestHeader(bad + FromHex(kGoRequest2), &h);
    ASSERT_TRUE(r.error) << "input " << bad.size();
    EXPECT_EQ(r.error.message().rfind("gob: ", 0), 0u) << r.error.message();
  }
}

TEST(GobDecode, HeaderOfUnknownTypeFailsWithoutWaitingForABody) {
  // Go decodes a header as soon as it is complete; waiting for a body would hang its sender.
  auto server = NewGobServerCodec(Limits{});
  Request h;
  ReadResult r = server->ReadRequestHeader(std::string("\x06\xff\xc6\x01\x02\x03\x00", 7), &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kProtocol);
  EXPECT_EQ(r.error.message(), "gob: header of unknown type id 99");
}

TEST(GobDecode, SmallestTypeIdIsRefusedNotNegated) {
  // A type definition whose id is INT64_MIN: negating it would overflow (UBSan found it).
  auto server = NewGobServerCodec(Limits{});
  Request h;
  std::string bad_definition("\x0a\xf8\xff\xff\xff\xff\xff\xff\xff\xff\x00", 11);
  std::string definition_65("\x03\xff\x81\x00", 4);  // lets the header's type id pass
  std::string header_65("\x03\xff\x82\x00", 4);
  std::string body("\x02\x04\x00", 3);
  ReadResult r = server->ReadRequestHeader(bad_definition + definition_65 + header_65 + body, &h);
  EXPECT_EQ(r.error.message(), "gob: bad type id");
}

TEST(GobDecode, HeaderTypeErrorIsTheSameHoweverBytesArrive) {
  // An undefined header type fails as soon as the header is complete, body or not.
  std::string in("\x06\xff\xc6\x01\x02\x03\x00\x05\x01\x02\x03\x04\x05", 13);
  for (size_t n : {size_t{7}, size_t{10}, in.size()}) {
    auto server = NewGobServerCodec(Limits{});
    Request h;
    ReadResult r = server->ReadRequestHeader(in.substr(0, n), &h);
    EXPECT_EQ(r.error.message(), "gob: header of unknown type id 99") << n;
  }
}

TEST(GobDecode, HugeSliceCountFailsWithoutAllocating) {
  // A valid header, then a []int body claiming 2^40 elements in a 12-byte message.
  auto client = NewGobClientCodec(Limits{});
  std::string wire;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(std::vector<int64_t>{1}), &wire).ok());
  std::string value = "\x0b";
  value += std::string("\xff\x84\x00\xfb\x01\x00\x00\x00\x00\x02\x02", 11);  // id 66, n=2^40
  std::string head = wire.substr(0, wire.size() - 6);                        // drop Go's value
  auto server = NewGobServerCodec(Limits{});
  Request h;
  std::string in = head + value;  // the codec reads the body from these bytes later
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  std::vector<int64_t> got;
  Error e = server->ReadRequestBody(V(&got));
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(e.message(), "gob: slice length exceeds input size");
  EXPECT_TRUE(got.empty());
}

TEST(GobDecode, NestingDepthIsLimited) {
  gobtest::Node deep;
  gobtest::Node* at = &deep;
  for (int i = 0; i < 100; ++i) {
    at->Kids.resize(1);
    at = &at->Kids[0];
  }
  Limits generous;
  generous.max_depth = 1000;
  auto client = NewGobClientCodec(generous);
  std::string wire;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(deep), &wire).ok());
  auto server = NewGobServerCodec(Limits{});  // max_depth 64
  Request h;
  ReadResult r = server->ReadRequestHeader(wire, &h);
  ASSERT_FALSE(r.error);
  gobtest::Node got;
  EXPECT_EQ(server->ReadRequestBody(V(&got)).code(), ErrorCode::kCodec);
  auto strict = NewGobClientCodec(Limits{});
  wire.clear();
  EXPECT_EQ(strict->WriteRequest({"S.M", 1}, CV(deep), &wire).code(), ErrorCode::kCodec);
  EXPECT_TRUE(wire.empty());
}

}  // namespace
}  // namespace netrpc::codec
