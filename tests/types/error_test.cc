// error_test.cc: netrpc::Error's printing and Result's accessors (include/netrpc/error.h):
// a failed Result used as a value aborts with its error, and a dialed client reads client->Call.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <type_traits>

#include "test_service.h"

using testsvc::Args;

namespace {

std::string Printed(const netrpc::Error& err) {
  std::ostringstream os;
  os << err;
  return os.str();
}

TEST(Error, PrintsItsMessageOrOk) {
  EXPECT_EQ(Printed(netrpc::Error{}), "ok");
  EXPECT_EQ(Printed(netrpc::Error("divide by zero")), "divide by zero");
  EXPECT_EQ(Printed(netrpc::ErrShutdown), "connection is shut down");
  EXPECT_EQ(Printed(netrpc::ServerError("rpc: can't find method Arith.Nope")),
            "rpc: can't find method Arith.Nope");
  EXPECT_EQ(Printed(netrpc::Error(netrpc::ErrorCode::kIo, "")), "error code 8");
  std::ostringstream os;
  os << "dial: " << netrpc::Error(netrpc::ErrorCode::kConnect, "connection refused") << '.';
  EXPECT_EQ(os.str(), "dial: connection refused.");
}

netrpc::Result<int64_t> Failed() { return netrpc::Error("divide by zero"); }

TEST(ResultDeathTest, ValueOfAnErrorAborts) {
  auto r = Failed();
  EXPECT_DEATH((void)r.value(), "netrpc: Result::value\\(\\) on an error: divide by zero");
  EXPECT_DEATH((void)Failed().value(), "netrpc: Result::value\\(\\) on an error: divide by zero");
  const auto& c = r;
  EXPECT_DEATH((void)c.value(), "netrpc: Result::value\\(\\) on an error: divide by zero");
}

TEST(ResultDeathTest, DereferenceOfAnErrorAborts) {
  auto r = Failed();
  EXPECT_DEATH((void)*r, "netrpc: Result::operator\\* on an error: divide by zero");
  const auto& c = r;
  EXPECT_DEATH((void)*c, "netrpc: Result::operator\\* on an error: divide by zero");
  EXPECT_DEATH((void)*Failed(), "netrpc: Result::operator\\* on an error: divide by zero");
}

TEST(ResultDeathTest, ArrowOfAnErrorAborts) {
  netrpc::Result<std::string> r = netrpc::Error(netrpc::ErrorCode::kCodec, "bad body");
  EXPECT_DEATH((void)r->size(), "netrpc: Result::operator-> on an error: bad body");
  netrpc::Result<std::string> empty;
  EXPECT_DEATH((void)empty->size(), "netrpc: Result::operator-> on an error: netrpc: empty Result");
}

// A Result whose unique_ptr was moved out (or never set) holds no object to reach.
TEST(ResultDeathTest, ArrowThroughANullPointerAborts) {
  netrpc::Result<std::unique_ptr<std::string>> r = std::make_unique<std::string>("hello");
  EXPECT_EQ(r->size(), 5u);
  std::unique_ptr<std::string> owned = std::move(*r);
  ASSERT_TRUE(r.ok());
  EXPECT_DEATH((void)r->size(), "netrpc: Result::operator-> on a null pointer");
}

TEST(Result, AccessorsGiveTheValue) {
  netrpc::Result<std::string> r = std::string("hello");
  EXPECT_EQ(r.value(), "hello");
  EXPECT_EQ(*r, "hello");
  EXPECT_EQ(r->size(), 5u);
  const auto& c = r;
  EXPECT_EQ(c->size(), 5u);
  std::string moved = *std::move(r);
  EXPECT_EQ(moved, "hello");
}

// -> reaches through a unique_ptr to what it owns; * and value() still give the unique_ptr.
static_assert(
    std::is_same_v<
        decltype(std::declval<netrpc::Result<std::unique_ptr<netrpc::Client>>&>().operator->()),
        netrpc::Client*>);
static_assert(
    std::is_same_v<decltype(*std::declval<netrpc::Result<std::unique_ptr<netrpc::Client>>&>()),
                   std::unique_ptr<netrpc::Client>&>);
static_assert(std::is_same_v<decltype(std::declval<netrpc::Result<std::string>&>().operator->()),
                             std::string*>);
static_assert(
    std::is_same_v<decltype(std::declval<const netrpc::Result<std::string>&>().operator->()),
                   const std::string*>);

TEST(Result, DialedClientCallsThroughArrow) {
  testsvc::TestServer server;
  auto client = netrpc::Dial("tcp", server.Address());
  ASSERT_TRUE(client) << client.error();
  int64_t product = 0;
  EXPECT_FALSE(client->Call("Arith.Multiply", Args{6, 7}, &product));
  EXPECT_EQ(product, 42);
  EXPECT_FALSE((*client)->Call("Arith.Multiply", Args{2, 3}, &product));  // the long form
  EXPECT_EQ(product, 6);
  testsvc::Quotient q;
  auto call = client->Go("Arith.Divide", Args{17, 5}, &q);
  EXPECT_FALSE(call->Wait());
  EXPECT_EQ(q.Quo, 3);
  EXPECT_EQ(q.Rem, 2);
  EXPECT_EQ(client->PendingCount(), 0u);

  std::unique_ptr<netrpc::Client> owned = std::move(*client);  // moved out, as before
  EXPECT_FALSE(owned->Call("Arith.Multiply", Args{4, 5}, &product));
  EXPECT_EQ(product, 20);
}

TEST(Result, EveryClientMakerCallsThroughArrow) {
  testsvc::TestServer server;
  server.server().HandleHTTP();
  int64_t product = 0;
  auto http = netrpc::DialHTTP("tcp", server.Address());
  ASSERT_TRUE(http) << http.error();
  EXPECT_FALSE(http->Call("Arith.Multiply", Args{3, 4}, &product));
  EXPECT_EQ(product, 12);

  auto conn = netrpc::DialConn("tcp", server.Address());
  ASSERT_TRUE(conn) << conn.error();
  auto client = netrpc::NewClient(std::move(*conn));
  ASSERT_TRUE(client) << client.error();
  EXPECT_FALSE(client->Call("Arith.Multiply", Args{5, 6}, &product));
  EXPECT_EQ(product, 30);
}

// A failed Dial used without a check dies with the dial's own error, not a null dereference.
TEST(ResultDeathTest, FailedDialUsedWithoutCheckAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // Dial started netrpc's threads
  int bound = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(bound, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  socklen_t len = sizeof sa;
  ::getsockname(bound, reinterpret_cast<sockaddr*>(&sa), &len);
  std::string address = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  auto client = netrpc::Dial("tcp", address);  // bound, not listening: refused
  ASSERT_FALSE(client);
  int64_t product = 0;
  EXPECT_DEATH((void)client->Call("Arith.Multiply", Args{6, 7}, &product),
               "netrpc: Result::operator-> on an error: .*Connection refused");
  ::close(bound);
}

}  // namespace
