// tls_test.cc: TLS connections (src/transport/tls.cc) end to end over 127.0.0.1: every
// protocol inside TLS, mTLS, verification errors in Go's words, reload, plaintext on a TLS
// port, and handshakes that never finish. Certificates are made per run by make_test_certs.sh.
#include "transport/tls.h"

#include <gtest/gtest.h>
#include <netrpc/tls.h>
#include <poll.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "test_certs.h"
#include "test_service.h"
#include "transport/event_loop.h"
#include "transport/listener.h"

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using namespace std::chrono_literals;
using testsvc::Args;

using testcerts::Cert;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Tls : public testcerts::CertsTest {};

netrpc::TlsConfig ServerConfig(const std::string& name = "server") {
  return {.certificate = {.cert_file = Cert(name + ".pem"), .key_file = Cert(name + ".key")}};
}

netrpc::TlsDialOptions Trusting(const std::string& ca = "ca.pem") { return {.ca_file = Cert(ca)}; }

// TlsServer serves Arith over TLS on a free port.
class TlsServer {
 public:
  explicit TlsServer(const netrpc::TlsConfig& config, netrpc::ServerOptions options = {})
      : server_(options) {
    if (netrpc::Error err = server_.Register(arith_)) throw std::runtime_error(err.message());
    if (netrpc::Error err = server_.ListenTLS("tcp", "127.0.0.1:0", config)) {
      throw std::runtime_error(err.message());
    }
  }
  std::string Address() const { return server_.Address(); }
  netrpc::Server& server() { return server_; }

 private:
  testsvc::Arith arith_;
  netrpc::Server server_;
};

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
  // Count is how many lines contain text.
  size_t Count(std::string_view text) {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& l : lines_) n += l.find(text) != std::string::npos;
    return n;
  }
  // WaitFor waits up to 5 s for n lines containing text.
  bool WaitFor(std::string_view text, size_t n = 1) {
    for (int i = 0; i < 500; ++i) {
      if (Count(text) >= n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

tcp::endpoint Endpoint(const std::string& address) {
  auto colon = address.rfind(':');
  return {asio::ip::make_address(address.substr(0, colon)),
          static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))};
}

// RawTls is a blocking TLS client of Asio's own, for what netrpc's client does not show: the
// server's certificate, and HTTP inside TLS.
struct RawTls {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<ssl::stream<tcp::socket>> stream;

  boost::system::error_code Connect(const std::string& address) {
    ctx.load_verify_file(Cert("ca.pem"));
    ctx.set_verify_mode(ssl::verify_peer);
    stream = std::make_unique<ssl::stream<tcp::socket>>(io, ctx);
    boost::system::error_code ec;
    stream->lowest_layer().connect(Endpoint(address), ec);
    if (!ec) stream->handshake(ssl::stream_base::client, ec);
    return ec;
  }
  std::string PeerSubject() {
    X509* cert = SSL_get_peer_certificate(stream->native_handle());
    if (cert == nullptr) return "";
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
    X509_free(cert);
    return buf;
  }
  // Exchange writes request and reads until the server closes.
  std::string Exchange(const std::string& request) {
    asio::write(*stream, asio::buffer(request));
    std::string out;
    boost::system::error_code ec;
    asio::read(*stream, asio::dynamic_buffer(out), ec);
    return out;
  }
};

// ClosedWithin says whether the server closes socket within limit (EOF or reset), reading and
// dropping whatever it sends first.
bool ClosedWithin(tcp::socket& socket, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) <= 0) continue;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(buf), ec);
    if (ec) return true;
  }
  return false;
}

void ExpectArith(netrpc::Client& client) {
  int64_t product = 0;
  ASSERT_FALSE(client.Call("Arith.Multiply", Args{7, -8}, &product));
  EXPECT_EQ(product, -56);
  testsvc::Quotient q;
  EXPECT_EQ(client.Call("Arith.Divide", Args{1, 0}, &q), netrpc::ServerError("divide by zero"));
  std::string big(1 << 20, 'z'), echoed;  // many TLS records each way
  big[12345] = 'A';
  ASSERT_FALSE(client.Call("Arith.Echo", big, &echoed));
  EXPECT_EQ(echoed, big);
}

TEST_F(Tls, EveryProtocolInsideTls) {
  TlsServer s(ServerConfig());
  struct Case {
    const char* name;
    netrpc::DialOptions options;
    bool http;
  } cases[] = {
      {"native", {}, false},
      {"gob", {.protocol = netrpc::Protocol::kGob}, false},
      {"json", {.protocol = netrpc::Protocol::kJson}, false},
      {"geerpc", {.protocol = netrpc::Protocol::kJson, .gee_option = true}, false},
      {"geerpc-gob", {.protocol = netrpc::Protocol::kGob, .gee_option = true}, false},
      {"http", {}, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto client = c.http ? netrpc::DialHTTPTLS("tcp", s.Address(), Trusting(), c.options)
                         : netrpc::DialTLS("tcp", s.Address(), Trusting(), c.options);
    ASSERT_TRUE(client.ok()) << client.error();
    ExpectArith(**client);
  }
}

TEST_F(Tls, ServerNameDefaultsToTheHostAndMatchesDnsAndIpNames) {
  TlsServer s(ServerConfig());
  std::string port = s.Address().substr(s.Address().rfind(':'));
  for (std::string address : {"127.0.0.1" + port, "localhost" + port}) {
    SCOPED_TRACE(address);
    auto client = netrpc::DialTLS("tcp", address, Trusting());
    ASSERT_TRUE(client.ok()) << client.error();
    ExpectArith(**client);
  }
}

TEST_F(Tls, CertificateAndCasFromMemory) {
  netrpc::TlsConfig config{.certificate = {.cert_pem = ReadFile(Cert("server.pem")),
                                           .key_pem = ReadFile(Cert("server.key"))},
                           .client_ca_pem = ReadFile(Cert("ca.pem")),
                           .client_auth = netrpc::ClientAuth::kRequire};
  TlsServer s(config);
  netrpc::TlsDialOptions tls{.ca_pem = ReadFile(Cert("ca.pem")),
                             .certificate = {.cert_pem = ReadFile(Cert("client.pem")),
                                             .key_pem = ReadFile(Cert("client.key"))}};
  auto client = netrpc::DialTLS("tcp", s.Address(), tls);
  ASSERT_TRUE(client.ok()) << client.error();
  ExpectArith(**client);
}

TEST_F(Tls, ConfigurationErrorsAreUsageErrors) {
  netrpc::Server server;
  EXPECT_EQ(server.ListenTLS("tcp", "127.0.0.1:0", ServerConfig("missing")).code(),
            netrpc::ErrorCode::kUsage);
  EXPECT_EQ(server.ListenTLS("tcp", "127.0.0.1:0", {}),
            netrpc::Error(netrpc::ErrorCode::kUsage,
                          "tls: no certificate: set cert_file and key_file, or cert_pem and "
                          "key_pem"));
  auto mismatched = ServerConfig();
  mismatched.certificate.key_file = Cert("server2.key");
  netrpc::Error mismatch = server.ListenTLS("tcp", "127.0.0.1:0", mismatched);
  EXPECT_EQ(mismatch.code(), netrpc::ErrorCode::kUsage);
  EXPECT_NE(mismatch.message().find("key values mismatch"), std::string::npos) << mismatch;
  auto no_ca = ServerConfig();
  no_ca.client_auth = netrpc::ClientAuth::kRequire;
  EXPECT_EQ(server.ListenTLS("tcp", "127.0.0.1:0", no_ca),
            netrpc::Error(netrpc::ErrorCode::kUsage,
                          "tls: client_auth needs client_ca_file or client_ca_pem"));
  EXPECT_EQ(server.ListenTLS("unix", Cert("sock"), ServerConfig()).code(),
            netrpc::ErrorCode::kUsage);
  EXPECT_EQ(server.ReloadCertificate(ServerConfig().certificate),
            netrpc::Error(netrpc::ErrorCode::kUsage, "ReloadCertificate: no TLS listener"));
}

TEST_F(Tls, VerificationFailuresSayWhichInGosWords) {
  TlsServer s(ServerConfig());
  TlsServer expired(ServerConfig("expired"));
  struct Case {
    const char* name;
    std::string address;
    netrpc::TlsDialOptions tls;
    std::string want;  // crypto/x509's Error() texts (UnknownAuthorityError, ...)
  } cases[] = {
      {"wrong CA", s.Address(), Trusting("other_ca.pem"),
       "x509: certificate signed by unknown authority"},
      {"expired", expired.Address(), Trusting(),
       "x509: certificate has expired or is not yet valid"},
      {"DNS name",
       s.Address(),
       {.ca_file = Cert("ca.pem"), .server_name = "example.com"},
       "x509: certificate is valid for localhost, not example.com"},
      {"IP",
       s.Address(),
       {.ca_file = Cert("ca.pem"), .server_name = "10.1.2.3"},
       "x509: certificate is valid for 127.0.0.1, ::1, not 10.1.2.3"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto client = netrpc::DialTLS("tcp", c.address, c.tls);
    ASSERT_FALSE(client.ok());
    EXPECT_EQ(client.error().code(), netrpc::ErrorCode::kConnect);
    EXPECT_EQ(client.error().message(), "dial tcp " + c.address + ": tls: " + c.want);
  }
  // The server was not disturbed.
  auto client = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(client.ok()) << client.error();
  ExpectArith(**client);
}

netrpc::TlsConfig MutualConfig(netrpc::ClientAuth auth) {
  auto config = ServerConfig();
  config.client_ca_file = Cert("ca.pem");
  config.client_auth = auth;
  return config;
}

netrpc::TlsDialOptions WithClientCert(const std::string& name) {
  auto tls = Trusting();
  tls.certificate = {.cert_file = Cert(name + ".pem"), .key_file = Cert(name + ".key")};
  return tls;
}

// Refused says whether a client is refused: at the dial (TLS 1.2), or at its first call (in
// TLS 1.3 the client's handshake ends before the server has checked its certificate).
bool Refused(netrpc::Result<std::unique_ptr<netrpc::Client>> client) {
  if (!client.ok()) return true;
  int64_t product = 0;
  return static_cast<bool>((*client)->Call("Arith.Multiply", Args{2, 3}, &product));
}

TEST_F(Tls, MutualTlsRequiredRefusesClientsWithoutAVerifiedCertificate) {
  LogCapture log;
  TlsServer s(MutualConfig(netrpc::ClientAuth::kRequire));
  auto good = netrpc::DialTLS("tcp", s.Address(), WithClientCert("client"));
  ASSERT_TRUE(good.ok()) << good.error();
  ExpectArith(**good);
  EXPECT_TRUE(Refused(netrpc::DialTLS("tcp", s.Address(), Trusting())));
  EXPECT_TRUE(log.WaitFor("peer did not return a certificate"));
  EXPECT_TRUE(Refused(netrpc::DialTLS("tcp", s.Address(), WithClientCert("stranger"))));
  EXPECT_TRUE(log.WaitFor("certificate verify failed"));
  ExpectArith(**good);  // the good client's connection was not disturbed
}

TEST_F(Tls, MutualTlsRequestedServesClientsWithOrWithoutOne) {
  TlsServer s(MutualConfig(netrpc::ClientAuth::kRequest));
  for (auto tls : {Trusting(), WithClientCert("client")}) {
    auto client = netrpc::DialTLS("tcp", s.Address(), tls);
    ASSERT_TRUE(client.ok()) << client.error();
    ExpectArith(**client);
  }
  EXPECT_TRUE(Refused(netrpc::DialTLS("tcp", s.Address(), WithClientCert("stranger"))));
}

TEST_F(Tls, PeerCarriesTheVerifiedClientCertificate) {
  netrpc::transport::EventLoop loop(1);
  auto made = netrpc::transport::TlsServerContext::Make(MutualConfig(netrpc::ClientAuth::kRequire));
  ASSERT_TRUE(made.ok()) << made.error();
  auto tls = *made;
  auto listener = netrpc::transport::Listen(
      loop.Context().get_executor(), "tcp", "127.0.0.1:0", [tls](tcp::socket socket) {
        return netrpc::transport::NewTlsServerConnection(std::move(socket), tls);
      });
  ASSERT_TRUE(listener.ok()) << listener.error();
  auto accepted = asio::co_spawn(
      loop.Context(),
      [&]() -> asio::awaitable<netrpc::Result<netrpc::transport::Peer>> {
        auto c = co_await (*listener)->Accept(loop.Context().get_executor());
        if (!c.ok()) co_return c.error();
        if (netrpc::Error err = co_await (*c)->Handshake(5s)) co_return err;
        co_return (*c)->GetPeer();
      },
      asio::use_future);
  RawTls raw;
  raw.ctx.use_certificate_chain_file(Cert("client.pem"));
  raw.ctx.use_private_key_file(Cert("client.key"), ssl::context::pem);
  ASSERT_FALSE(raw.Connect((*listener)->Address()));
  auto peer = accepted.get();
  ASSERT_TRUE(peer.ok()) << peer.error();
  EXPECT_EQ(peer->subject, "CN=client,O=netrpc test");  // as Go's pkix.Name.String
  EXPECT_EQ(peer->names, std::vector<std::string>{"client.example"});
  EXPECT_EQ(peer->address.substr(0, 10), "127.0.0.1:");
  (*listener)->Close();
}

TEST_F(Tls, ReloadServesTheNewPairToLaterConnections) {
  TlsServer s(ServerConfig());
  auto before = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(before.ok()) << before.error();
  RawTls first;
  ASSERT_FALSE(first.Connect(s.Address()));
  EXPECT_EQ(first.PeerSubject(), "/CN=netrpc test server");

  auto bad = ServerConfig("server2").certificate;
  bad.key_file = Cert("server.key");
  EXPECT_EQ(s.server().ReloadCertificate(bad).code(), netrpc::ErrorCode::kUsage);
  RawTls unchanged;
  ASSERT_FALSE(unchanged.Connect(s.Address()));
  EXPECT_EQ(unchanged.PeerSubject(), "/CN=netrpc test server");

  ASSERT_FALSE(s.server().ReloadCertificate(ServerConfig("server2").certificate));
  RawTls after;
  ASSERT_FALSE(after.Connect(s.Address()));
  EXPECT_EQ(after.PeerSubject(), "/CN=netrpc test server 2");
  ExpectArith(**before);  // opened before the reload, still served
  auto later = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(later.ok()) << later.error();
  ExpectArith(**later);
}

TEST_F(Tls, PlaintextIsRefusedOnATlsOnlyPort) {
  LogCapture log;
  TlsServer s(ServerConfig());
  for (auto protocol : {netrpc::Protocol::kNative, netrpc::Protocol::kGob}) {
    EXPECT_TRUE(Refused(netrpc::Dial("tcp", s.Address(), {.protocol = protocol})));
  }
  EXPECT_TRUE(log.WaitFor("a plaintext client on a TLS-only port", 2));
  auto client = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(client.ok()) << client.error();
  ExpectArith(**client);
}

TEST_F(Tls, OnePortServesTlsAndPlaintextWhereAllowed) {
  auto config = ServerConfig();
  config.allow_plaintext = true;
  TlsServer s(config);
  s.server().HandleHTTP();
  auto plain = netrpc::Dial("tcp", s.Address(), {.protocol = netrpc::Protocol::kJson});
  ASSERT_TRUE(plain.ok()) << plain.error();
  ExpectArith(**plain);
  auto plain_http = netrpc::DialHTTP("tcp", s.Address());
  ASSERT_TRUE(plain_http.ok()) << plain_http.error();
  ExpectArith(**plain_http);
  auto secure = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(secure.ok()) << secure.error();
  ExpectArith(**secure);
}

TEST_F(Tls, DebugPageInsideTls) {
  TlsServer s(ServerConfig());
  s.server().HandleHTTP();
  RawTls raw;
  ASSERT_FALSE(raw.Connect(s.Address()));
  std::string response =
      raw.Exchange("GET /debug/rpc HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(response.find("Arith"), std::string::npos);
}

TEST_F(Tls, HandshakesThatNeverFinishAreCutOffByTheTimeout) {
  LogCapture log;
  TlsServer s(ServerConfig(), {.handshake_timeout = 300ms});
  asio::io_context io;
  tcp::socket silent(io), half(io);
  silent.connect(Endpoint(s.Address()));
  half.connect(Endpoint(s.Address()));
  asio::write(half, asio::buffer(std::string("\x16\x03\x01\x02\x00", 5)));  // a ClientHello's start
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(ClosedWithin(silent, 5s));
  EXPECT_TRUE(ClosedWithin(half, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_TRUE(log.WaitFor("tls: handshake timeout after 300ms", 2));
}

TEST_F(Tls, ShutdownDoesNotWaitForAStalledHandshake) {
  auto s = std::make_unique<TlsServer>(ServerConfig());  // the default 10 s handshake timeout
  asio::io_context io;
  tcp::socket stalled(io);
  stalled.connect(Endpoint(s->Address()));
  asio::write(stalled, asio::buffer(std::string("\x16\x03\x01", 3)));
  std::this_thread::sleep_for(100ms);  // accepted, in its handshake
  auto start = std::chrono::steady_clock::now();
  s->server().Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(ClosedWithin(stalled, 1s));
}

TEST_F(Tls, TheClientsHandshakeIsBoundedToo) {
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));  // never answers
  std::string address = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  auto tls = Trusting();
  tls.handshake_timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto client = netrpc::DialTLS("tcp", address, tls);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error(),
            netrpc::Error(netrpc::ErrorCode::kConnect,
                          "dial tcp " + address + ": tls: handshake timeout after 200ms"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(Tls, PendingHandshakesCountAgainstMaxConnections) {
  TlsServer s(ServerConfig(), {.max_connections = 2, .handshake_timeout = 500ms});
  asio::io_context io;
  tcp::socket a(io), b(io);
  a.connect(Endpoint(s.Address()));
  b.connect(Endpoint(s.Address()));
  std::this_thread::sleep_for(100ms);  // both accepted and waiting in their handshakes
  EXPECT_TRUE(Refused(netrpc::DialTLS("tcp", s.Address(), Trusting())));
  EXPECT_TRUE(ClosedWithin(a, 5s));
  EXPECT_TRUE(ClosedWithin(b, 5s));
  std::this_thread::sleep_for(100ms);
  auto client = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(client.ok()) << client.error();
  ExpectArith(**client);
}

TEST_F(Tls, TwoHundredStalledHandshakesLeaveOthersServed) {
  netrpc::SetLogSink(netrpc::LogLevel::kError, {});  // 200 timeout warnings
  {
    TlsServer s(ServerConfig(), {.handshake_timeout = 2s});
    asio::io_context io;
    std::vector<tcp::socket> stalled;
    for (int i = 0; i < 200; ++i) {
      stalled.emplace_back(io).connect(Endpoint(s.Address()));
      asio::write(stalled.back(), asio::buffer(std::string("\x16\x03\x01", 3)));
    }
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
      auto client = netrpc::DialTLS("tcp", s.Address(), Trusting());
      ASSERT_TRUE(client.ok()) << client.error();
      ExpectArith(**client);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // before any stall timed out
    for (auto& socket : stalled) EXPECT_TRUE(ClosedWithin(socket, 10s));
  }
  netrpc::ResetLogSink();
}

TEST_F(Tls, GarbageAfterAClientHelloClosesThatConnectionOnly) {
  LogCapture log;
  TlsServer s(ServerConfig());
  auto client = netrpc::DialTLS("tcp", s.Address(), Trusting());
  ASSERT_TRUE(client.ok()) << client.error();
  asio::io_context io;
  tcp::socket garbage(io);
  garbage.connect(Endpoint(s.Address()));
  std::string bytes("\x16\x03\x01\x00\x10", 5);
  bytes += std::string(16, '\xEE');  // a handshake record of 16 bytes of nothing
  asio::write(garbage, asio::buffer(bytes));
  EXPECT_TRUE(ClosedWithin(garbage, 5s));
  EXPECT_TRUE(log.WaitFor("tls: handshake:"));
  ExpectArith(**client);
}

}  // namespace
