// native_ext_test.cc: the native protocol's extension step at the codec level: the exact bytes
// of the hello, a typed first call and the plain calls after it, type checks both ways, the
// timeout and metadata records, cancel, and both codecs against peers of the version before.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

#include "codec/native.h"
#include "codec/native_type.h"

namespace {

using netrpc::ErrorCode;
using netrpc::Request;
using netrpc::Response;
using netrpc::TypeOf;
using netrpc::codec::NativeCallExtras;
using netrpc::codec::NativeRequest;
using netrpc::codec::NativeVersion;
using netrpc::codec::NewNativeClientCodec;
using netrpc::codec::NewNativeServerCodec;

namespace server_side {
struct Args {
  int64_t A = 0;
  int64_t B = 0;
};
NETRPC_STRUCT(Args, A, B);
struct Quotient {
  int64_t Quo = 0;
  int64_t Rem = 0;
};
NETRPC_STRUCT(Quotient, Quo, Rem);
}  // namespace server_side

namespace client_side {
struct Args {  // the same name, its fields in the other order
  int64_t B = 0;
  int64_t A = 0;
};
NETRPC_STRUCT(Args, B, A);
}  // namespace client_side

struct Leaf {
  int32_t X = 0;
};
NETRPC_STRUCT(Leaf, X);
struct Tree {
  std::string Name;
  std::vector<Leaf> Leaves;
  std::optional<std::map<std::string, Leaf>> ByName;
  std::vector<Tree> Kids;  // recursive
};
NETRPC_STRUCT(Tree, Name, Leaves, ByName, Kids);

using SArgs = server_side::Args;
using CArgs = client_side::Args;
using Quotient = server_side::Quotient;

// The hello every extended client opens with: preamble, length 31, kind 1, seq' 2^64-1 (ten
// varint bytes), tag 1 (id 0, name follows), the name's length 18 and the name.
const std::string kHello = std::string("\xCENR\x01\x1f\x00\x00\x00\x01", 9) +
                           std::string(9, '\xff') + std::string("\x01\x01\x12", 3) +
                           "_netrpc.Extensions";

// ReadRequest reads one request from the front of *in, which it advances.
netrpc::ReadResult ReadRequest(netrpc::ServerCodec& server, std::string_view* in, Request* h) {
  auto r = server.ReadRequestHeader(*in, h);
  in->remove_prefix(r.consumed);
  return r;
}

TEST(NativeFingerprint, SpellsFieldsKindsOrderAndNestedTypes) {
  using netrpc::codec::NativeFingerprint;
  EXPECT_EQ(NativeFingerprint(TypeOf<SArgs>()), "Args{A int64, B int64}");
  EXPECT_EQ(NativeFingerprint(TypeOf<CArgs>()), "Args{B int64, A int64}");
  EXPECT_EQ(NativeFingerprint(TypeOf<std::string>()), "std::string");
  EXPECT_EQ(NativeFingerprint(TypeOf<Tree>()),
            "Tree{Name std::string, Leaves std::vector<Leaf{X int32}>, "
            "ByName std::optional<map<std::string, Leaf{X int32}>>, Kids std::vector<Tree>}");
  // Cached: the same string each time.
  EXPECT_EQ(&NativeFingerprint(TypeOf<Tree>()), &NativeFingerprint(TypeOf<Tree>()));
}

TEST(NativeExtensions, ExactBytesOfHelloTypedCallAndPlainRepeat) {
  auto client = NewNativeClientCodec({});
  auto* native = netrpc::codec::AsNativeClient(client.get());
  ASSERT_NE(native, nullptr);
  SArgs args{7, 2};
  std::string out;
  NativeCallExtras extras{TypeOf<Quotient>()};
  ASSERT_FALSE(native->WriteCall({"Arith.Divide", 0}, {TypeOf<SArgs>(), &args}, extras, &out));
  // Length 46, kind 1, seq' 0<<2|t|x = 3, tag 3 (id 1, name follows), the name, body 14 4,
  // record 1 of 22 bytes: the args type, then the records' size 24 as a u32.
  EXPECT_EQ(out, kHello + std::string("\x2e\x00\x00\x00\x01\x03\x03\x0c", 8) + "Arith.Divide" +
                     "\x0e\x04\x01\x16" + "Args{A int64, B int64}" +
                     std::string("\x18\x00\x00\x00", 4));

  // The server answers the hello with a type 3 and the call with its reply type.
  auto server = NewNativeServerCodec({});
  auto* sn = netrpc::codec::AsNativeServer(server.get());
  std::string_view in = out;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().control, NativeRequest::Control::kHello);
  std::string replies;
  ASSERT_FALSE(server->WriteResponse({h.service_method, h.seq, ""}, {}, &replies));
  // length 13, kind 3, seq' 2^64-1, no records, no error
  EXPECT_EQ(replies, std::string("\x0d\x00\x00\x00\x03", 5) + std::string(9, '\xff') +
                         std::string("\x01\x00\x00", 3));
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().control, NativeRequest::Control::kNone);
  EXPECT_EQ(h.service_method, "Arith.Divide");
  EXPECT_EQ(h.seq, 3u);  // seq' as it came: echoed
  SArgs got;
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<SArgs>(), &got}));
  EXPECT_EQ(got.A, 7);
  EXPECT_EQ(got.B, 2);
  Quotient q{3, 1};
  std::string reply;
  ASSERT_FALSE(
      server->WriteResponse({h.service_method, h.seq, ""}, {TypeOf<Quotient>(), &q}, &reply));
  // length 38, kind 3, seq' 3, records of 32 bytes: record 1 (30 bytes) the reply type, no
  // error, body 6 2.
  EXPECT_EQ(reply, std::string("\x26\x00\x00\x00\x03\x03\x20\x01\x1e", 9) +
                       "Quotient{Quo int64, Rem int64}" + std::string("\x00\x06\x02", 3));
  replies += reply;

  std::string_view rin = replies;
  Response rh;
  auto r = client->ReadResponseHeader(rin, &rh);  // the hello's answer: a seq no call has
  ASSERT_GT(r.consumed, 0u);
  ASSERT_FALSE(client->ReadResponseBody({}));
  rin.remove_prefix(r.consumed);
  r = client->ReadResponseHeader(rin, &rh);
  ASSERT_GT(r.consumed, 0u);
  EXPECT_EQ(rh.seq, 0u);
  Quotient gq;
  ASSERT_FALSE(client->ReadResponseBody({TypeOf<Quotient>(), &gq}));
  EXPECT_EQ(gq.Quo, 3);
  EXPECT_EQ(gq.Rem, 1);

  // Agreed: the next call is as plain as version 1's, with its seq shifted (1<<2 = 4).
  out.clear();
  ASSERT_FALSE(native->WriteCall({"Arith.Divide", 1}, {TypeOf<SArgs>(), &args}, extras, &out));
  EXPECT_EQ(out, std::string("\x05\x00\x00\x00\x01\x04\x02\x0e\x04", 9));
  in = out;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<SArgs>(), &got}));  // checked by pointer
  replies.clear();
  ASSERT_FALSE(
      server->WriteResponse({h.service_method, h.seq, ""}, {TypeOf<Quotient>(), &q}, &replies));
  EXPECT_EQ(replies, std::string("\x05\x00\x00\x00\x02\x04\x00\x06\x02", 9));  // type 2

  // A cancel may now go: the server said it speaks the extensions.
  out.clear();
  ASSERT_TRUE(native->WriteCancel(1, &out));
  EXPECT_EQ(out, std::string("\x02\x00\x00\x00\x04\x01", 6));
  in = out;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().control, NativeRequest::Control::kCancel);
  EXPECT_EQ(sn->Last().cancel_seq, 1u);
}

TEST(NativeExtensions, ArgsOfAnotherTypeFailThatCallOnly) {
  auto client = NewNativeClientCodec({});
  auto server = NewNativeServerCodec({});
  CArgs args{2, 7};
  std::string out;
  ASSERT_FALSE(client->WriteRequest({"Arith.Divide", 0}, {TypeOf<CArgs>(), &args}, &out));
  ASSERT_FALSE(client->WriteRequest({"Arith.Divide", 1}, {TypeOf<CArgs>(), &args}, &out));
  std::string_view in = out;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);  // hello
  for (int i = 0; i < 2; ++i) {
    ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
    SArgs got;
    auto err = server->ReadRequestBody({TypeOf<SArgs>(), &got});
    EXPECT_EQ(err.message(),
              "native: Arith.Divide: client sends Args{B int64, A int64}, server expects "
              "Args{A int64, B int64}");
  }
  EXPECT_TRUE(in.empty());
}

TEST(NativeExtensions, ReplyOfAnotherTypeFailsThatCallOnly) {
  auto client = NewNativeClientCodec({});
  auto server = NewNativeServerCodec({});
  SArgs args{7, 2};
  std::string out;
  ASSERT_FALSE(client->WriteRequest({"Arith.Divide", 0}, {TypeOf<SArgs>(), &args}, &out));
  std::string_view in = out;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);  // hello
  std::string replies;
  ASSERT_FALSE(server->WriteResponse({h.service_method, h.seq, ""}, {}, &replies));
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  SArgs got;
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<SArgs>(), &got}));
  Quotient q{3, 1};
  ASSERT_FALSE(
      server->WriteResponse({h.service_method, h.seq, ""}, {TypeOf<Quotient>(), &q}, &replies));
  std::string_view rin = replies;
  Response rh;
  rin.remove_prefix(client->ReadResponseHeader(rin, &rh).consumed);
  ASSERT_FALSE(client->ReadResponseBody({}));
  ASSERT_GT(client->ReadResponseHeader(rin, &rh).consumed, 0u);
  int64_t wrong = 0;  // an int64 for a struct
  EXPECT_EQ(client->ReadResponseBody({TypeOf<int64_t>(), &wrong}).message(),
            "native: Arith.Divide: server replies Quotient{Quo int64, Rem int64}, client "
            "expects int64");
  EXPECT_EQ(wrong, 0);
}

TEST(NativeExtensions, TimeoutAndMetadataTravelOnlyWhenSet) {
  auto client = NewNativeClientCodec({});
  auto* native = netrpc::codec::AsNativeClient(client.get());
  auto server = NewNativeServerCodec({});
  auto* sn = netrpc::codec::AsNativeServer(server.get());
  int64_t x = 5;
  netrpc::codec::Metadata md{{"authorization", "Bearer t0ken"}, {"", ""}};
  std::string out;
  NativeCallExtras extras{TypeOf<int64_t>(), std::chrono::milliseconds(1500), &md};
  ASSERT_FALSE(native->WriteCall({"A.B", 0}, {TypeOf<int64_t>(), &x}, extras, &out));
  NativeCallExtras none{TypeOf<int64_t>()};
  ASSERT_FALSE(native->WriteCall({"A.B", 1}, {TypeOf<int64_t>(), &x}, none, &out));
  std::string_view in = out;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);  // hello
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(sn->Last().metadata, md);
  int64_t got = 0;
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<int64_t>(), &got}));
  EXPECT_EQ(got, 5);
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().timeout.count(), 0);
  EXPECT_TRUE(sn->Last().metadata.empty());
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<int64_t>(), &got}));
  EXPECT_EQ(h.seq, 1u << 2 | 3u);  // still typed (no reply has agreed yet), so records follow
}

TEST(NativeExtensions, UnknownRecordsAreSkipped) {
  auto server = NewNativeServerCodec({});
  // hello, then a request to id 0 "A.B" with seq' 0<<2|x, body 10, a record of key 9 (unknown)
  // and 2 bytes, closed by the records' size 4.
  std::string wire = kHello + std::string("\x10\x00\x00\x00\x01\x01\x01\x03", 8) + "A.B" +
                     std::string("\x14\x09\x02zz\x04\x00\x00\x00", 9);
  std::string_view in = wire;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  auto r = ReadRequest(*server, &in, &h);
  ASSERT_FALSE(r.error) << r.error.message();
  int64_t got = 0;
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<int64_t>(), &got}));
  EXPECT_EQ(got, 10);
  EXPECT_TRUE(in.empty());
}

TEST(NativeExtensions, MalformedRecordsCloseTheStream) {
  Request h;
  for (std::string bad : {
           // the records' size says more than the frame holds
           std::string("\x09\x00\x00\x00\x01\x01\x01\x00\x14\x63\x00\x00\x00", 13),
           // a record cut short
           std::string("\x0b\x00\x00\x00\x01\x01\x01\x00\x14\x01\x09\x02\x00\x00\x00", 15),
           // a metadata record whose count exceeds its bytes
           std::string("\x0d\x00\x00\x00\x01\x01\x01\x00\x14\x03\x02\x7f\x00\x04\x00\x00\x00", 17),
       }) {
    auto server = NewNativeServerCodec({});
    std::string wire = kHello + bad;
    std::string_view in = wire;
    ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
    auto r = server->ReadRequestHeader(in, &h);
    EXPECT_EQ(r.error.code(), ErrorCode::kProtocol) << r.error.message();
  }
}

TEST(NativeExtensions, NewClientWithAnOlderServer) {
  auto client = NewNativeClientCodec({});
  auto* native = netrpc::codec::AsNativeClient(client.get());
  auto server = NewNativeServerCodec({}, {}, NativeVersion::kV1);
  SArgs args{7, 2};
  std::string out;
  NativeCallExtras extras{TypeOf<Quotient>(), std::chrono::seconds(1)};
  ASSERT_FALSE(native->WriteCall({"Arith.Divide", 0}, {TypeOf<SArgs>(), &args}, extras, &out));
  EXPECT_FALSE(native->WriteCancel(0, &out));  // not before the server said it can
  std::string_view in = out;
  Request h;
  // The older server takes the hello for a call of a method it does not have...
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(h.service_method, "_netrpc.Extensions");
  ASSERT_FALSE(server->ReadRequestBody({}));
  std::string replies;
  ASSERT_FALSE(server->WriteResponse(
      {h.service_method, h.seq, "rpc: can't find service _netrpc.Extensions"}, {}, &replies));
  // ...and the typed call as a call, its records unread after the body.
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(h.seq, 3u);
  SArgs got;
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<SArgs>(), &got}));
  EXPECT_EQ(got.A, 7);
  EXPECT_EQ(got.B, 2);
  Quotient q{3, 1};
  ASSERT_FALSE(
      server->WriteResponse({h.service_method, h.seq, ""}, {TypeOf<Quotient>(), &q}, &replies));
  std::string_view rin = replies;
  Response rh;
  auto r = client->ReadResponseHeader(rin, &rh);
  ASSERT_GT(r.consumed, 0u);
  EXPECT_NE(rh.seq, 0u);  // no call's: the client drops it
  ASSERT_FALSE(client->ReadResponseBody({}));
  rin.remove_prefix(r.consumed);
  ASSERT_GT(client->ReadResponseHeader(rin, &rh).consumed, 0u);
  EXPECT_EQ(rh.seq, 0u);
  Quotient gq;
  ASSERT_FALSE(client->ReadResponseBody({TypeOf<Quotient>(), &gq}));
  EXPECT_EQ(gq.Quo, 3);
  // Knowing the server is older, the client sends version 1's frames, seq shifted, and no cancel.
  out.clear();
  ASSERT_FALSE(native->WriteCall({"Arith.Divide", 1}, {TypeOf<SArgs>(), &args}, extras, &out));
  EXPECT_EQ(out, std::string("\x05\x00\x00\x00\x01\x04\x02\x0e\x04", 9));
  EXPECT_FALSE(native->WriteCancel(1, &out));
  // A reply of another type from that server cannot be checked; its decode error says so.
  in = out;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<SArgs>(), &got}));
  replies.clear();
  ASSERT_FALSE(
      server->WriteResponse({h.service_method, h.seq, ""}, {TypeOf<Quotient>(), &q}, &replies));
  ASSERT_GT(client->ReadResponseHeader(replies, &rh).consumed, 0u);
  std::string s;  // a string for a struct
  EXPECT_EQ(client->ReadResponseBody({TypeOf<std::string>(), &s}).message(),
            "native: truncated string at byte 1 (decoding std::string: the server sent another "
            "type?)");
}

TEST(NativeExtensions, OlderClientGetsVersionOneAnswersAndOldDecodeErrorsNameTheType) {
  auto client = NewNativeClientCodec({}, {}, NativeVersion::kV1);
  auto server = NewNativeServerCodec({});
  auto* sn = netrpc::codec::AsNativeServer(server.get());
  Quotient q{3, 1};
  std::string out;
  ASSERT_FALSE(client->WriteRequest({"A.B", 1}, {TypeOf<Quotient>(), &q}, &out));
  std::string_view in = out;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().control, NativeRequest::Control::kNone);
  EXPECT_EQ(h.seq, 1u);  // odd, and no flag: this client sent no hello
  // A struct for a string, from a client that sent no type: the error says so (it was
  // "native: truncated string at byte 1" alone).
  std::string s;
  EXPECT_EQ(server->ReadRequestBody({TypeOf<std::string>(), &s}).message(),
            "native: truncated string at byte 1 (decoding std::string: the client sent another "
            "type?)");
  s = "abc";
  std::string reply;
  ASSERT_FALSE(
      server->WriteResponse({h.service_method, h.seq, ""}, {TypeOf<std::string>(), &s}, &reply));
  EXPECT_EQ(reply, std::string("\x07\x00\x00\x00\x02\x01\x00\x03", 8) + "abc");
}

// FillTail copies the wire's bytes from `at` into the tail as the transport would.
void FillTail(netrpc::codec::Tail* tail, std::string_view wire, size_t at) {
  while (tail->Missing() > 0) {
    size_t room = 0;
    char* to = tail->Room(&room);
    size_t n = std::min<size_t>(room, 100000);
    std::memcpy(to, wire.data() + at, n);
    tail->Commit(n);
    at += n;
  }
}

// A large first call, which carries its args type, and a deadline and metadata, after its
// body: its last byte slice is still read straight into the argument, and the records after
// it come in once it is full (LargeRequestEnd).
TEST(NativeExtensions, LargeCallWithRecordsReadsItsTailInPlace) {
  auto client = NewNativeClientCodec({});
  auto* native = netrpc::codec::AsNativeClient(client.get());
  netrpc::Bytes big(500000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i % 251);
  netrpc::codec::Metadata md{{"authorization", "Bearer t0ken"}, {"trace", "7"}};
  NativeCallExtras extras{TypeOf<netrpc::Bytes>(), std::chrono::milliseconds(1500), &md};
  std::string wire;
  ASSERT_FALSE(native->WriteCall({"Echo.Echo", 1}, {TypeOf<netrpc::Bytes>(), &big}, extras, &wire));
  auto server = NewNativeServerCodec({});
  auto* sn = netrpc::codec::AsNativeServer(server.get());
  std::string_view in = wire;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);  // hello
  std::string_view part = in.substr(0, 70000);
  ASSERT_TRUE(server->ReadRequestHeader(part, &h).NeedMore());
  ASSERT_EQ(server->Large()->LargeRequestHeader(part, &h), in.size());
  EXPECT_EQ(h.service_method, "Echo.Echo");
  netrpc::Bytes got;
  netrpc::codec::Tail tail;
  auto r = server->Large()->LargeRequestBody(part, {TypeOf<netrpc::Bytes>(), &got}, &tail);
  ASSERT_EQ(r.consumed, part.size());
  ASSERT_EQ(got.size(), big.size());
  ASSERT_EQ(tail.Missing(), in.size() - part.size());
  FillTail(&tail, in, part.size());
  netrpc::Error call_err;
  ASSERT_FALSE(server->Large()->LargeRequestEnd(tail, {TypeOf<netrpc::Bytes>(), &got}, &call_err));
  EXPECT_FALSE(call_err) << call_err.message();
  EXPECT_EQ(got, big);
  EXPECT_EQ(sn->CallSeq(h.seq), 1u);
  EXPECT_EQ(sn->Last().timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(sn->Last().metadata, md);

  // The next request, plain and small, reads as usual, with no extras left over.
  int64_t x = 9, y = 0;
  std::string more;
  NativeCallExtras none{TypeOf<int64_t>()};
  ASSERT_FALSE(native->WriteCall({"A.B", 2}, {TypeOf<int64_t>(), &x}, none, &more));
  std::string_view rest = more;
  ASSERT_GT(ReadRequest(*server, &rest, &h).consumed, 0u);
  EXPECT_EQ(sn->Last().timeout.count(), 0);
  EXPECT_TRUE(sn->Last().metadata.empty());
  ASSERT_FALSE(server->ReadRequestBody({TypeOf<int64_t>(), &y}));
  EXPECT_EQ(y, 9);
}

// A large first call whose args type is not the server's is refused by LargeRequestEnd with
// the usual path's error; only that call fails.
TEST(NativeExtensions, LargeCallOfAnotherTypeFailsThatCallOnly) {
  auto client = NewNativeClientCodec({});
  auto* native = netrpc::codec::AsNativeClient(client.get());
  std::string big(400000, 'x');  // a string where the server takes a byte slice
  std::string wire;
  ASSERT_FALSE(native->WriteCall({"Echo.Echo", 1}, {TypeOf<std::string>(), &big},
                                 NativeCallExtras{TypeOf<std::string>()}, &wire));
  auto server = NewNativeServerCodec({});
  std::string_view in = wire;
  Request h;
  ASSERT_GT(ReadRequest(*server, &in, &h).consumed, 0u);  // hello
  std::string_view part = in.substr(0, 5000);
  ASSERT_EQ(server->Large()->LargeRequestHeader(part, &h), in.size());
  netrpc::Bytes got;
  netrpc::codec::Tail tail;
  ASSERT_EQ(
      server->Large()->LargeRequestBody(part, {TypeOf<netrpc::Bytes>(), &got}, &tail).consumed,
      part.size());
  FillTail(&tail, in, part.size());
  netrpc::Error call_err;
  ASSERT_FALSE(server->Large()->LargeRequestEnd(tail, {TypeOf<netrpc::Bytes>(), &got}, &call_err));
  EXPECT_EQ(call_err.message(), "native: Echo.Echo: client sends " +
                                    netrpc::codec::NativeFingerprint(TypeOf<std::string>()) +
                                    ", server expects " +
                                    netrpc::codec::NativeFingerprint(TypeOf<netrpc::Bytes>()));
}

}  // namespace
