// auth_test.cc: the auth hook (ServerOptions::auth, netrpc/auth.h) over 127.0.0.1: a bearer
// token in a native call's metadata, the peer's address and mTLS names, refused connections,
// the HTTP endpoints on the port, large requests, and what a real Go client gets.
#include <gtest/gtest.h>
#include <netrpc/registry.h>
#include <netrpc/tls.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "codec/gob.h"
#include "run_go.h"
#include "test_certs.h"
#include "test_service.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;
using testsvc::Args;

constexpr std::string_view kToken = "Bearer s3cret";
constexpr std::string_view kRefusal = "auth: missing or wrong bearer token";

// Seen is one question the hook was asked, copied out of its AuthRequest.
struct Seen {
  netrpc::AuthPhase phase;
  netrpc::Peer peer;
  std::string service_method;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string http_method, http_path;
};

// Recorder keeps what the hook saw; the hook runs on the server's I/O threads.
class Recorder {
 public:
  void Add(const netrpc::AuthRequest& r) {
    Seen s{r.phase, r.peer, std::string(r.service_method), r.metadata, {}, {}};
    if (r.http != nullptr) {
      s.http_method = r.http->method;
      s.http_path = r.http->path;
    }
    std::lock_guard lock(mu_);
    seen_.push_back(std::move(s));
  }
  std::vector<Seen> Of(netrpc::AuthPhase phase) {
    std::lock_guard lock(mu_);
    std::vector<Seen> out;
    for (const auto& s : seen_) {
      if (s.phase == phase) out.push_back(s);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<Seen> seen_;
};

// BearerHook is the hook of most tests: every connection is admitted; a call needs the token
// in its "authorization" metadata, except Arith.Add, which is public; an HTTP request needs
// it in its Authorization header. It records every question in *recorder.
netrpc::AuthHook BearerHook(Recorder* recorder) {
  return [recorder](const netrpc::AuthRequest& r) -> netrpc::Error {
    recorder->Add(r);
    switch (r.phase) {
      case netrpc::AuthPhase::kConnection:
        return {};
      case netrpc::AuthPhase::kCall:
        if (r.service_method == "Arith.Add" || r.MetadataValue("authorization") == kToken) {
          return {};
        }
        return netrpc::Error(std::string(kRefusal));
      case netrpc::AuthPhase::kHttp:
        if (r.http->Header("Authorization") == kToken) return {};
        return netrpc::Error(std::string(kRefusal));
    }
    return netrpc::Error("unknown phase");
  };
}

netrpc::CallOptions WithToken(std::string_view token = kToken) {
  return {.metadata = {{"authorization", std::string(token)}}};
}

TEST(Auth, NativeCallNeedsTheTokenAndTheConnectionCarriesOn) {
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  auto client = testsvc::MustDial(server.Address());
  int64_t product = 0;
  netrpc::Error err = client->Call("Arith.Multiply", Args{7, 8}, &product);
  EXPECT_EQ(err, netrpc::ServerError(std::string(kRefusal)));
  EXPECT_EQ(product, 0);
  err = client->Call("Arith.Multiply", Args{7, 8}, &product, WithToken("Bearer wrong"));
  EXPECT_EQ(err, netrpc::ServerError(std::string(kRefusal)));
  // Refused before the lookup: an unknown method is not told apart from a known one.
  err = client->Call("Arith.Nonesuch", Args{7, 8}, &product);
  EXPECT_EQ(err, netrpc::ServerError(std::string(kRefusal)));
  // The same client, the same connection: the refused calls' bodies were skipped in step.
  ASSERT_FALSE(client->Call("Arith.Multiply", Args{7, 8}, &product, WithToken()));
  EXPECT_EQ(product, 56);
  int64_t sum = 0;
  ASSERT_FALSE(client->Call("Arith.Add", Args{7, 8}, &sum));  // public: no token needed
  EXPECT_EQ(sum, 15);
  EXPECT_EQ(server.server().NumCalls("Arith.Multiply"), 1u);  // refused calls never ran

  auto calls = recorder.Of(netrpc::AuthPhase::kCall);
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0].service_method, "Arith.Multiply");
  EXPECT_TRUE(calls[0].metadata.empty());
  EXPECT_EQ(calls[1].metadata,
            (std::vector<std::pair<std::string, std::string>>{{"authorization", "Bearer wrong"}}));
  EXPECT_EQ(calls[2].service_method, "Arith.Nonesuch");
  EXPECT_EQ(
      calls[3].metadata,
      (std::vector<std::pair<std::string, std::string>>{{"authorization", std::string(kToken)}}));
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kConnection).size(), 1u);
}

TEST(Auth, TheHookSeesThePeersAddress) {
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  auto conn = netrpc::DialConn("tcp", server.Address());
  ASSERT_TRUE(conn.ok()) << conn.error();
  std::string local = conn->LocalAddress();
  auto client = netrpc::NewClient(*conn);
  ASSERT_TRUE(client.ok()) << client.error();
  int64_t product = 0;
  ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{6, 7}, &product, WithToken()));
  EXPECT_EQ(product, 42);
  auto connections = recorder.Of(netrpc::AuthPhase::kConnection);
  ASSERT_EQ(connections.size(), 1u);
  EXPECT_EQ(connections[0].peer.address, local);  // "127.0.0.1:PORT", this client's own
  EXPECT_EQ(connections[0].peer.subject, "");     // plaintext: no certificate
  EXPECT_TRUE(connections[0].peer.names.empty());
  auto calls = recorder.Of(netrpc::AuthPhase::kCall);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].peer.address, local);
}

TEST(Auth, GoProtocolsCarryNoMetadata) {
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  const netrpc::DialOptions dials[] = {{.protocol = netrpc::Protocol::kGob},
                                       {.protocol = netrpc::Protocol::kJson},
                                       {.protocol = netrpc::Protocol::kGob, .gee_option = true},
                                       {.protocol = netrpc::Protocol::kJson, .gee_option = true}};
  for (const netrpc::DialOptions& options : dials) {
    auto client = netrpc::Dial("tcp", server.Address(), options);
    ASSERT_TRUE(client.ok()) << client.error();
    int64_t product = 0;
    // The token is in the options, but gob, JSON-RPC and GeeRPC have no place for it.
    EXPECT_EQ((*client)->Call("Arith.Multiply", Args{7, 8}, &product, WithToken()),
              netrpc::ServerError(std::string(kRefusal)));
    int64_t sum = 0;
    ASSERT_FALSE((*client)->Call("Arith.Add", Args{7, 8}, &sum));
    EXPECT_EQ(sum, 15);
  }
  auto calls = recorder.Of(netrpc::AuthPhase::kCall);
  EXPECT_EQ(calls.size(), 8u);
  for (const Seen& call : calls) EXPECT_TRUE(call.metadata.empty()) << call.service_method;
}

TEST(Auth, ALargeRequestIsAskedAboutOnceAndRefusedInStep) {
  // Past 256 KiB a request is read straight into its argument (BeginLarge): the hook must be
  // asked once per call, and a refusal must skip the body.
  Recorder recorder;
  std::atomic<bool> open{false};  // Echo admitted without the token
  netrpc::AuthHook bearer = BearerHook(&recorder);
  testsvc::TestServer server({.auth = [&](const netrpc::AuthRequest& r) -> netrpc::Error {
    if (r.phase == netrpc::AuthPhase::kCall && r.service_method == "Arith.Echo" && open.load()) {
      recorder.Add(r);
      return {};
    }
    return bearer(r);
  }});
  auto client = testsvc::MustDial(server.Address());
  std::string echoed;
  // A first call agrees on the types, so that the large calls after it carry no records.
  ASSERT_FALSE(client->Call("Arith.Echo", std::string("hi"), &echoed, WithToken()));
  EXPECT_EQ(echoed, "hi");
  std::string big(1 << 20, 'x');
  echoed.clear();
  EXPECT_EQ(client->Call("Arith.Echo", big, &echoed), netrpc::ServerError(std::string(kRefusal)));
  EXPECT_EQ(echoed, "");
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kCall).size(), 2u);  // once, not again by Dispatch
  open.store(true);
  ASSERT_FALSE(client->Call("Arith.Echo", big, &echoed));  // admitted, read tail-first
  EXPECT_EQ(echoed, big);
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kCall).size(), 3u);
  open.store(false);  // no answer of an earlier call is left over for the next one
  EXPECT_EQ(client->Call("Arith.Echo", std::string("hi"), &echoed),
            netrpc::ServerError(std::string(kRefusal)));
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kCall).size(), 4u);
  // A large call with metadata has records after its body, also on the tail-first path: the
  // hook is asked once they are read, so it sees this call's token, and a wrong one refuses.
  ASSERT_FALSE(client->Call("Arith.Echo", big, &echoed, WithToken()));
  EXPECT_EQ(echoed, big);
  auto calls = recorder.Of(netrpc::AuthPhase::kCall);
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls.back().metadata, WithToken().metadata);
  echoed.clear();
  EXPECT_EQ(client->Call("Arith.Echo", big, &echoed, WithToken("Bearer wrong")),
            netrpc::ServerError(std::string(kRefusal)));
  EXPECT_EQ(echoed, "");
  calls = recorder.Of(netrpc::AuthPhase::kCall);
  ASSERT_EQ(calls.size(), 6u);
  EXPECT_EQ(calls.back().metadata, WithToken("Bearer wrong").metadata);
  ASSERT_FALSE(client->Call("Arith.Echo", std::string("after"), &echoed, WithToken()));
  EXPECT_EQ(echoed, "after");

  // Over gob too, whose stream keeps type state: the refused body is read past, not lost.
  auto gob = netrpc::Dial("tcp", server.Address(), {.protocol = netrpc::Protocol::kGob});
  ASSERT_TRUE(gob.ok()) << gob.error();
  EXPECT_EQ((*gob)->Call("Arith.Echo", big, &echoed), netrpc::ServerError(std::string(kRefusal)));
  int64_t sum = 0;
  ASSERT_FALSE((*gob)->Call("Arith.Add", Args{1, 2}, &sum));
  EXPECT_EQ(sum, 3);
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kCall).size(), 9u);
}

// LogCapture collects netrpc's warnings while it lives.
class LogCapture {
 public:
  LogCapture() {
    netrpc::SetLogSink(netrpc::LogLevel::kWarning, [this](netrpc::LogLevel, std::string_view m) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(m);
    });
  }
  ~LogCapture() { netrpc::ResetLogSink(); }
  // WaitFor waits up to 5 s for n lines containing text.
  bool WaitFor(std::string_view text, size_t n = 1) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu_);
        size_t count = 0;
        for (const auto& l : lines_) count += l.find(text) != std::string::npos;
        if (count >= n) return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// Closed is whether err is what a call gets from a connection the server closed: cut off
// while waiting (kUnexpectedEof), reset while sending (kIo), or started after the client saw
// the close (ErrShutdown, as Go's client answers then). Which one is a matter of timing.
testing::AssertionResult Closed(const netrpc::Error& err) {
  if (err.code() == netrpc::ErrorCode::kUnexpectedEof || err.code() == netrpc::ErrorCode::kIo ||
      err == netrpc::ErrShutdown) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "not a closed connection's error: " << err;
}

TEST(Auth, ARefusedConnectionIsClosedAndFreesItsPlace) {
  LogCapture log;
  std::atomic<bool> refuse{false};
  // Two connections at most: refused ones must leave the count, or the last dial fails.
  testsvc::TestServer server(
      {.max_connections = 2, .auth = [&refuse](const netrpc::AuthRequest& r) -> netrpc::Error {
         if (r.phase == netrpc::AuthPhase::kConnection && refuse.load()) {
           return netrpc::Error("not today");
         }
         return {};
       }});
  auto admitted = testsvc::MustDial(server.Address());
  int64_t product = 0;
  ASSERT_FALSE(admitted->Call("Arith.Multiply", Args{2, 3}, &product));
  refuse.store(true);
  for (int i = 0; i < 5; ++i) {
    auto client = netrpc::Dial("tcp", server.Address());
    ASSERT_TRUE(client.ok()) << client.error();  // the TCP connect is accepted, then closed
    EXPECT_TRUE(Closed((*client)->Call("Arith.Multiply", Args{2, 3}, &product)));
  }
  EXPECT_TRUE(log.WaitFor("refused by the auth hook: not today", 5));
  // The admitted connection is untouched.
  ASSERT_FALSE(admitted->Call("Arith.Multiply", Args{4, 5}, &product));
  EXPECT_EQ(product, 20);
  refuse.store(false);
  // The server forgets a closed connection just after the client sees it close: try a few
  // times, a bounded while.
  netrpc::Error last;
  for (int i = 0; i < 100; ++i) {
    auto client = netrpc::Dial("tcp", server.Address());
    if (client.ok() && !(last = (*client)->Call("Arith.Multiply", Args{6, 7}, &product))) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(last) << last;
  EXPECT_EQ(product, 42);
}

// HttpConn is a plain Beast client on one connection, for requests in sequence.
class HttpConn {
 public:
  explicit HttpConn(const std::string& address) : socket_(io_) {
    auto colon = address.rfind(':');
    socket_.connect({asio::ip::make_address(address.substr(0, colon)),
                     static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))});
  }
  bhttp::response<bhttp::string_body> Send(
      bhttp::verb method, const std::string& target,
      std::vector<std::pair<std::string, std::string>> header) {
    bhttp::request<bhttp::string_body> req(method, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : header) req.set(name, value);
    req.prepare_payload();
    bhttp::write(socket_, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket_, buffer_, res);
    return res;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

TEST(Auth, HttpEndpointsNeedTheTokenAndKeepAliveCarriesOn) {
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  server.server().HandleHTTP();
  netrpc::Registry registry;
  ASSERT_FALSE(registry.HandleHTTP(server.server()));
  HttpConn http(server.Address());
  const std::pair<std::string, std::string> auth{"Authorization", std::string(kToken)};

  auto res = http.Send(bhttp::verb::get, "/debug/rpc", {});
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res.body(), std::string(kRefusal) + "\n");
  EXPECT_EQ(res[bhttp::field::www_authenticate], "Bearer");
  EXPECT_TRUE(res.keep_alive());
  res = http.Send(bhttp::verb::get, "/debug/rpc", {auth});  // the same connection
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("Arith"), std::string::npos);

  res = http.Send(bhttp::verb::post, "/_geerpc_/registry", {{"X-Geerpc-Server", "tcp@10.0.0.1:1"}});
  EXPECT_EQ(res.result_int(), 401);
  EXPECT_EQ(res.body(), std::string(kRefusal) + "\n");
  EXPECT_TRUE(registry.Alive().empty());
  res = http.Send(bhttp::verb::post, "/_geerpc_/registry",
                  {{"X-Geerpc-Server", "tcp@10.0.0.1:1"}, auth});
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(registry.Alive(), std::vector<std::string>{"tcp@10.0.0.1:1"});
  // A path nothing serves is refused too: without the token nothing is learnt of the routes.
  EXPECT_EQ(http.Send(bhttp::verb::get, "/nothing", {}).result_int(), 401);
  EXPECT_EQ(http.Send(bhttp::verb::get, "/nothing", {auth}).result_int(), 404);

  auto asked = recorder.Of(netrpc::AuthPhase::kHttp);
  ASSERT_EQ(asked.size(), 6u);
  EXPECT_EQ(asked[0].http_method, "GET");
  EXPECT_EQ(asked[0].http_path, "/debug/rpc");
  EXPECT_EQ(asked[2].http_method, "POST");
  EXPECT_EQ(asked[2].http_path, "/_geerpc_/registry");
  EXPECT_EQ(asked[2].peer.address, asked[0].peer.address);
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kConnection).size(), 1u);

  // CONNECT to the RPC path is not an HTTP request the hook is asked about: the calls that
  // follow are, one by one, as on any connection.
  auto client = netrpc::DialHTTP("tcp", server.Address());
  ASSERT_TRUE(client.ok()) << client.error();
  int64_t product = 0;
  EXPECT_EQ((*client)->Call("Arith.Multiply", Args{7, 8}, &product),
            netrpc::ServerError(std::string(kRefusal)));
  int64_t sum = 0;
  ASSERT_FALSE((*client)->Call("Arith.Add", Args{7, 8}, &sum));
  EXPECT_EQ(sum, 15);
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kHttp).size(), 6u);
}

TEST(Auth, AThrowingHookRefuses) {
  testsvc::TestServer server({.auth = [](const netrpc::AuthRequest& r) -> netrpc::Error {
    if (r.phase == netrpc::AuthPhase::kCall && r.service_method == "Arith.Multiply") {
      throw std::runtime_error("database down");
    }
    if (r.phase == netrpc::AuthPhase::kCall && r.service_method == "Arith.Divide") {
      return netrpc::Error(netrpc::ErrorCode::kGeneric, "");  // a refusal with no words
    }
    return {};
  }});
  auto client = testsvc::MustDial(server.Address());
  int64_t product = 0;
  // What the hook threw is logged, not sent.
  EXPECT_EQ(client->Call("Arith.Multiply", Args{7, 8}, &product),
            netrpc::ServerError("refused (the auth hook failed)"));
  testsvc::Quotient quo;
  EXPECT_EQ(client->Call("Arith.Divide", Args{7, 8}, &quo), netrpc::ServerError("refused"));
  int64_t sum = 0;
  ASSERT_FALSE(client->Call("Arith.Add", Args{7, 8}, &sum));
  EXPECT_EQ(sum, 15);
}

// Go's ServeRequest answers a refused call and returns the refusal, as it returns an unknown
// method's error; the hook sees a Pipe's peer as "pipe".
TEST(Auth, ServeRequestReturnsTheRefusal) {
  Recorder recorder;
  netrpc::Server server({.auth = BearerHook(&recorder)});
  testsvc::Arith arith;
  ASSERT_FALSE(server.Register(arith));
  auto [client_end, server_end] = netrpc::Pipe();
  auto codec = netrpc::codec::NewGobServerCodec({}, netrpc::codec::GobHeaders::kNetRpc, server_end);
  auto client = netrpc::NewClient(client_end, {.protocol = netrpc::Protocol::kGob});
  ASSERT_TRUE(client.ok()) << client.error();
  int64_t product = 0, sum = 0;
  auto refused = (*client)->Go("Arith.Multiply", Args{7, 8}, &product);
  EXPECT_EQ(server.ServeRequest(*codec), netrpc::Error(std::string(kRefusal)));
  EXPECT_EQ(refused->Wait(), netrpc::ServerError(std::string(kRefusal)));
  auto admitted = (*client)->Go("Arith.Add", Args{7, 8}, &sum);
  EXPECT_FALSE(server.ServeRequest(*codec));
  ASSERT_FALSE(admitted->Wait());
  EXPECT_EQ(sum, 15);
  auto calls = recorder.Of(netrpc::AuthPhase::kCall);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].peer.address, "pipe");
  EXPECT_TRUE(recorder.Of(netrpc::AuthPhase::kConnection).empty());  // the call phase only
  client_end.Close();
}

using testcerts::Cert;
// AuthTls has the mTLS test's certificates (test_certs.h).
class AuthTls : public testcerts::CertsTest {};

TEST_F(AuthTls, TheHookSeesTheVerifiedClientCertificate) {
  Recorder recorder;
  // Admitted by the certificate's subject, which only the client CA's holders can show.
  netrpc::Server server({.auth = [&recorder](const netrpc::AuthRequest& r) -> netrpc::Error {
    recorder.Add(r);
    if (r.peer.subject == "CN=client,O=netrpc test") return {};
    return netrpc::Error("who are you?");
  }});
  testsvc::Arith arith;
  ASSERT_FALSE(server.Register(arith));
  ASSERT_FALSE(server.ListenTLS(
      "tcp", "127.0.0.1:0",
      {.certificate = {.cert_file = Cert("server.pem"), .key_file = Cert("server.key")},
       .client_ca_file = Cert("ca.pem"),
       .client_auth = netrpc::ClientAuth::kRequest}));
  netrpc::TlsDialOptions tls{
      .ca_file = Cert("ca.pem"),
      .certificate = {.cert_file = Cert("client.pem"), .key_file = Cert("client.key")}};
  auto client = netrpc::DialTLS("tcp", server.Address(), tls);
  ASSERT_TRUE(client.ok()) << client.error();
  int64_t product = 0;
  ASSERT_FALSE((*client)->Call("Arith.Multiply", Args{7, 8}, &product));
  EXPECT_EQ(product, 56);
  auto calls = recorder.Of(netrpc::AuthPhase::kCall);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].peer.subject, "CN=client,O=netrpc test");
  EXPECT_EQ(calls[0].peer.names, std::vector<std::string>{"client.example"});
  auto connections = recorder.Of(netrpc::AuthPhase::kConnection);
  ASSERT_EQ(connections.size(), 1u);
  EXPECT_EQ(connections[0].peer.subject, "CN=client,O=netrpc test");

  // Without a certificate (kRequest lets the handshake through) the hook refuses the
  // connection, as it has nobody to admit.
  auto anonymous = netrpc::DialTLS("tcp", server.Address(), {.ca_file = Cert("ca.pem")});
  ASSERT_TRUE(anonymous.ok()) << anonymous.error();
  EXPECT_TRUE(Closed((*anonymous)->Call("Arith.Multiply", Args{7, 8}, &product)));
  connections = recorder.Of(netrpc::AuthPhase::kConnection);
  ASSERT_EQ(connections.size(), 2u);
  EXPECT_EQ(connections[1].peer.subject, "");
  EXPECT_EQ(recorder.Of(netrpc::AuthPhase::kCall).size(), 1u);  // it never got to call
}

// A Go net/rpc client (tests/interop/go/authgob, over rpc.Dial and rpc.DialHTTP) gets the
// refused call's error as an rpc.ServerError with the hook's text, and its next call on the
// same client works.
TEST(Auth, GoClientGetsTheRefusalAsServerError) {
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  int status = -1;
  std::string out = testgo::RunGo("authgob", "-addr " + server.Address(), &status);
  EXPECT_EQ(status, 0) << out;
  // What authgob printed (go 1.19) against this server, pasted from its first run: Go's own
  // type for the refusal, and the next call on the same client answered.
  EXPECT_EQ(out,
            "gob Multiply: rpc.ServerError \"auth: missing or wrong bearer token\" "
            "ServerError=true\n"
            "gob Add: err=<nil> sum=15\n"
            "http Multiply: rpc.ServerError \"auth: missing or wrong bearer token\" "
            "ServerError=true\n"
            "http Add: err=<nil> sum=15\n");
}

}  // namespace

namespace {
TEST(AuthReview, ARefusedLargeCallLearnsNothingOfTheMethodOrItsType) {
  // A caller without the token sends 1 MiB of bytes to Arith.Echo, which takes a string.
  // Past 256 KiB the tail path reads the body and the records (with the client's type) before
  // the hook is asked: the answer must still be the refusal, not the type mismatch, which
  // would tell that the method exists and name its args type.
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  auto client = testsvc::MustDial(server.Address());
  std::string echoed;
  netrpc::Bytes small(10, 'x'), big(1 << 20, 'x');
  // The large call first, so that the method's type is described in its records.
  netrpc::Error big_err = client->Call("Arith.Echo", big, &echoed);
  netrpc::Error unknown_err = client->Call("Arith.Nope", big, &echoed);
  auto fresh = testsvc::MustDial(server.Address());
  netrpc::Error small_err = fresh->Call("Arith.Echo", small, &echoed);
  EXPECT_EQ(small_err, netrpc::ServerError(std::string(kRefusal)));
  EXPECT_EQ(big_err, netrpc::ServerError(std::string(kRefusal)));
  EXPECT_EQ(unknown_err, netrpc::ServerError(std::string(kRefusal)));
}

TEST(AuthReview, AGobTypeSentInARefusedCallIsKeptForTheNext) {
  // Gob sends a struct's type once per stream, with its first value. Arith.Multiply
  // (refused over gob: no metadata) carries Args' type; Arith.Add (public) then sends none.
  Recorder recorder;
  testsvc::TestServer server({.auth = BearerHook(&recorder)});
  auto gob = netrpc::Dial("tcp", server.Address(), {.protocol = netrpc::Protocol::kGob});
  ASSERT_TRUE(gob.ok()) << gob.error();
  int64_t out = 0;
  EXPECT_EQ((*gob)->Call("Arith.Multiply", Args{6, 7}, &out),
            netrpc::ServerError(std::string(kRefusal)));
  netrpc::Error add_err = (*gob)->Call("Arith.Add", Args{1, 2}, &out);
  EXPECT_FALSE(add_err);
  EXPECT_EQ(out, 3);
}
}  // namespace
