// http_connect_test.cc: the two HTTP heads of net/rpc's HTTP transport, written byte for byte
// as Go writes them and parsed however they arrive, bare "\n" or CRLF, within a 16 KiB limit.
#include "protocol/http_connect.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using netrpc::ErrorCode;
using netrpc::ReadResult;
using netrpc::protocol::ConnectedResponse;
using netrpc::protocol::ConnectRequest;
using netrpc::protocol::HttpHead;
using netrpc::protocol::kMaxHttpHeadBytes;
using netrpc::protocol::ParseHttpHead;

// Captured from Go 1.19: what rpc.DialHTTP writes, and what a server registered with
// HandleHTTP answers to it (both over 127.0.0.1).
constexpr std::string_view kGoConnect = "CONNECT /_goRPC_ HTTP/1.0\n\n";
constexpr std::string_view kGoConnected = "HTTP/1.0 200 Connected to Go RPC\n\n";

struct Parsed {
  ReadResult r;
  HttpHead head;
};

Parsed Parse(std::string_view in) {
  Parsed p;
  p.r = ParseHttpHead(in, &p.head);
  return p;
}

TEST(HttpConnect, WritesWhatGoWrites) {
  EXPECT_EQ(ConnectRequest("/_goRPC_"), kGoConnect);
  EXPECT_EQ(ConnectRequest("/rpc"), "CONNECT /rpc HTTP/1.0\n\n");  // Go's DialHTTPPath
  EXPECT_EQ(ConnectedResponse(), kGoConnected);
}

TEST(HttpConnect, ParsesGoConnectWithBareNewlines) {
  Parsed p = Parse(kGoConnect);
  ASSERT_FALSE(p.r.error) << p.r.error.message();
  EXPECT_EQ(p.r.consumed, kGoConnect.size());
  EXPECT_EQ(p.head.first_line, "CONNECT /_goRPC_ HTTP/1.0");
  EXPECT_EQ(p.head.method, "CONNECT");
  EXPECT_EQ(p.head.target, "/_goRPC_");
}

TEST(HttpConnect, ParsesGoAnswerAsVersionAndStatus) {
  Parsed p = Parse(kGoConnected);
  ASSERT_FALSE(p.r.error) << p.r.error.message();
  EXPECT_EQ(p.r.consumed, kGoConnected.size());
  EXPECT_EQ(p.head.first_line, "HTTP/1.0 200 Connected to Go RPC");
  EXPECT_EQ(p.head.method, "HTTP/1.0");
  EXPECT_EQ(p.head.target, "200 Connected to Go RPC");
}

TEST(HttpConnect, ParsesCrlfHeadsWithHeaderLines) {
  std::string request = "CONNECT /_goRPC_ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  Parsed p = Parse(request);
  ASSERT_FALSE(p.r.error) << p.r.error.message();
  EXPECT_EQ(p.r.consumed, request.size());
  EXPECT_EQ(p.head.first_line, "CONNECT /_goRPC_ HTTP/1.1");  // without the '\r'
  EXPECT_EQ(p.head.target, "/_goRPC_");

  // The head of Go's 404, body after it.
  std::string response = "HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n404 page not found\n";
  p = Parse(response);
  ASSERT_FALSE(p.r.error) << p.r.error.message();
  EXPECT_EQ(p.r.consumed, response.find("404 page"));
  EXPECT_EQ(p.head.method, "HTTP/1.1");
  EXPECT_EQ(p.head.target, "404 Not Found");
}

TEST(HttpConnect, MixedLineEndsCloseTheHead) {
  for (std::string_view in :
       {"CONNECT /_goRPC_ HTTP/1.0\r\n\n", "CONNECT /_goRPC_ HTTP/1.0\n\r\n"}) {
    Parsed p = Parse(in);
    ASSERT_FALSE(p.r.error) << p.r.error.message();
    EXPECT_EQ(p.r.consumed, in.size());
    EXPECT_EQ(p.head.first_line, "CONNECT /_goRPC_ HTTP/1.0");
  }
}

TEST(HttpConnect, RpcStreamAfterTheHeadIsLeftUnconsumed) {
  std::string in = std::string(kGoConnected) + std::string("\x2c\xff\x81\x03\x01", 5);
  EXPECT_EQ(Parse(in).r.consumed, kGoConnected.size());
  in = std::string(kGoConnect) + "{\"method\":\"Arith.Multiply\"";
  EXPECT_EQ(Parse(in).r.consumed, kGoConnect.size());
}

TEST(HttpConnect, EveryPrefixOfAHeadNeedsMore) {
  for (std::string_view head :
       {kGoConnect, kGoConnected, std::string_view("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n")}) {
    for (size_t n = 0; n < head.size(); ++n) {
      Parsed p = Parse(head.substr(0, n));
      EXPECT_TRUE(p.r.NeedMore()) << "prefix " << n << " of " << head << p.r.error.message();
    }
    EXPECT_EQ(Parse(head).r.consumed, head.size());
  }
}

TEST(HttpConnect, MalformedFirstLineIsAProtocolError) {
  for (std::string_view in : {"CONNECT\n\n", " /_goRPC_ HTTP/1.0\n\n", "\n\n", "\r\n\r\n"}) {
    Parsed p = Parse(in);
    EXPECT_EQ(p.r.consumed, 0u) << in;
    EXPECT_EQ(p.r.error, netrpc::Error(ErrorCode::kProtocol, "http: malformed first line")) << in;
  }
}

TEST(HttpConnect, HeadOfExactlyTheLimitIsAccepted) {
  std::string start = "CONNECT /_goRPC_ HTTP/1.0\nX: ";
  std::string head = start + std::string(kMaxHttpHeadBytes - start.size() - 2, 'a') + "\n\n";
  ASSERT_EQ(head.size(), kMaxHttpHeadBytes);
  Parsed p = Parse(head + std::string(100000, 'x'));  // a large stream after it is not the head
  ASSERT_FALSE(p.r.error) << p.r.error.message();
  EXPECT_EQ(p.r.consumed, kMaxHttpHeadBytes);
  EXPECT_EQ(p.head.target, "/_goRPC_");
}

TEST(HttpConnect, HeadOverTheLimitIsRefusedHoweverItArrives) {
  std::string start = "CONNECT /_goRPC_ HTTP/1.0\nX: ";
  std::string head = start + std::string(kMaxHttpHeadBytes - start.size() - 1, 'a') + "\n\n";
  ASSERT_EQ(head.size(), kMaxHttpHeadBytes + 1);
  const netrpc::Error too_large(ErrorCode::kTooLarge, "http: head over 16384 bytes");
  EXPECT_EQ(Parse(head).r.error, too_large);  // complete
  // Incomplete: a limit's worth of bytes without a blank line still waits; one more is refused.
  std::string huge = start + std::string(kMaxHttpHeadBytes, 'a') + "\n\n";
  EXPECT_TRUE(Parse(std::string_view(huge).substr(0, kMaxHttpHeadBytes)).r.NeedMore());
  EXPECT_EQ(Parse(std::string_view(huge).substr(0, kMaxHttpHeadBytes + 1)).r.error, too_large);
  EXPECT_EQ(Parse(std::string_view(huge).substr(0, kMaxHttpHeadBytes + 2)).r.error, too_large);
  EXPECT_EQ(Parse(huge).r.error, too_large);
}

}  // namespace
