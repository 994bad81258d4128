// etcd_gateway_test.cc: the encodings of etcd's JSON gateway and the per-server value, without
// an etcd (the end-to-end tests with a real one are in etcd_test.cc).
#include "xclient/etcd_gateway.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "xclient/etcd_value.h"

namespace {

using netrpc::ErrorCode;
namespace x = netrpc::xclient;

TEST(EtcdGateway, Base64IsStandardAndPadded) {
  // RFC 4648 section 10's test vectors.
  EXPECT_EQ(x::Base64Encode(""), "");
  EXPECT_EQ(x::Base64Encode("f"), "Zg==");
  EXPECT_EQ(x::Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(x::Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(x::Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(x::Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(x::Base64Encode("foobar"), "Zm9vYmFy");
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(x::Base64Decode(x::Base64Encode(s)).value(), s);
  }
  std::string binary("\0\xff\x80/netrpc/\x01", 12);
  EXPECT_EQ(x::Base64Decode(x::Base64Encode(binary)).value(), binary);
  EXPECT_EQ(x::Base64Decode("Zm9").error().code(), ErrorCode::kProtocol);
  EXPECT_EQ(x::Base64Decode("Zm9*").error().code(), ErrorCode::kProtocol);
}

TEST(EtcdGateway, PrefixRangeEndIsClientv3s) {
  // clientv3.GetPrefixRangeEnd: the last byte below 0xff incremented, the rest cut.
  EXPECT_EQ(x::PrefixRangeEnd("/netrpc/"), "/netrpc0");
  EXPECT_EQ(x::PrefixRangeEnd("a\xff"), "b");
  EXPECT_EQ(x::PrefixRangeEnd("\xff\xff"), std::string(1, '\0'));
}

TEST(EtcdGateway, Int64FieldsComeAsStrings) {
  auto o = boost::json::parse(R"({"a":"4111120344281600262","b":7,"c":"x","d":1.5})").as_object();
  EXPECT_EQ(x::Int64Field(o, "a").value(), 4111120344281600262);
  EXPECT_EQ(x::Int64Field(o, "b").value(), 7);
  EXPECT_EQ(x::Int64Field(o, "missing").value(), 0);  // proto3 leaves zeros out
  EXPECT_EQ(x::Int64Field(o, "c").error().message(), "etcd: \"c\" is not a 64-bit integer: \"x\"");
  EXPECT_EQ(x::Int64Field(o, "d").error().code(), ErrorCode::kProtocol);
}

TEST(EtcdGateway, GatewayErrorsOfBothShapes) {
  // Captured from etcd 3.4.23's gateway: a unary call, then a streamed one.
  auto unary = boost::json::parse(R"({"error":"etcdserver: requested lease not found",)"
                                  R"("message":"etcdserver: requested lease not found","code":5})")
                   .as_object();
  EXPECT_EQ(x::GatewayError(unary, "http://e/v3/lease/revoke").message(),
            "etcd http://e/v3/lease/revoke: etcdserver: requested lease not found");
  auto streamed = boost::json::parse(R"({"error":{"grpc_code":3,"http_code":400,"message":"bad",)"
                                     R"("http_status":"Bad Request"}})")
                      .as_object();
  EXPECT_EQ(x::GatewayError(streamed, "u").message(), "etcd u: bad");
  EXPECT_FALSE(x::GatewayError(boost::json::parse(R"({"result":{}})").as_object(), "u"));
}

TEST(EtcdValue, RoundTripsAnEndpoint) {
  netrpc::Endpoint e{"tcp@127.0.0.1:8001", 3};
  e.metadata["zone"] = "a";
  std::string v = x::EncodeEndpointValue(e);
  EXPECT_EQ(v, R"({"address":"tcp@127.0.0.1:8001","weight":3,"metadata":{"zone":"a"}})");
  EXPECT_EQ(x::DecodeEndpointValue("tcp@127.0.0.1:8001", v).value(), e);
  // An empty value: the key's address, weight 1 (a key put by hand, or rpcx's without metadata).
  EXPECT_EQ(x::DecodeEndpointValue("unix@/run/a.sock", "").value(),
            netrpc::Endpoint("unix@/run/a.sock"));
  // The value's address wins over the key's.
  EXPECT_EQ(x::DecodeEndpointValue("tcp@h:1", R"({"address":"tcp@h:2"})").value().address,
            "tcp@h:2");
}

TEST(EtcdValue, RefusesWhatIsNotAnEndpoint) {
  auto err = [](std::string_view key, std::string_view value) {
    auto r = x::DecodeEndpointValue(key, value);
    EXPECT_FALSE(r.ok()) << value;
    return r.ok() ? std::string() : r.error().message();
  };
  EXPECT_EQ(err("tcp@h:1", "weight=1&zone=a"),  // rpcx's value shape
            "etcd: value of \"tcp@h:1\": not JSON (syntax error)");
  EXPECT_EQ(err("tcp@h:1", "[1]"), "etcd: value of \"tcp@h:1\": not a JSON object");
  EXPECT_EQ(err("tcp@h:1", R"({"address":1})"),
            "etcd: value of \"tcp@h:1\": \"address\" is not a string");
  EXPECT_EQ(err("tcp@h:1", R"({"weight":-1})"),
            "etcd: value of \"tcp@h:1\": \"weight\" is not an integer in [0, 2^32)");
  EXPECT_EQ(err("tcp@h:1", R"({"weight":4294967296})"),
            "etcd: value of \"tcp@h:1\": \"weight\" is not an integer in [0, 2^32)");
  EXPECT_EQ(err("tcp@h:1", R"({"metadata":{"a":1}})"),
            "etcd: value of \"tcp@h:1\": metadata \"a\" is not a string");
  EXPECT_EQ(err("h:1", ""),
            "etcd: value of \"h:1\": xclient: endpoint \"h:1\" is not proto@addr (tcp@, unix@, "
            "http@ or tls@)");
}

}  // namespace
