// native_test.cc: the native codec on every supported type: round trips, the exact bytes of
// fixed values, and malformed input that must fail cleanly without large allocations.
#include "codec/native.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "codec/native_value.h"

namespace {

using netrpc::Bytes;
using netrpc::ConstValue;
using netrpc::TypeOf;
using netrpc::Value;
using netrpc::codec::Limits;
// The tests that write with a client codec and check bytes or seqs speak as a client before
// the extensions did (main's bytes); the server codec they meet is the extended one, so they
// also show that it reads an older client as before.
constexpr auto kV1 = netrpc::codec::NativeVersion::kV1;

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
  auto client = netrpc::codec::NewNativeClientCodec({}, {}, kV1);
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
  auto client = netrpc::codec::NewNativeClientCodec(limits, {}, kV1);
  auto server = netrpc::codec::NewNativeServerCodec(limits);
  std::string wire;
  Everything e = Sample();
  for (uint64_t seq = 0; seq < 3; ++seq) {
    ASSERT_FALSE(client->WriteRequest({"Svc.Echo", seq}, {TypeOf<Everything>(), &e}, &wire));
  }
  std::string_view in = wire;
  netrpc::Request h;
  // Partial input asks for more, at every cut.
  for (size_t cut = 0; cut < 12; ++cut) {
    auto fresh = netrpc::codec::NewNativeServerCodec(limits);
    EXPECT_TRUE(fresh->ReadRequestHeader(in.substr(0, cut), &h).NeedMore()) << cut;
  }
  std::string replies;
  for (uint64_t seq = 0; seq < 3; ++seq) {
    auto r = server->ReadRequestHeader(in, &h);
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_GT(r.consumed, 0u);
    EXPECT_EQ(h.service_method, "Svc.Echo");
    EXPECT_EQ(h.seq, seq);
    Everything got;
    ASSERT_FALSE(server->ReadRequestBody({TypeOf<Everything>(), &got}));
    EXPECT_EQ(got, e);
    in.remove_prefix(r.consumed);
    netrpc::Response rh{"Svc.Echo", seq, seq == 1 ? "boom" : ""};
    ASSERT_FALSE(server->WriteResponse(rh, {TypeOf<Everything>(), &got}, &replies));
  }
  EXPECT_TRUE(in.empty());
  std::string_view rin = replies;
  netrpc::Response rh;
  for (uint64_t seq = 0; seq < 3; ++seq) {
    auto r = client->ReadResponseHeader(rin, &rh);
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
  netrpc::Request h;
  auto r = server->ReadRequestHeader(wire, &h);
  EXPECT_EQ(r.error.code(), netrpc::ErrorCode::kTooLarge);
  auto client = netrpc::codec::NewNativeClientCodec(limits, {}, kV1);
  std::string big(2000, 'x'), out;
  EXPECT_EQ(client->WriteRequest({"A.B", 0}, {TypeOf<std::string>(), &big}, &out).code(),
            netrpc::ErrorCode::kTooLarge);
  EXPECT_TRUE(out.empty());
}

TEST(NativeFrame, MalformedInputFailsCleanly) {
  auto server = netrpc::codec::NewNativeServerCodec({});
  netrpc::Request h;
  EXPECT_TRUE(server->ReadRequestHeader("GET / HTTP/1.1\r\n", &h).error);  // wrong preamble
  auto s2 = netrpc::codec::NewNativeServerCodec({});
  // Unknown method id 5 without a name.
  EXPECT_TRUE(
      s2->ReadRequestHeader(std::string("\xCENR\x01\x03\x00\x00\x00\x01\x00\x0a", 11), &h).error);
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

// Splice rebuilds the bytes a Borrowed output stands for.
std::string Splice(const std::string& out, const netrpc::Borrowed& borrowed) {
  std::string whole;
  size_t at = 0;
  for (const auto& span : borrowed.spans) {
    whole.append(out, at, span.at - at);
    whole.append(span.data, span.size);
    at = span.at;
  }
  whole.append(out, at);
  return whole;
}

struct Blobs {
  std::string Name;
  Bytes First;
  int64_t N = 0;
  std::string Second;
  std::string Small;
  bool operator==(const Blobs&) const = default;
};
NETRPC_STRUCT(Blobs, Name, First, N, Second, Small);

Blobs BigBlobs() {
  Blobs b;
  b.Name = "blobs";
  b.First.resize(300000);
  for (size_t i = 0; i < b.First.size(); ++i) b.First[i] = static_cast<uint8_t>(i * 7);
  b.N = -99;
  b.Second.assign(netrpc::Borrowed::kMinSpan, 's');
  b.Small.assign(netrpc::Borrowed::kMinSpan - 1, 'x');  // copied: below the span minimum
  return b;
}

TEST(NativeFrame, BorrowedResponseIsTheCopiedOneSpliced) {
  auto server = netrpc::codec::NewNativeServerCodec({});
  Blobs b = BigBlobs();
  std::string copied, out = "earlier bytes";
  ASSERT_FALSE(server->WriteResponse({"S.M", 5, ""}, {TypeOf<Blobs>(), &b}, &copied));
  netrpc::Borrowed borrowed;
  ASSERT_FALSE(
      server->Large()->WriteResponse({"S.M", 5, ""}, {TypeOf<Blobs>(), &b}, &out, &borrowed));
  ASSERT_EQ(borrowed.spans.size(), 2u);  // First and Second; Small is under the minimum
  EXPECT_EQ(borrowed.spans[0].data, reinterpret_cast<const char*>(b.First.data()));
  EXPECT_EQ(borrowed.bytes, b.First.size() + b.Second.size());
  EXPECT_EQ(Splice(out, borrowed), "earlier bytes" + copied);
  EXPECT_LT(out.size(), copied.size() - borrowed.bytes + 20);

  // A reply over the limit appends nothing and borrows nothing.
  Limits small;
  small.max_message_bytes = 100000;
  auto limited = netrpc::codec::NewNativeServerCodec(small);
  std::string none;
  netrpc::Borrowed kept = borrowed;
  EXPECT_EQ(
      limited->Large()->WriteResponse({"S.M", 6, ""}, {TypeOf<Blobs>(), &b}, &none, &kept).code(),
      netrpc::ErrorCode::kTooLarge);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(kept.spans.size(), borrowed.spans.size());
  EXPECT_EQ(kept.bytes, borrowed.bytes);
}

// A large request whose last value is a byte slice can be decoded before it has all arrived:
// the rest of the slice is then read straight into it.
TEST(NativeFrame, LargeRequestReadsItsTailInPlace) {
  Limits limits;
  auto client = netrpc::codec::NewNativeClientCodec(limits, {}, kV1);
  Bytes big(500000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i % 251);
  std::string wire;
  ASSERT_FALSE(client->WriteRequest({"Echo.Echo", 1}, {TypeOf<Bytes>(), &big}, &wire));
  size_t first_size = wire.size();
  ASSERT_FALSE(client->WriteRequest({"Echo.Echo", 2}, {TypeOf<Bytes>(), &big}, &wire));
  ASSERT_FALSE(client->WriteRequest({"Echo.Echo", 3}, {TypeOf<Bytes>(), &big}, &wire));

  auto server = netrpc::codec::NewNativeServerCodec(limits);
  netrpc::Request h;
  std::string_view part = std::string_view(wire).substr(0, 70000);
  ASSERT_TRUE(server->ReadRequestHeader(part, &h).NeedMore());
  EXPECT_EQ(server->Large()->LargeRequestHeader(part.substr(0, 8), &h),
            0u);  // the header is not there yet
  ASSERT_EQ(server->Large()->LargeRequestHeader(part, &h), first_size);
  EXPECT_EQ(h.service_method, "Echo.Echo");
  EXPECT_EQ(h.seq, 1u);
  Bytes got;
  netrpc::codec::Tail tail;
  auto r = server->Large()->LargeRequestBody(part, {TypeOf<Bytes>(), &got}, &tail);
  ASSERT_EQ(r.consumed, part.size());
  ASSERT_EQ(got.size(), big.size());
  ASSERT_EQ(tail.Missing(), first_size - part.size());
  for (size_t at = part.size(); tail.Missing() > 0;) {
    size_t room = 0;
    char* to = tail.Room(&room);
    size_t n = std::min<size_t>(room, 100000);
    std::memcpy(to, wire.data() + at, n);
    tail.Commit(n);
    at += n;
  }
  EXPECT_EQ(got, big);

  // The interned name counted: the next request names the method by id only.
  std::string_view rest = std::string_view(wire).substr(first_size);
  r = server->ReadRequestHeader(rest, &h);
  // The preamble, "Echo.Echo" and its length travel once.
  ASSERT_EQ(r.consumed, first_size - 14);
  EXPECT_EQ(h.service_method, "Echo.Echo");
  EXPECT_EQ(h.seq, 2u);

  // Decoded as a type whose last value does not reach the end: refused, with nothing
  // changed, and the whole message reads as usual once it is there.
  rest.remove_prefix(r.consumed);
  ASSERT_EQ(server->Large()->LargeRequestHeader(rest.substr(0, 1000), &h), rest.size());
  std::vector<std::string> strings;
  EXPECT_EQ(server->Large()
                ->LargeRequestBody(rest.substr(0, 1000),
                                   {TypeOf<std::vector<std::string>>(), &strings}, &tail)
                .consumed,
            0u);
  r = server->ReadRequestHeader(rest, &h);
  ASSERT_EQ(r.consumed, rest.size());
  EXPECT_EQ(h.seq, 3u);
  Bytes whole;
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<Bytes>(), &whole}));
  EXPECT_EQ(whole, big);
}

// A peer that announces a huge value and sends little of it holds little of our memory: the
// value grows with the bytes that arrive.
TEST(NativeFrame, AnnouncedTailGrowsOnlyAsItArrives) {
  auto client = netrpc::codec::NewNativeClientCodec({}, {}, kV1);
  Bytes big(40u << 20, 7);
  std::string wire;
  ASSERT_FALSE(client->WriteRequest({"Echo.Echo", 1}, {TypeOf<Bytes>(), &big}, &wire));
  auto server = netrpc::codec::NewNativeServerCodec({});
  netrpc::Request h;
  std::string_view part = std::string_view(wire).substr(0, 1000);
  ASSERT_EQ(server->Large()->LargeRequestHeader(part, &h), wire.size());
  Bytes got;
  netrpc::codec::Tail tail;
  ASSERT_EQ(server->Large()->LargeRequestBody(part, {TypeOf<Bytes>(), &got}, &tail).consumed,
            part.size());
  EXPECT_EQ(got.size(), netrpc::codec::Tail::kFirstGrant);
  size_t at = part.size(), largest_step = 0;
  while (tail.Missing() > 0) {
    size_t before = got.size(), room = 0;
    char* to = tail.Room(&room);
    if (got.size() != before) {
      EXPECT_LE(got.size(), 4 * tail.filled);  // never more than four times what arrived
      largest_step = std::max(largest_step, got.size() - before);
    }
    size_t n = std::min<size_t>(room, 1 << 20);
    std::memcpy(to, wire.data() + at, n);
    tail.Commit(n);
    at += n;
  }
  EXPECT_EQ(at, wire.size());
  EXPECT_GT(largest_step, 0u);
  EXPECT_EQ(got, big);
}

TEST(NativeFrame, TailMustEndTheMessage) {
  auto client = netrpc::codec::NewNativeClientCodec({}, {}, kV1);
  Blobs b = BigBlobs();
  std::string wire;
  ASSERT_FALSE(client->WriteRequest({"S.M", 0}, {TypeOf<Blobs>(), &b}, &wire));
  auto server = netrpc::codec::NewNativeServerCodec({});
  netrpc::Request h;
  std::string_view part = std::string_view(wire).substr(0, 1000);
  ASSERT_EQ(server->Large()->LargeRequestHeader(part, &h), wire.size());
  Blobs got;
  netrpc::codec::Tail tail;
  // First is cut off but more values follow it: no tail read.
  EXPECT_EQ(server->Large()->LargeRequestBody(part, {TypeOf<Blobs>(), &got}, &tail).consumed, 0u);
  EXPECT_TRUE(server->ReadRequestHeader(part, &h).NeedMore());
  auto r = server->ReadRequestHeader(wire, &h);
  ASSERT_EQ(r.consumed, wire.size());
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<Blobs>(), &got}));
  EXPECT_EQ(got, b);
}

}  // namespace

struct Labeled {
  std::string Label;
  std::string Text;
  bool operator==(const Labeled&) const = default;
};
NETRPC_STRUCT(Labeled, Label, Text);

// A client plans a large response's tail without touching the reply, stages it, and the reply
// takes the staged value whole.
TEST(NativeFrame, LargeResponseTailIsStagedThenTaken) {
  auto server = netrpc::codec::NewNativeServerCodec({});
  Labeled sent{"label", std::string(400000, 't')};
  sent.Text[399999] = 'z';
  std::string wire;
  ASSERT_FALSE(server->WriteResponse({"S.M", 7, ""}, {TypeOf<Labeled>(), &sent}, &wire));
  ASSERT_FALSE(server->WriteResponse({"S.M", 8, ""}, {TypeOf<Labeled>(), &sent}, &wire));
  size_t one = wire.size() / 2;

  auto client = netrpc::codec::NewNativeClientCodec({}, {}, kV1);
  netrpc::Response h;
  std::string_view part = std::string_view(wire).substr(0, 5000);
  ASSERT_EQ(client->Large()->LargeResponseHeader(part, &h), one);
  EXPECT_EQ(h.seq, 7u);
  netrpc::codec::TailPlan plan;
  EXPECT_FALSE(client->Large()->LargeResponseTail(part, TypeOf<Inner>(), &plan));  // wrong shape
  ASSERT_TRUE(client->Large()->LargeResponseTail(part, TypeOf<Labeled>(), &plan));
  EXPECT_EQ(plan.kind, netrpc::Kind::kString);
  EXPECT_EQ(plan.size, sent.Text.size());
  std::string staged(plan.size, '\0');
  std::memcpy(staged.data(), part.data() + part.size() - plan.have, plan.have);
  std::memcpy(staged.data() + plan.have, wire.data() + part.size(), plan.size - plan.have);
  const char* staged_data = staged.data();
  Labeled got{"old", "old"};
  ASSERT_FALSE(client->Large()->LargeResponseBody(part, {TypeOf<Labeled>(), &got}, &staged));
  EXPECT_EQ(got, sent);
  EXPECT_EQ(got.Text.data(), staged_data);  // taken, not copied

  // The next response follows in step; a dropped call's staged tail is simply skipped.
  std::string_view next = std::string_view(wire).substr(one, 3000);
  ASSERT_EQ(client->Large()->LargeResponseHeader(next, &h), one);
  EXPECT_EQ(h.seq, 8u);
  ASSERT_TRUE(client->Large()->LargeResponseTail(next, TypeOf<Labeled>(), &plan));
  std::string dropped(plan.size, 'x');
  EXPECT_FALSE(client->Large()->LargeResponseBody(next, {}, &dropped));

  // An error response, or a frame that has all arrived, is not planned.
  std::string error_wire;
  ASSERT_FALSE(server->WriteResponse({"S.M", 9, "boom"}, {}, &error_wire));
  EXPECT_FALSE(client->Large()->LargeResponseTail(error_wire.substr(0, error_wire.size() - 1),
                                                  TypeOf<Labeled>(), &plan));
  EXPECT_FALSE(client->Large()->LargeResponseTail(wire.substr(0, one), TypeOf<Labeled>(), &plan));
}
