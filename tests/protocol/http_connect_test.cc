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

namespace {

using netrpc::protocol::HttpRequest;
using netrpc::protocol::ReadHttpRequest;

// The answers below were captured from Go 1.19: a program serving rpc.HandleHTTP with
// http.Serve on 127.0.0.1 got each head on a fresh connection and printed what came back
// (Date lines left out). "" means Go passed the request on to its handler.
const std::string kBad =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: "
    "close\r\n\r\n400 Bad Request";

std::string GoStatusError(const std::string& text) {
  return "HTTP/1.1 " + text +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: "
         "close\r\n\r\n" +
         text;
}

TEST(HttpRequestAsGoReadsIt, HeadsGoRefuses) {
  struct Case {
    std::string head, go_answer;
  } cases[] = {
      {"CONNECT /_go%zzPC_ HTTP/1.0\n\n", kBad},
      {"CONNECT /_goRPC_\n\n", kBad},
      {"CONNECT  /_goRPC_ HTTP/1.0\n\n", kBad},
      {"CONNECT /_goRPC_ HTTP/1.0 \n\n", kBad},
      {"CONNECT /_goRPC_ http/1.0\n\n", kBad},
      {"CONNECT /_goRPC_ HTTP/1.0\r\r\n\r\n", kBad},
      {"CONNECT /_goRPC_ HTTP/2.0\n\n",
       GoStatusError("505 HTTP Version Not Supported: unsupported protocol version")},
      {"CONNECT /_goRPC_ HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
       GoStatusError("400 Bad Request: malformed Host header")},
      {"CONNECT /_goRPC_ HTTP/1.0\r\n folded\r\n\r\n", kBad},
      {"CONNECT /_goRPC_ HTTP/1.0\r\nContent-Length: x\r\n\r\n", kBad},
      {"CONNECT /_goRPC_ HTTP/1.0\r\nBadHeaderLine\r\n\r\n", kBad},
      {"CONNECT /_goRPC_ HTTP/1.0\r\nBad Name: v\r\n\r\n",
       GoStatusError("400 Bad Request: invalid header name")},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReadHttpRequest(c.head).refusal, c.go_answer) << c.head;
  }
}

TEST(HttpRequestAsGoReadsIt, HeadsGoPassesOnWithTheirPath) {
  struct Case {
    std::string head, method, path;
    int minor;
  } cases[] = {
      // Go answered each of these "HTTP/1.0 200 Connected to Go RPC\n\n".
      {"CONNECT /_goRPC_ HTTP/1.0\n\n", "CONNECT", "/_goRPC_", 0},
      {"CONNECT /_goRPC_ HTTP/1.1\n\n", "CONNECT", "/_goRPC_", 1},
      {"CONNECT /_goRPC_?x=1 HTTP/1.0\n\n", "CONNECT", "/_goRPC_", 0},
      {"CONNECT /_go%52PC_ HTTP/1.0\n\n", "CONNECT", "/_goRPC_", 0},
      {"CONNECT /_goRPC_ HTTP/1.2\n\n", "CONNECT", "/_goRPC_", 2},
      {"CONNECT /_goRPC_ HTTP/1.0\r\nContent-Length: 5\r\n\r\n", "CONNECT", "/_goRPC_", 0},
      {"CONNECT /_goRPC_ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "CONNECT", "/_goRPC_", 0},
      {"CONNECT /_goRPC_ HTTP/1.0\n\r\n", "CONNECT", "/_goRPC_", 0},
      // Go answered these 404 (a path that is not the RPC path) or 405 (not CONNECT).
      {"CONNECT _goRPC_ HTTP/1.0\n\n", "CONNECT", "", 0},
      {"CONNECT /_goRPC_/ HTTP/1.0\n\n", "CONNECT", "/_goRPC_/", 0},
      {"CONNECT //_goRPC_ HTTP/1.0\n\n", "CONNECT", "//_goRPC_", 0},
      {"CONNECT /x/../_goRPC_ HTTP/1.0\n\n", "CONNECT", "/x/../_goRPC_", 0},
      {"GET /_goRPC_ HTTP/1.0\r\n\r\n", "GET", "/_goRPC_", 0},
      {"GET /_goRPC_ HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/_goRPC_", 1},
      {"CONNECT /nope HTTP/1.1\r\n\r\n", "CONNECT", "/nope", 1},
  };
  for (const Case& c : cases) {
    HttpRequest r = ReadHttpRequest(c.head);
    EXPECT_EQ(r.refusal, "") << c.head;
    EXPECT_EQ(r.method, c.method) << c.head;
    EXPECT_EQ(r.path, c.path) << c.head;
    EXPECT_EQ(r.minor_version, c.minor) << c.head;
  }
}

TEST(HttpRequestAsGoReadsIt, ErrorAnswersFollowTheRequestsVersion) {
  // Go's answers (same program), but for the Date line; netrpc then closes an HTTP/1.1
  // connection too, and says so.
  EXPECT_EQ(netrpc::protocol::HttpErrorResponse(ReadHttpRequest("GET /_goRPC_ HTTP/1.0\r\n\r\n"),
                                                405, "Method Not Allowed", "405 must CONNECT\n"),
            "HTTP/1.0 405 Method Not Allowed\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nContent-Length: 17\r\n\r\n405 must CONNECT\n");
  EXPECT_EQ(netrpc::protocol::HttpErrorResponse(ReadHttpRequest("GET /nope HTTP/1.0\r\n\r\n"), 404,
                                                "Not Found", "404 page not found\n"),
            "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: 19\r\n\r\n404 "
            "page not found\n");
  EXPECT_EQ(netrpc::protocol::HttpErrorResponse(ReadHttpRequest("CONNECT /nope HTTP/1.1\r\n\r\n"),
                                                404, "Not Found", "404 page not found\n"),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nContent-Length: "
            "19\r\nConnection: close\r\n\r\n404 page not found\n");
  EXPECT_EQ(netrpc::protocol::HeadTooLargeResponse(),
            GoStatusError("431 Request Header Fields Too Large"));
}

}  // namespace
