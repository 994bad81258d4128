// protocols_test.cc: one netrpc server port speaks every protocol — native, gob, JSON-RPC,
// GeeRPC's Option, HTTP CONNECT — and netrpc's client speaks each of them to it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "codec/gob.h"
#include "protocol/http_connect.h"
#include "test_service.h"

using namespace std::chrono_literals;
using testsvc::Args;
using testsvc::Quotient;

namespace {

struct Mode {
  const char* name;
  netrpc::Protocol protocol;
  bool gee = false;
  bool http = false;
};

std::unique_ptr<netrpc::Client> DialMode(const std::string& addr, const Mode& m) {
  netrpc::DialOptions o{.protocol = m.protocol, .gee_option = m.gee};
  auto c = m.http ? netrpc::DialHTTP("tcp", addr, o) : netrpc::Dial("tcp", addr, o);
  if (!c.ok()) throw std::runtime_error(c.error().message());
  return std::move(c).value();
}

class Protocols : public testing::TestWithParam<Mode> {};

TEST_P(Protocols, CallsErrorsAndConcurrencyOnOnePort) {
  testsvc::TestServer s;
  auto client = DialMode(s.Address(), GetParam());
  int64_t product = 0;
  ASSERT_FALSE(client->Call("Arith.Multiply", Args{7, -8}, &product));
  EXPECT_EQ(product, -56);
  Quotient q;
  ASSERT_FALSE(client->Call("Arith.Divide", Args{17, 5}, &q));
  EXPECT_EQ(q.Quo, 3);
  EXPECT_EQ(q.Rem, 2);
  EXPECT_EQ(client->Call("Arith.Divide", Args{1, 0}, &q), netrpc::ServerError("divide by zero"));
  EXPECT_EQ(client->Call("Arith.Nope", Args{}, &q),
            netrpc::ServerError("rpc: can't find method Arith.Nope"));
  EXPECT_EQ(client->Call("Nope.X", Args{}, &q),
            netrpc::ServerError("rpc: can't find service Nope.X"));
  std::string big(1 << 20, 'z'), echoed;
  big[12345] = 'A';
  ASSERT_FALSE(client->Call("Arith.Echo", big, &echoed));
  EXPECT_EQ(echoed, big);
  std::vector<int64_t> replies(100);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < 100; ++i)
    calls.push_back(client->Go("Arith.Multiply", Args{i, i}, &replies[i]));
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(calls[i]->Wait());
    EXPECT_EQ(replies[i], i * i);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllProtocols, Protocols,
    testing::Values(Mode{"native", netrpc::Protocol::kNative}, Mode{"gob", netrpc::Protocol::kGob},
                    Mode{"json", netrpc::Protocol::kJson},
                    Mode{"geerpc_gob", netrpc::Protocol::kGob, true},
                    Mode{"geerpc_json", netrpc::Protocol::kJson, true},
                    Mode{"http_gob", netrpc::Protocol::kGob, false, true},
                    Mode{"http_native", netrpc::Protocol::kNative, false, true}),
    [](const testing::TestParamInfo<Mode>& info) { return std::string(info.param.name); });

// RawExchange sends bytes on a fresh connection and returns all the server answers until
// it closes the connection (or `wait` passes).
std::string RawExchange(const std::string& addr, const std::string& bytes,
                        std::chrono::milliseconds wait = 2s) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1))));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return "connect failed";
  timeval tv{0, static_cast<suseconds_t>(wait.count() * 1000)};
  if (wait >= 1s) tv = {wait.count() / 1000, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!::write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(fd);
  return out;
}

TEST(Http, ConnectIsAnsweredAsGoDoes) {
  testsvc::TestServer s;
  std::string answer = RawExchange(s.Address(), "CONNECT /_goRPC_ HTTP/1.0\n\n", 300ms);
  EXPECT_EQ(answer, "HTTP/1.0 200 Connected to Go RPC\n\n");
}

TEST(Http, OtherMethodsOnTheRpcPathGet405) {
  testsvc::TestServer s;
  std::string answer = RawExchange(s.Address(), "GET /_goRPC_ HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(answer.substr(0, 33), "HTTP/1.1 405 Method Not Allowed\r\n");
  EXPECT_NE(answer.find("\r\n\r\n405 must CONNECT\n"), std::string::npos);
}

// Go's http.Server routes by the decoded path without the query, and refuses heads it cannot
// read before any handler (answers captured from Go 1.19's, see http_connect_test.cc).
TEST(Http, ConnectIsRoutedAndRefusedAsGoDoes) {
  testsvc::TestServer s;
  EXPECT_EQ(RawExchange(s.Address(), "CONNECT /_go%52PC_?x=1 HTTP/1.0\n\n", 300ms),
            "HTTP/1.0 200 Connected to Go RPC\n\n");
  EXPECT_EQ(
      RawExchange(s.Address(), "CONNECT /_goRPC_ HTTP/2.0\n\n"),
      "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\nContent-Type: "
      "text/plain; charset=utf-8\r\nConnection: close\r\n\r\n505 HTTP Version Not "
      "Supported: unsupported protocol version");
  // One byte over the limit and no end in sight: all of it read, then Go's 431 (the whole
  // head is read, so the close is clean and the answer cannot be lost to a reset).
  std::string huge = "CONNECT /_goRPC_ HTTP/1.0\r\nX: ";
  huge += std::string(netrpc::protocol::kMaxHttpHeadBytes + 1 - huge.size(), 'a');
  EXPECT_EQ(RawExchange(s.Address(), huge),
            "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; "
            "charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large");
}

TEST(Http, CustomPathFromHandleHTTP) {
  testsvc::TestServer s;
  s.server().HandleHTTP("/rpc", "/debug/rpc");
  auto c = netrpc::DialHTTPPath("tcp", s.Address(), "/rpc");
  ASSERT_TRUE(c.ok()) << c.error().message();
  int64_t r = 0;
  EXPECT_FALSE((*c)->Call("Arith.Multiply", Args{3, 3}, &r));
  EXPECT_EQ(r, 9);
  auto wrong = netrpc::DialHTTP("tcp", s.Address());
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("unexpected HTTP response: 404 Not Found"),
            std::string::npos)
      << wrong.error().message();
}

TEST(Gee, WrongMagicNumberIsRefusedAndOthersCarryOn) {
  testsvc::TestServer s;
  auto good = testsvc::MustDial(s.Address());
  std::string answer =
      RawExchange(s.Address(), "{\"MagicNumber\":1234,\"CodecType\":\"application/gob\"}\n");
  EXPECT_EQ(answer, "");  // closed without an answer
  int64_t r = 0;
  EXPECT_FALSE(good->Call("Arith.Multiply", Args{2, 2}, &r));
  EXPECT_EQ(r, 4);
}

// GeeCall plays a GeeRPC client on a raw socket: it sends `option`, then after `pause` the
// rest of the preamble (`separator`) and one gob request for Arith.Multiply, and decodes the
// reply. The pause puts json.Encoder's newline in a later read than the Option.
struct GeeReply {
  netrpc::Response header;
  int64_t product = 0;
};
GeeReply GeeCall(const std::string& addr, const std::string& option, const std::string& separator,
                 std::chrono::milliseconds pause, Args args) {
  auto codec = netrpc::codec::NewGobClientCodec({}, netrpc::codec::GobHeaders::kGeeRpc);
  std::string request;
  EXPECT_FALSE(
      codec->WriteRequest({"Arith.Multiply", 1}, {netrpc::TypeOf<Args>(), &args}, &request));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1))));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!::write(fd, option.data(), option.size());
  std::this_thread::sleep_for(pause);
  std::string rest = separator + request;
  (void)!::write(fd, rest.data(), rest.size());
  GeeReply reply;
  std::string in;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    in.append(buf, n);
    netrpc::ReadResult r = codec->ReadResponseHeader(in, &reply.header);
    EXPECT_FALSE(r.error) << r.error.message();
    if (r.consumed > 0) {
      if (reply.header.error.empty()) {
        EXPECT_FALSE(codec->ReadResponseBody({netrpc::TypeOf<int64_t>(), &reply.product}));
      } else {
        codec->ReadResponseBody({});
      }
      break;
    }
  }
  ::close(fd);
  return reply;
}

// GeeRPC's server takes the Option with json.Decoder, which matches keys in any case and
// order and skips the whitespace before a value; json.Encoder's '\n' after the Option may
// come in a later read, and the gob stream starts after it.
TEST(Gee, OptionsInAnyFormAndSplitAnywhereOpenAGobConnection) {
  testsvc::TestServer s;
  for (std::string option : {"{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\"}",
                             "{\"CodecType\":\"application/gob\",\"MagicNumber\":3927900}",
                             "{\"magicNumber\":3927900,\"codecType\":\"application/gob\"}",
                             "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\","
                             "\"ConnectTimeout\":10000000000,\"HandleTimeout\":0}"}) {
    for (std::string separator : {"\n", "", " \r\n"}) {
      GeeReply r = GeeCall(s.Address(), option, separator, 30ms, Args{6, 7});
      EXPECT_EQ(r.header.error, "") << option;
      EXPECT_EQ(r.header.seq, 1u) << option;
      EXPECT_EQ(r.product, 42) << option << " then " << separator.size() << " separator bytes";
    }
  }
}

// HandleTimeout applies to the connection's calls, answered with GeeRPC's day-4 text and
// Go's Duration format; the server's own shorter handler_timeout still wins.
TEST(Gee, HandleTimeoutBoundsTheConnectionsHandlers) {
  testsvc::TestServer s;
  auto gee = testsvc::MustDial(s.Address(), {.gee_option = true, .gee_handle_timeout = 50ms});
  int64_t r = 0;
  EXPECT_EQ(gee->Call("Arith.Sleep", Args{400, 1}, &r),
            netrpc::ServerError("rpc server: request handle timeout: expect within 50ms"));
  EXPECT_FALSE(gee->Call("Arith.Sleep", Args{1, 5}, &r));  // in time: answered as usual
  EXPECT_EQ(r, 5);
  std::string option =
      "{\"MagicNumber\":3927900,\"CodecType\":\"application/gob\",\"HandleTimeout\":1500000}\n";
  // A raw Option with 1.5 ms: Multiply is in time or not, but never a different text.
  GeeReply raw = GeeCall(s.Address(), option, "", 0ms, Args{2, 2});
  EXPECT_TRUE(raw.header.error.empty() ||
              raw.header.error == "rpc server: request handle timeout: expect within 1.5ms")
      << raw.header.error;

  testsvc::TestServer strict({.handler_timeout = 30ms});
  auto longer =
      testsvc::MustDial(strict.Address(), {.gee_option = true, .gee_handle_timeout = 10s});
  EXPECT_EQ(longer->Call("Arith.Sleep", Args{400, 1}, &r),
            netrpc::ServerError("rpc: handler timeout after 30ms"));
}

TEST(Sniff, GarbageClosesOnlyItsConnection) {
  testsvc::TestServer s;
  auto good = testsvc::MustDial(s.Address());
  RawExchange(s.Address(), std::string("\x05\xff\x81\x03\x01\x01\x00\x00\x00", 9));
  RawExchange(s.Address(), "{\"method\": 12, \"params\": \"x\", \"id\": 1}\n{{{{");
  RawExchange(s.Address(), std::string("\xCENR\x01\xff\xff\xff\xff", 8));
  int64_t r = 0;
  EXPECT_FALSE(good->Call("Arith.Multiply", Args{5, 5}, &r));
  EXPECT_EQ(r, 25);
}

}  // namespace
