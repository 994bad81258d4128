// http_test.cc: HTTP on the RPC port over 127.0.0.1: HandleHTTP's debug page and its JSON,
// users' handlers with Go's ServeMux rules, keep-alive, CONNECT mid-session, refused input.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "test_service.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;
using testsvc::Args;

// HttpConn is a plain Beast client on one connection, for requests in sequence.
class HttpConn {
 public:
  explicit HttpConn(const std::string& address) : socket_(io_) {
    auto colon = address.rfind(':');
    socket_.connect({asio::ip::make_address(address.substr(0, colon)),
                     static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))});
  }
  bhttp::response<bhttp::string_body> Send(bhttp::verb method, const std::string& target,
                                           std::string body = "", int version = 11) {
    bhttp::request<bhttp::string_body> req(method, target, version);
    req.set(bhttp::field::host, "127.0.0.1");
    req.set("X-Test", "yes");
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(socket_, req);
    return Read(method == bhttp::verb::head);
  }
  bhttp::response<bhttp::string_body> Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }
  tcp::socket& socket() { return socket_; }
  boost::beast::flat_buffer& buffer() { return buffer_; }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

bhttp::response<bhttp::string_body> Get(const std::string& address, const std::string& target) {
  return HttpConn(address).Send(bhttp::verb::get, target);
}

const boost::json::object& MethodOf(const boost::json::value& page, std::string_view service,
                                    std::string_view method) {
  for (const auto& s : page.at("services").as_array()) {
    if (s.at("name").as_string() != service) continue;
    for (const auto& m : s.at("methods").as_array()) {
      if (m.at("name").as_string() == method) return m.as_object();
    }
  }
  throw std::runtime_error("no method " + std::string(method));
}

const boost::json::object& ProtocolOf(const boost::json::value& page, std::string_view name) {
  for (const auto& p : page.at("protocols").as_array()) {
    if (p.at("name").as_string() == name) return p.as_object();
  }
  throw std::runtime_error("no protocol " + std::string(name));
}

TEST(DebugPage, OffUnlessHandleHTTP) {
  testsvc::TestServer s;
  auto res = Get(s.Address(), "/debug/rpc");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(), "404 page not found\n");
}

TEST(DebugPage, ShowsServicesMethodsAndCountsAsGoLaysThemOut) {
  testsvc::TestServer s;
  s.server().HandleHTTP();
  auto client = testsvc::MustDial(s.Address());
  int64_t product = 0;
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(client->Call("Arith.Multiply", Args{i, 2}, &product));
  testsvc::Quotient q;
  EXPECT_TRUE(client->Call("Arith.Divide", Args{1, 0}, &q));  // an error, counted

  auto res = Get(s.Address(), "/debug/rpc");
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
  const std::string& page = res.body();
  EXPECT_NE(page.find("<title>Services</title>"), std::string::npos);
  EXPECT_NE(page.find("Service Arith\n"), std::string::npos) << page;
  EXPECT_NE(page.find(">Multiply(main.Args, *int64) error</td>"), std::string::npos) << page;
  EXPECT_NE(page.find(">Divide(main.Args, *main.Quotient) error</td>"), std::string::npos);
  EXPECT_NE(page.find(">Echo(string, *string) error</td>"), std::string::npos);
  EXPECT_NE(page.find("class=\"calls\">3</td>"), std::string::npos);
  EXPECT_NE(page.find("http-equiv=\"refresh\""), std::string::npos);

  auto json = boost::json::parse(Get(s.Address(), "/debug/rpc?format=json").body());
  const auto& multiply = MethodOf(json, "Arith", "Multiply");
  EXPECT_EQ(multiply.at("calls").to_number<uint64_t>(), 3u);
  EXPECT_EQ(multiply.at("errors").to_number<uint64_t>(), 0u);
  EXPECT_EQ(multiply.at("in_flight").to_number<uint64_t>(), 0u);
  EXPECT_EQ(multiply.at("args").as_string(), "main.Args");
  EXPECT_EQ(multiply.at("reply").as_string(), "*int64");
  EXPECT_GT(multiply.at("p50_ns").to_number<int64_t>(), 0);
  EXPECT_GE(multiply.at("p99_ns").to_number<int64_t>(), multiply.at("p50_ns").to_number<int64_t>());
  const auto& divide = MethodOf(json, "Arith", "Divide");
  EXPECT_EQ(divide.at("calls").to_number<uint64_t>(), 1u);
  EXPECT_EQ(divide.at("errors").to_number<uint64_t>(), 1u);
  const auto& native = ProtocolOf(json, "native");
  EXPECT_EQ(native.at("open").to_number<uint64_t>(), 1u);  // the client above
  EXPECT_EQ(native.at("total").to_number<uint64_t>(), 1u);
  EXPECT_GT(native.at("bytes_in").to_number<uint64_t>(), 4 * 10u);
  EXPECT_GT(native.at("bytes_out").to_number<uint64_t>(), 4 * 5u);
  EXPECT_GE(ProtocolOf(json, "http").at("open").to_number<uint64_t>(), 1u);  // this request's
}

TEST(DebugPage, CountsCallsInFlightAndConnectionsByProtocol) {
  testsvc::TestServer s;
  s.server().HandleHTTP();
  auto gob = testsvc::MustDial(s.Address(), {.protocol = netrpc::Protocol::kGob});
  auto json_client = testsvc::MustDial(s.Address(), {.protocol = netrpc::Protocol::kJson});
  int64_t reply = 0;
  auto slow = gob->Go("Arith.Sleep", Args{400, 1}, &reply);
  // Wait until the server counts it, then look: it is in flight.
  boost::json::value page;
  for (int i = 0; i < 200; ++i) {
    page = boost::json::parse(Get(s.Address(), "/debug/rpc?format=json").body());
    if (MethodOf(page, "Arith", "Sleep").at("in_flight").to_number<uint64_t>() == 1) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(MethodOf(page, "Arith", "Sleep").at("in_flight").to_number<uint64_t>(), 1u);
  EXPECT_EQ(ProtocolOf(page, "gob").at("open").to_number<uint64_t>(), 1u);
  EXPECT_EQ(ProtocolOf(page, "jsonrpc").at("open").to_number<uint64_t>(), 0u);  // no bytes sent yet
  int64_t r = 0;
  ASSERT_FALSE(json_client->Call("Arith.Multiply", Args{2, 3}, &r));
  ASSERT_FALSE(slow->Wait());
  page = boost::json::parse(Get(s.Address(), "/debug/rpc?format=json").body());
  EXPECT_EQ(MethodOf(page, "Arith", "Sleep").at("in_flight").to_number<uint64_t>(), 0u);
  EXPECT_GE(MethodOf(page, "Arith", "Sleep").at("p50_ns").to_number<int64_t>(), 400'000'000);
  EXPECT_EQ(ProtocolOf(page, "jsonrpc").at("open").to_number<uint64_t>(), 1u);
  gob.reset();
  for (int i = 0; i < 200; ++i) {
    page = boost::json::parse(Get(s.Address(), "/debug/rpc?format=json").body());
    if (ProtocolOf(page, "gob").at("open").to_number<uint64_t>() == 0) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(ProtocolOf(page, "gob").at("open").to_number<uint64_t>(), 0u);
  EXPECT_EQ(ProtocolOf(page, "gob").at("total").to_number<uint64_t>(), 1u);
}

TEST(DebugPage, OtherPathsAndEscapedNames) {
  netrpc::Server server;
  testsvc::Arith arith;
  ASSERT_FALSE(server.RegisterName("A<b>&", arith));
  server.HandleHTTP("/rpc", "/_dbg");
  ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  auto res = Get(server.Address(), "/_dbg");
  EXPECT_NE(res.body().find("Service A&lt;b&gt;&amp;\n"), std::string::npos) << res.body();
  EXPECT_EQ(Get(server.Address(), "/debug/rpc").result_int(), 404);
  EXPECT_EQ(Get(server.Address(), "/rpc").result_int(), 405);
  auto c = netrpc::DialHTTPPath("tcp", server.Address(), "/rpc");
  ASSERT_TRUE(c.ok()) << c.error().message();
  int64_t r = 0;
  EXPECT_FALSE((*c)->Call("A<b>&.Multiply", Args{3, 3}, &r));
  EXPECT_EQ(r, 9);
  // Go's DialHTTP to a path nobody serves: Go's 404, read from a bare-LF CONNECT.
  auto wrong = netrpc::DialHTTP("tcp", server.Address());
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("unexpected HTTP response: 404 Not Found"),
            std::string::npos)
      << wrong.error().message();
}

TEST(Handlers, HealthCheckBesideRpcAndDebugPage) {
  testsvc::TestServer s;
  s.server().HandleHTTP();
  std::atomic<int> hits{0};
  ASSERT_FALSE(s.server().HandleFunc(
      "/healthz", [&](const netrpc::HttpRequest& req, netrpc::HttpResponse* res) {
        ++hits;
        res->body = "ok " + req.method + " " + req.query + " " + std::string(req.Header("x-test")) +
                    " " + req.body;
        res->header.emplace_back("X-Served-By", "netrpc");
      }));
  HttpConn conn(s.Address());
  auto res = conn.Send(bhttp::verb::get, "/healthz?verbose=1");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok GET verbose=1 yes ");
  EXPECT_EQ(res["X-Served-By"], "netrpc");
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain; charset=utf-8");
  // Keep-alive: the same connection serves the next requests.
  res = conn.Send(bhttp::verb::post, "/healthz", "payload");
  EXPECT_EQ(res.body(), "ok POST  yes payload");
  res = conn.Send(bhttp::verb::head, "/healthz");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bhttp::field::content_length], "13");  // "ok HEAD  yes ", not sent
  res = conn.Send(bhttp::verb::get, "/nothing-here");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(), "404 page not found\n");  // Go's NotFound
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(conn.Send(bhttp::verb::get, "/debug/rpc").result_int(), 200);
  EXPECT_EQ(hits.load(), 3);
  // RPC on the same port still works.
  auto client = testsvc::MustDial(s.Address());
  int64_t r = 0;
  EXPECT_FALSE(client->Call("Arith.Multiply", Args{6, 7}, &r));
  EXPECT_EQ(r, 42);
}

TEST(Handlers, ServeMuxPatternsAsGo) {
  testsvc::TestServer s;
  auto answer = [](std::string text) {
    return [text](const netrpc::HttpRequest&, netrpc::HttpResponse* res) { res->body = text; };
  };
  ASSERT_FALSE(s.server().HandleFunc("/static/", answer("tree")));
  ASSERT_FALSE(s.server().HandleFunc("/static/img/", answer("img")));
  ASSERT_FALSE(s.server().HandleFunc("/exact", answer("exact")));
  ASSERT_FALSE(
      s.server().HandleFunc("/teapot", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) {
        res->status = 418;
        res->header.emplace_back("Content-Type", "application/json");
        res->body = "{}";
      }));
  EXPECT_EQ(Get(s.Address(), "/static/a.css").body(), "tree");
  EXPECT_EQ(Get(s.Address(), "/static/img/x.png").body(), "img");  // the longest wins
  EXPECT_EQ(Get(s.Address(), "/exact").body(), "exact");
  EXPECT_EQ(Get(s.Address(), "/exact/more").result_int(), 404);
  auto moved = Get(s.Address(), "/static");  // Go redirects to the subtree
  EXPECT_EQ(moved.result_int(), 301);
  EXPECT_EQ(moved[bhttp::field::location], "/static/");
  auto teapot = Get(s.Address(), "/teapot");
  EXPECT_EQ(teapot.result_int(), 418);
  EXPECT_EQ(teapot[bhttp::field::content_type], "application/json");

  EXPECT_EQ(s.server().HandleFunc("/exact", answer("again")).message(),
            "http: multiple registrations for /exact");
  EXPECT_EQ(s.server().HandleFunc("/_goRPC_", answer("x")).message(),
            "http: multiple registrations for /_goRPC_");
  EXPECT_EQ(s.server().HandleFunc("", answer("x")).message(), "http: invalid pattern");
  EXPECT_TRUE(s.server().HandleFunc("example.com/", answer("x")));
  EXPECT_EQ(s.server().HandleFunc("/nil", nullptr).message(), "http: nil handler");
  // The debug page is still off: handlers alone do not turn it on.
  EXPECT_EQ(Get(s.Address(), "/debug/rpc").result_int(), 404);
}

TEST(Handlers, AThrowingOrInvalidHandlerGets500AndTheConnectionCarriesOn) {
  testsvc::TestServer s;
  ASSERT_FALSE(s.server().HandleFunc(
      "/boom",
      [](const netrpc::HttpRequest&, netrpc::HttpResponse*) { throw std::runtime_error("boom"); }));
  ASSERT_FALSE(s.server().HandleFunc(
      "/ok", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) { res->body = "ok"; }));
  ASSERT_FALSE(s.server().HandleFunc("/bad-status",
                                     [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) {
                                       res->status = 1000;  // not an HTTP status
                                     }));
  HttpConn conn(s.Address());
  EXPECT_EQ(conn.Send(bhttp::verb::get, "/boom").result_int(), 500);
  EXPECT_EQ(conn.Send(bhttp::verb::get, "/bad-status").result_int(), 500);
  EXPECT_EQ(conn.Send(bhttp::verb::get, "/ok").body(), "ok");
}

TEST(Handlers, ConnectAfterAnHttpRequestOnTheSameConnection) {
  testsvc::TestServer s;
  s.server().HandleHTTP();
  HttpConn conn(s.Address());
  EXPECT_EQ(conn.Send(bhttp::verb::get, "/debug/rpc").result_int(), 200);
  // Go's handshake on the kept-alive connection, then a gob stream on the same socket.
  std::string connect = "CONNECT /_goRPC_ HTTP/1.0\r\n\r\n";
  asio::write(conn.socket(), asio::buffer(connect));
  std::string answer(34, '\0');
  asio::read(conn.socket(), asio::buffer(answer));
  EXPECT_EQ(answer, "HTTP/1.0 200 Connected to Go RPC\n\n");
  ASSERT_EQ(conn.buffer().size(), 0u);
  auto client = netrpc::NewClient(conn.socket().release(), {.protocol = netrpc::Protocol::kGob});
  ASSERT_TRUE(client.ok()) << client.error().message();
  int64_t r = 0;
  EXPECT_FALSE((*client)->Call("Arith.Multiply", Args{5, 5}, &r));
  EXPECT_EQ(r, 25);
}

TEST(Handlers, RefusedInputClosesOnlyThatConnection) {
  testsvc::TestServer s;
  ASSERT_FALSE(s.server().HandleFunc(
      "/ok", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) { res->body = "ok"; }));
  {  // a body over the limit: 413, then the connection closes
    HttpConn conn(s.Address());
    auto res = conn.Send(bhttp::verb::post, "/ok", std::string((1 << 20) + 1, 'x'));
    EXPECT_EQ(res.result_int(), 413);
  }
  {  // a header line that is not HTTP: 400
    HttpConn conn(s.Address());
    std::string bad = "GET /ok HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n";
    asio::write(conn.socket(), asio::buffer(bad));
    EXPECT_EQ(conn.Read().result_int(), 400);
  }
  EXPECT_EQ(Get(s.Address(), "/ok").body(), "ok");
}

// What a reviewer's attacks found (each once broke the server).
TEST(Review, PipelinedRequestsAreAnsweredInOrder) {
  testsvc::TestServer s;
  ASSERT_FALSE(s.server().HandleFunc(
      "/n",
      [](const netrpc::HttpRequest& req, netrpc::HttpResponse* res) { res->body = req.query; }));
  HttpConn conn(s.Address());
  std::string burst;
  for (int i = 0; i < 50; ++i) {
    burst += "GET /n?" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  asio::write(conn.socket(), asio::buffer(burst));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(conn.Read().body(), std::to_string(i));
}

TEST(Review, AChunkLineThatNeverEndsIsRefused) {
  testsvc::TestServer s;
  ASSERT_FALSE(s.server().HandleFunc(
      "/ok", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) { res->body = "ok"; }));
  HttpConn conn(s.Address());
  std::string bad = "POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=" +
                    std::string(64 * 1024, 'a');
  asio::write(conn.socket(), asio::buffer(bad));
  EXPECT_EQ(conn.Read().result_int(), 400);
  EXPECT_EQ(Get(s.Address(), "/ok").body(), "ok");
}

TEST(Review, HandlerAnswersAreWrittenAsGoWritesThem) {
  testsvc::TestServer s;
  ASSERT_FALSE(
      s.server().HandleFunc("/inject", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) {
        res->header.emplace_back("X-Echo", "a\r\nSet-Cookie: evil=1");
        res->header.emplace_back("Bad Name", "dropped");
        res->body = "ok";
      }));
  ASSERT_FALSE(
      s.server().HandleFunc("/empty", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) {
        res->status = 204;
        res->body = "a body a 204 may not have";
      }));
  ASSERT_FALSE(
      s.server().HandleFunc("/bye", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) {
        res->header.emplace_back("Connection", "close");
        res->body = "bye";
      }));
  HttpConn conn(s.Address());
  auto res = conn.Send(bhttp::verb::get, "/inject");
  EXPECT_EQ(res["X-Echo"], "a  Set-Cookie: evil=1");
  EXPECT_EQ(res.count(bhttp::field::set_cookie), 0u);
  EXPECT_EQ(res.count("Bad Name"), 0u);
  res = conn.Send(bhttp::verb::get, "/empty");  // Go drops the body, keeps the connection
  EXPECT_EQ(res.result_int(), 204);
  EXPECT_EQ(res.body(), "");
  res = conn.Send(bhttp::verb::get, "/bye");
  EXPECT_EQ(res.body(), "bye");
  EXPECT_FALSE(res.keep_alive());
  boost::system::error_code ec;
  char byte;
  conn.socket().read_some(asio::buffer(&byte, 1), ec);  // the server closed after it
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(Review, RoutingAsGoServeMux) {
  testsvc::TestServer s;
  s.server().HandleHTTP();
  auto answer = [](std::string text) {
    return [text](const netrpc::HttpRequest&, netrpc::HttpResponse* res) { res->body = text; };
  };
  ASSERT_FALSE(s.server().HandleFunc("/", answer("root")));
  ASSERT_FALSE(s.server().HandleFunc("/tree/", answer("tree")));
  auto moved = Get(s.Address(), "/tree?q=1");  // Go: the subtree's redirect before "/"
  EXPECT_EQ(moved.result_int(), 301);
  EXPECT_EQ(moved[bhttp::field::location], "/tree/?q=1");
  EXPECT_EQ(Get(s.Address(), "/elsewhere").body(), "root");
  EXPECT_EQ(Get(s.Address(), "/debug/%72pc").result_int(), 200);          // %-decoded, as Go
  EXPECT_EQ(Get(s.Address(), "http://127.0.0.1/tree/x").body(), "tree");  // absolute form
}

TEST(Review, AnIdleTimeoutSparesAConnectionWhoseHandlerRuns) {
  testsvc::TestServer s({.idle_timeout = 200ms});
  ASSERT_FALSE(
      s.server().HandleFunc("/slow", [](const netrpc::HttpRequest&, netrpc::HttpResponse* res) {
        std::this_thread::sleep_for(700ms);
        res->body = "done";
      }));
  EXPECT_EQ(Get(s.Address(), "/slow").body(), "done");
}

}  // namespace
