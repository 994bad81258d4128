// xclient_tls_test.cc: XClient's tls@ endpoints against real ListenTLS servers on 127.0.0.1,
// with certificates made for the run by tests/transport/make_test_certs.sh (no key committed).
#include <gtest/gtest.h>
#include <netrpc/netrpc.h>
#include <netrpc/tls.h>
#include <netrpc/xclient.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_certs.h"

namespace {

using testcerts::Cert;

class XClientTls : public testcerts::CertsTest {};

// Named is a server whose Who.Name answers its name, over TLS (tls@) or plain TCP (tcp@).
class Named {
 public:
  Named(std::string name, bool tls) : name_(std::move(name)), tls_(tls) {
    EXPECT_FALSE(server_.RegisterFunc("Who.Name", [this](int64_t, std::string* reply) {
      *reply = name_;
      return netrpc::Error{};
    }));
    if (tls) {
      netrpc::TlsConfig config{
          .certificate = {.cert_file = Cert("server.pem"), .key_file = Cert("server.key")}};
      EXPECT_FALSE(server_.ListenTLS("tcp", "127.0.0.1:0", config));
    } else {
      EXPECT_FALSE(server_.Listen("tcp", "127.0.0.1:0"));
    }
  }
  std::string Endpoint() const { return (tls_ ? "tls@" : "tcp@") + server_.Address(); }

 private:
  std::string name_;
  bool tls_;
  netrpc::Server server_;
};

std::unique_ptr<netrpc::StaticDiscovery> Discover(const std::vector<netrpc::Endpoint>& list) {
  auto d = std::make_unique<netrpc::StaticDiscovery>();
  EXPECT_FALSE(d->Update(list));
  return d;
}

TEST_F(XClientTls, ParsesTlsEndpoints) {
  auto tls = netrpc::ParseEndpoint("tls@127.0.0.1:8443");
  ASSERT_TRUE(tls.ok());
  EXPECT_EQ(tls->network, "tcp");
  EXPECT_EQ(tls->address, "127.0.0.1:8443");
  EXPECT_TRUE(tls->tls);
  EXPECT_FALSE(tls->gee_http);
  EXPECT_FALSE(netrpc::ParseEndpoint("tcp@127.0.0.1:1")->tls);
}

TEST_F(XClientTls, CallsTlsAndPlainEndpointsInTurn) {
  Named a("a", true), b("b", false), c("c", true);
  auto d = Discover({a.Endpoint(), b.Endpoint(), c.Endpoint()});
  netrpc::XClient xc(*d, {.select = netrpc::SelectMode::kRoundRobin,
                          .tls = netrpc::TlsDialOptions{.ca_file = Cert("ca.pem")}});
  std::string seq;
  for (int i = 0; i < 6; ++i) {
    std::string who;
    netrpc::Error err = xc.Call("Who.Name", int64_t{i}, &who);
    EXPECT_FALSE(err) << err;
    seq += who;
  }
  EXPECT_EQ(seq, "abcabc");
  EXPECT_EQ(xc.Dials(), 3u);  // one connection each, reused

  std::string who;
  std::vector<netrpc::EndpointError> outcomes;
  EXPECT_FALSE(xc.Broadcast("Who.Name", int64_t{0}, &who, {}, &outcomes));
  ASSERT_EQ(outcomes.size(), 3u);
  for (auto& o : outcomes) EXPECT_FALSE(o.error) << o.endpoint;
}

TEST_F(XClientTls, ATlsEndpointWithoutTlsOptionsIsAUsageError) {
  Named a("a", true);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d);
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(err.message(),
            "xclient: endpoint " + a.Endpoint() + " is tls@, and XClientOptions::tls is not set");
  EXPECT_EQ(xc.Dials(), 0u);  // nothing was dialed
}

TEST_F(XClientTls, AServerTheCasDoNotVouchForIsRefused) {
  Named a("a", true);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d, {.tls = netrpc::TlsDialOptions{.ca_file = Cert("other_ca.pem")}});
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kConnect);
  EXPECT_NE(err.message().find("x509: certificate signed by unknown authority"), std::string::npos)
      << err;
  EXPECT_EQ(who, "");
}

TEST_F(XClientTls, TlsOptionsThatDoNotLoadAreAUsageError) {
  Named a("a", true);
  auto d = Discover({a.Endpoint()});
  netrpc::XClient xc(*d, {.tls = netrpc::TlsDialOptions{.ca_file = Cert("no-such-ca.pem")}});
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kUsage);
  EXPECT_EQ(err.message().rfind("xclient: XClientOptions::tls: ", 0), 0u) << err;
}

}  // namespace
