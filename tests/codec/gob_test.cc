// gob_test.cc: the gob codecs against bytes written by Go 1.19 (tests/codec/gob_go) and
// round trips of every Kind, plus hostile input: truncation, garbage, huge lengths, depth.
#include "codec/gob.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/gob_wire.h"
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

// Types named as the Go program's (tests/codec/gob_go, modes skip and mismatch) so that Go's
// error texts, which name them, apply unchanged.
namespace gobgo {

struct Narrow {
  std::string S;
  int64_t I64 = 0;
  bool operator==(const Narrow&) const = default;
};
NETRPC_STRUCT(Narrow, S, I64)

struct HasInner {
  gobtest::Inner In;
};
NETRPC_STRUCT(HasInner, In)

struct HasMap {
  std::map<std::string, std::string> L;
};
NETRPC_STRUCT(HasMap, L)

struct Small {
  int8_t I8 = 0;
};
NETRPC_STRUCT(Small, I8)

struct AS {
  int64_t A = 0;
  std::string S;
  bool operator==(const AS&) const = default;
};
NETRPC_STRUCT(AS, A, S)

}  // namespace gobgo

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
  EXPECT_EQ(e.message(), "value for \"*int8\" out of range");  // Go's text, without "gob: "
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
  // A valid header, then a []int body claiming 2^32 elements in a 12-byte message.
  auto client = NewGobClientCodec(Limits{});
  std::string wire;
  ASSERT_TRUE(client->WriteRequest({"S.M", 1}, CV(std::vector<int64_t>{1}), &wire).ok());
  std::string value = "\x0b";
  value += std::string("\xff\x84\x00\xfb\x01\x00\x00\x00\x00\x02\x02", 11);  // id 66, n=2^32
  std::string head = wire.substr(0, wire.size() - 6);                        // drop Go's value
  auto server = NewGobServerCodec(Limits{});
  Request h;
  std::string in = head + value;  // the codec reads the body from these bytes later
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  std::vector<int64_t> got;
  Error e = server->ReadRequestBody(V(&got));
  EXPECT_EQ(e.code(), ErrorCode::kCodec);
  EXPECT_EQ(e.message(),
            "gob: decoding array or slice: length exceeds input size (4294967296 elements)");
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

// ---- values the local type does not want (issue 13, item 4), bytes from
// `gobgolden skip` (Go 1.19): each call is rpc.Request{"Svc.M", seq} + a body; the receiver
// wants Narrow{S, I64}. The program also decoded each stream with Go's own decoder; the
// comments quote what Go got.

// Stream "interfaces": Wide{S, Any interface{}, I64} with Any = Point{1,2} (its definition
// sent inside the value, which therefore spans two messages), Point{3,4} (the id alone), nil,
// Box{Point{5,6}} (Box defined inside), Deep{L []interface{}{Point, "x", 9, nil},
// M map[string]interface{}{"p": Point, "n": nil}}, time.Time (a GobEncoder), complex(1.5, -2).
// Go: {a 1} {b 2} {c 3} {d 4} {e 5} {f 6} {g 7}, no errors.
constexpr std::string_view kGoSkipInterfaces[] = {
    "2fff81030101075265717565737401ff82000102010d536572766963654d6574686f64010c00010353657101"
    "060000000aff8201055376632e4d0028ff83030101045769646501ff84000103010153010c000103416e7901"
    "10000103493634010400000030ff84010161010a6d61696e2e506f696e74ff8503010105506f696e7401ff86"
    "00010201015801040001015901040000000bff86050102010400010200",
    "0cff8201055376632e4d0101001cff84010162010a6d61696e2e506f696e74ff86050106010800010400",
    "0cff8201055376632e4d01020008ff84010163020600",
    "0cff8201055376632e4d01030027ff8401016401086d61696e2e426f78ff8703010103426f7801ff88000101"
    "0102496e01100000001bff8815010a6d61696e2e506f696e74ff8605010a010c0000010800",
    "0cff8201055376632e4d01040030ff8401016501096d61696e2e44656570ff89030101044465657001ff8a00"
    "010201014c01ff8c0001014d01ff8e0000001cff8b0201010e5b5d696e74657266616365207b7d01ff8c0001"
    "10000027ff8d040101176d61705b737472696e675d696e74657266616365207b7d01ff8e00010c011000004b"
    "ff8a4501040a6d61696e2e506f696e74ff8605010e01100006737472696e670c0300017803696e7404020012"
    "000102016e0001700a6d61696e2e506f696e74ff8605010201020000010a00",
    "0cff8201055376632e4d01050020ff84010166010974696d652e54696d65ff8f0501010454696d6501ff9000"
    "000017ff9011000f010000000e7791f70100000002ffff010c00",
    "0cff8201055376632e4d0106001cff84010167010a636f6d706c65783132380e0600fef83fffc0010e00",
};

// Stream "nested-definitions": Box{Point{1,2}} with Box and Point both new, so Point's
// definition is nested inside Box's value; then Point{3,4} by id. Go: seq 0 gives
// "gob: bad data: field numbers out of bounds" (its ignoreInterface drops the byte count
// before the nested definition and reads on from the wrong place), seq 1 gives {b 2}.
constexpr std::string_view kGoSkipNested[] = {
    "2fff81030101075265717565737401ff82000102010d536572766963654d6574686f64010c00010353657101"
    "060000000aff8201055376632e4d0028ff83030101045769646501ff84000103010153010c000103416e7901"
    "10000103493634010400000027ff8401016101086d61696e2e426f78ff8703010103426f7801ff8800010101"
    "02496e01100000003bff882b010a6d61696e2e506f696e74ff8503010105506f696e7401ff86000102010158"
    "010400010159010400000009ff8605010201040000010200",
    "0cff8201055376632e4d0101001cff84010162010a6d61696e2e506f696e74ff86050106010800010400",
};

// Stream "kinds": Kinds{S "k", C complex128, A [3]int, Ss []Inner, M map[string]Inner,
// N Nested{In Inner; P *Inner}, T time.Time (GobEncoder), U *url.URL (BinaryMarshaler),
// IP net.IP (TextMarshaler), MI map[int][]interface{}{1: {Point, "s"}}, I64 9}.
// Go: {k 9}.
constexpr std::string_view kGoSkipKinds =
    "2fff81030101075265717565737401ff82000102010d536572766963654d6574686f64010c00010353657101"
    "060000000aff8201055376632e4d0061ff91030101054b696e647301ff9200010b010153010c00010143010e"
    "0001014101ff94000102537301ff980001014d01ff9a0001014e01ff9c0001015401ff900001015501ff9e00"
    "01024950010a0001024d4901ffa0000103493634010400000016ff93010101065b335d696e7401ff94000104"
    "010600001bff970201010c5b5d6d61696e2e496e6e657201ff980001ff96000022ff9503010105496e6e6572"
    "01ff9600010201044e616d65010c0001014e010400000026ff99040101156d61705b737472696e675d6d6169"
    "6e2e496e6e657201ff9a00010c01ff96000023ff9b030101064e657374656401ff9c0001020102496e01ff96"
    "0001015001ff9600000010ff8f0501010454696d6501ff900000000aff9d060102ffa200000014ffa3030101"
    "0855736572696e666f01ffa400000027ff9f040101166d61705b696e745d5b5d696e74657266616365207b7d"
    "01ffa000010401ff8c00001cff8b0201010e5b5d696e74657266616365207b7d01ff8c0001100000ff98ff92"
    "01016b01fef03f40010302040601020101610102000101620104000101016d010163010600010101016401"
    "080001010165010a0000010f010000000e7791f76400000000ffff010e687474703a2f2f682f703f713d3101"
    "1000000000000000000000ffff0a000001010102020a6d61696e2e506f696e74ff8503010105506f696e7401"
    "ff86000102010158010400010159010400000017ff8605010401060006737472696e670c03000173011200";

std::string Join(std::span<const std::string_view> calls) {
  std::string in;
  for (std::string_view c : calls) in += FromHex(c);
  return in;
}

// ReadCalls reads every call of `in` as a server does, each body into a Narrow; a body error
// is kept in the result and the stream goes on, as net/rpc's server answers and goes on.
struct ReadCall {
  uint64_t seq = 0;
  gobgo::Narrow body;
  std::string error;
};
std::vector<ReadCall> ReadCalls(std::string_view in, ServerCodec& server) {
  std::vector<ReadCall> calls;
  while (!in.empty()) {
    Request h;
    ReadResult r = server.ReadRequestHeader(in, &h);
    EXPECT_FALSE(r.error) << r.error.message();
    EXPECT_GT(r.consumed, 0u);
    if (r.error || r.consumed == 0) break;
    ReadCall call;
    call.seq = h.seq;
    call.error = server.ReadRequestBody(V(&call.body)).message();
    calls.push_back(call);
    in.remove_prefix(r.consumed);
  }
  return calls;
}

// The "response" line of `gobgolden skip`: rpc.Response{"Svc.M", 0} + Wide{"r", Point{9, 9},
// 11}, as a Go server sends a reply whose interface field netrpc's client does not want.
constexpr std::string_view kGoSkipResponse =
    "3affa503010108526573706f6e736501ffa6000103010d536572766963654d6574686f64010c000103536571"
    "01060001054572726f72010c0000000affa601055376632e4d0028ff83030101045769646501ff8400010301"
    "0153010c000103416e790110000103493634010400000030ff84010172010a6d61696e2e506f696e74ff8503"
    "010105506f696e7401ff8600010201015801040001015901040000000bff86050112011200011600";

TEST(GobSkip, ClientSkipsInterfaceValuesInAReply) {
  std::string in = FromHex(kGoSkipResponse);
  auto client = NewGobClientCodec(Limits{});
  Response h;
  ReadResult r = client->ReadResponseHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.consumed, in.size());
  EXPECT_EQ(h.service_method, "Svc.M");
  gobgo::Narrow got;
  ASSERT_TRUE(client->ReadResponseBody(V(&got)).ok());
  EXPECT_EQ(got, (gobgo::Narrow{"r", 11}));
}

TEST(GobSkip, InterfaceValuesAndDefinitionsInsideThemAreSkippedLikeGo) {
  std::string in = Join(kGoSkipInterfaces);
  auto server = NewGobServerCodec(Limits{});
  std::vector<ReadCall> calls = ReadCalls(in, *server);
  const char* want_s[] = {"a", "b", "c", "d", "e", "f", "g"};
  ASSERT_EQ(calls.size(), 7u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].seq, i);
    EXPECT_EQ(calls[i].error, "") << i;
    EXPECT_EQ(calls[i].body, (gobgo::Narrow{want_s[i], static_cast<int64_t>(i + 1)})) << i;
  }
}

TEST(GobSkip, ValueSpanningMessagesWaitsForAllOfThemAndRescansSafely) {
  // The first call's body is two messages: every prefix short of the whole call must ask for
  // more, and the definitions applied while scanning a prefix must not count twice.
  std::string in = FromHex(kGoSkipInterfaces[0]);
  auto server = NewGobServerCodec(Limits{});
  Request h;
  for (size_t n = 0; n < in.size(); ++n) {
    ReadResult r = server->ReadRequestHeader(std::string_view(in).substr(0, n), &h);
    ASSERT_TRUE(r.NeedMore()) << "prefix " << n << ": " << r.error.message();
  }
  std::vector<ReadCall> calls = ReadCalls(in + FromHex(kGoSkipInterfaces[1]), *server);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].body, (gobgo::Narrow{"a", 1}));
  EXPECT_EQ(calls[1].body, (gobgo::Narrow{"b", 2}));  // Point by id: remembered once
}

TEST(GobSkip, DefinitionsNestedInInterfaceValuesAreRememberedWhereGoLosesItsPlace) {
  // netrpc differs from Go on purpose here: it reads the nested definition (as Go's
  // decodeInterface would) instead of dropping a byte count that does not cover the value.
  auto server = NewGobServerCodec(Limits{});
  std::vector<ReadCall> calls = ReadCalls(Join(kGoSkipNested), *server);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].error, "");
  EXPECT_EQ(calls[0].body, (gobgo::Narrow{"a", 1}));
  EXPECT_EQ(calls[1].error, "");
  EXPECT_EQ(calls[1].body, (gobgo::Narrow{"b", 2}));
}

TEST(GobSkip, EveryNonInterfaceKindIsSkipped) {
  auto server = NewGobServerCodec(Limits{});
  std::vector<ReadCall> calls = ReadCalls(FromHex(kGoSkipKinds), *server);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].error, "");
  EXPECT_EQ(calls[0].body, (gobgo::Narrow{"k", 9}));
}

TEST(GobSkip, SkippedBodyOfManyMessagesKeepsTheStreamInStep) {
  // A body nobody decodes (net/rpc's unknown method) still defines what is inside it.
  std::string in = Join(kGoSkipInterfaces);
  auto server = NewGobServerCodec(Limits{});
  std::string_view rest = in;
  Request h;
  ReadResult r = server->ReadRequestHeader(rest, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  ASSERT_TRUE(server->ReadRequestBody(Value{}).ok());
  rest.remove_prefix(r.consumed);
  std::vector<ReadCall> calls = ReadCalls(rest, *server);
  ASSERT_EQ(calls.size(), 6u);
  EXPECT_EQ(calls[0].body, (gobgo::Narrow{"b", 2}));
  EXPECT_EQ(calls[5].body, (gobgo::Narrow{"g", 7}));
}

// Hostile interface values: each length is checked before use, and the error is the body's,
// so the stream goes on with the next call.
TEST(GobSkip, BadInterfaceLengthsFailTheBodyOnly) {
  std::string first = FromHex(kGoSkipInterfaces[2]);  // seq 2: Any nil, defines nothing
  std::string setup = FromHex(kGoSkipInterfaces[0]);  // defines Request, Wide and Point
  // Wide value: field 1 S "c", field 2 Any = name of length ..., I64.
  struct Case {
    std::string value;  // the body message after its length
    const char* error;
  } cases[] = {
      {std::string("\xff\x84\x01\x01\x63\x01\x7f", 7),
       "gob: bad interface encoding: name too large for buffer"},
      {std::string("\xff\x84\x01\x01\x63\x01\x01P\x0c\x7f\x00", 11),
       "gob: bad interface encoding: data length too large for buffer"},
      {std::string("\xff\x84\x01\x01\x63\x01\x01P\xff\xc6\x02\x00\x00\x00", 14),
       "gob: bad data: undefined type <nil>"},
      {std::string("\xff\x84\x01\x01\x63\x01\x01P\x0c\x03\x05\x01x\x00", 14),
       "gob: decode: corrupted data: non-zero delta for singleton"},
  };
  for (const Case& c : cases) {
    auto server = NewGobServerCodec(Limits{});
    std::string in = setup;
    std::string call = first.substr(0, 13);  // seq 2's header message
    call.push_back(static_cast<char>(c.value.size()));
    call += c.value;
    in += call + FromHex(kGoSkipInterfaces[1]);
    std::vector<ReadCall> calls = ReadCalls(in, *server);
    ASSERT_EQ(calls.size(), 3u) << c.error;
    EXPECT_EQ(calls[1].error, c.error);
    EXPECT_EQ(calls[2].body, (gobgo::Narrow{"b", 2})) << c.error;
  }
}

TEST(GobSkip, ContinuationMessageOverTheLimitIsTooLarge) {
  // The first message of the value ends inside Any, at Point's definition; the next one
  // claims more bytes than the limit allows.
  std::string in = FromHex(kGoSkipInterfaces[0]);
  size_t cut = in.size() - 12;  // the last message: 0b ff86 ...
  ASSERT_EQ(static_cast<uint8_t>(in[cut]), 0x0bu);
  std::string bad = in.substr(0, cut) + std::string("\xfc\x10\x00\x00\x00", 5);
  Limits small;
  small.max_message_bytes = 1 << 16;
  auto server = NewGobServerCodec(small);
  Request h;
  ReadResult r = server->ReadRequestHeader(bad, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  gobgo::Narrow got;
  Error e = server->ReadRequestBody(V(&got));
  EXPECT_EQ(e.message(), "gob: message of 268435456 bytes exceeds the limit");
}

TEST(GobSkip, WrongArrayLengthIsAnError) {
  // kinds' A [3]int sent with a count of 2. The walk that finds the end of the value stops
  // there, before the message the value continues into; as in Go, that message is then read
  // as the next header, and the stream ends.
  std::string in = FromHex(kGoSkipKinds);
  size_t at = in.find(std::string("\x01\x03\x02\x04\x06", 5));
  ASSERT_NE(at, std::string::npos);
  in[at + 1] = '\x02';
  auto server = NewGobServerCodec(Limits{});
  Request h;
  ReadResult r = server->ReadRequestHeader(in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  gobgo::Narrow got;
  EXPECT_EQ(server->ReadRequestBody(V(&got)).message(), "gob: length mismatch in ignoreArray");
  r = server->ReadRequestHeader(std::string_view(in).substr(r.consumed), &h);
  EXPECT_EQ(r.error.code(), ErrorCode::kProtocol);
}

// ---- Go's error texts (issue 13, item 10), from `gobgolden mismatch` (Go 1.19): each case
// is rpc.Request{"Svc.M", 1} + a body of the wrong type for the receiver, and the error Go's
// decoder gave. The C++ types carry the Go types' names, so the texts are the same.
template <class T>
std::string DecodeError(std::string_view hex) {
  auto server = NewGobServerCodec(Limits{});
  std::string in = FromHex(hex);
  Request h;
  ReadResult r = server->ReadRequestHeader(in, &h);
  EXPECT_FALSE(r.error) << r.error.message();
  EXPECT_EQ(r.consumed, in.size());
  T into{};
  return server->ReadRequestBody(V(&into)).message();
}

TEST(GobErrors, TypeMismatchTextsAreGos) {
  constexpr std::string_view kHead =
      "2fff81030101075265717565737401ff82000102010d536572766963654d6574686f64010c00010353657101"
      "060000000cff8201055376632e4d010100";
  auto go = [&](std::string_view body) { return std::string(kHead) + std::string(body); };
  // "x" into *int64.
  EXPECT_EQ(DecodeError<int64_t>(go("040c000178")),
            "gob: decoding into local type *int64, received remote type string");
  // Other{Q: 7} into Narrow.
  EXPECT_EQ(DecodeError<gobgo::Narrow>(
                go("19ff83030101054f7468657201ff84000101010151010400000005ff84010e00")),
            "gob: type mismatch: no fields matched compiling decoder for Narrow");
  // []int64{1} into Narrow.
  EXPECT_EQ(DecodeError<gobgo::Narrow>(go("0cff85020102ff86000104000005ff86000102")),
            "gob: type mismatch in decoder: want struct type main.Narrow; got non-struct");
  // Narrow{S int} into Narrow{S string}.
  EXPECT_EQ(DecodeError<gobgo::Narrow>(
                go("1aff87030101064e6172726f7701ff88000101010153010400000005ff88010a00")),
            "gob: wrong type (string) for received field Narrow.S");
  // []string{"a"} into *[]int64.
  EXPECT_EQ(DecodeError<std::vector<int64_t>>(go("0cff89020102ff8a00010c000006ff8a00010161")),
            "gob: decoding into local type *[]int64, received remote type []string");
  // Outer{In: 3} into struct{In Inner}.
  EXPECT_EQ(DecodeError<gobgo::HasInner>(
                go("1aff8b030101054f7574657201ff8c0001010102496e010400000005ff8c010600")),
            "gob: type mismatch in decoder: want struct type main.Inner; got non-struct");
  // M{L map[string]int} into struct{L map[string]string}.
  EXPECT_EQ(DecodeError<gobgo::HasMap>(
                go("16ff8d030101014d01ff8e00010101014c01ff900000001eff8f0401010e6d61705b737472"
                   "696e675d696e7401ff9000010c0104000008ff8e010101610200")),
            "gob: wrong type (map[string]string) for received field M.L");
  // int64(300) into *int8, and Small{I8: 300} into struct{I8 int8}: Go's overflow texts
  // have no "gob: " prefix.
  EXPECT_EQ(DecodeError<int8_t>(go("050400fe0258")), "value for \"*int8\" out of range");
  EXPECT_EQ(DecodeError<gobgo::Small>(
                go("1aff9103010105536d616c6c01ff9200010101024938010400000007ff9201fe025800")),
            "value for \"I8\" out of range");
}

// ---- the decoder's edge paths, from `gobgolden edges` (Go 1.19): bare gob streams (AS's
// definition, then one value message) decoded as gob.Decoder.Decode does, into AS{A, S}.
template <class T>
struct Decoded {
  T value{};
  std::string error;
};
template <class T = gobgo::AS>
Decoded<T> DecodeStream(std::string_view hex) {
  std::string in = FromHex(hex);
  gob::StreamDecoder decoder(Limits{});
  Decoded<T> out;
  size_t pos = 0;
  for (;;) {
    std::string_view message;
    Error e;
    if (gob::NextMessage(in, &pos, Limits{}, &message, &e) != gob::Framed::kOk) {
      out.error = e ? e.message() : "incomplete";
      return out;
    }
    gob::Reader r(message);
    int64_t id = 0;
    EXPECT_TRUE(r.ReadInt(&id));
    std::string_view body = message.substr(message.size() - r.remaining());
    if (id < 0) {
      if (Error d = decoder.DefineType(id, body)) {
        out.error = d.message();
        return out;
      }
      continue;
    }
    out.error = decoder.DecodeValue(id, body, {}, V(&out.value), ErrorCode::kCodec).message();
    return out;
  }
}

TEST(GobEdges, DecoderErrorPathsAnswerAsGos) {
  const std::string def = "1cff8103010102415301ff82000102010141010400010153010c000000";
  struct Case {
    std::string hex;
    gobgo::AS value;
    std::string error;
  } cases[] = {
      // Go stops a struct where its message ends, terminator or not.
      {def + "08ff82010a01026869", {5, "hi"}, ""},
      {def + "04ff8201fe", {}, "gob: invalid uint data length 2: exceeds input size 0"},
      {def + "0dff8201f70102030405060708090a00", {}, "gob: encoded unsigned integer out of range"},
      // Bytes after the value are dropped.
      {def + "0aff82010a0102686900ff", {5, "hi"}, ""},
      // Go prints "gob: bad string slice length: 0" (its getLength returns 0 on failure);
      // netrpc gives the length that was sent.
      {def + "09ff82010a0105686900", {5, ""}, "gob: bad string slice length: 5"},
      {def + "05ff82030a00", {}, "gob: bad data: field numbers out of bounds"},
      {def + def + "09ff82010a0102686900", {}, "gob: duplicate type received"},
      // A wireType field past TextMarshalerT: a kind of type neither side knows.
      {"07ff810e0101000000"
       "03ff8200",
       {},
       "gob: bad data: field numbers out of bounds"},
      {"04ffc60100", {}, "gob: unknown type id or corrupted data"},
      {"1dff8103010102415301ff82000102010141010400010153010c00000000"
       "03ff8200",
       {},
       "extra data in buffer"},
  };
  for (const Case& c : cases) {
    Decoded<gobgo::AS> got = DecodeStream(c.hex);
    EXPECT_EQ(got.error, c.error) << c.hex;
    EXPECT_EQ(got.value, c.value) << c.hex;
  }
}

TEST(GobEdges, SelfReferentialDefinitionsTerminate) {
  // Type 65 is an unnamed slice of itself (no Go program sends one; a peer can). Naming it
  // in an error stops at max_depth, and skipping an empty one works.
  const std::string def = "08ff810202ff820000";
  Decoded<int64_t> got = DecodeStream<int64_t>(def + "04ff820000");
  std::string want = "gob: decoding into local type *int64, received remote type ";
  for (int i = 0; i <= 64; ++i) want += "[]";
  EXPECT_EQ(got.error, want + "...");
  // Skipped, as net/rpc skips the body of a call it cannot serve.
  gob::StreamDecoder decoder(Limits{});
  ASSERT_FALSE(decoder.DefineType(-65, FromHex("0202ff820000")));
  EXPECT_TRUE(decoder.DecodeValue(65, FromHex("0000"), {}, Value{}, ErrorCode::kCodec).ok());
  EXPECT_FALSE(decoder.MayContinue(65));
}

}  // namespace
}  // namespace netrpc::codec
