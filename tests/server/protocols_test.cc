// protocols_test.cc: one netrpc server port speaks every protocol — native, gob, JSON-RPC,
// GeeRPC's Option, HTTP CONNECT — and netrpc's client speaks each of them to it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

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
