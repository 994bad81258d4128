// tls.cc: the TLS connection kind. OpenSSL does the protocol; this file sets it up as Go's
// crypto/tls is set up by default (TLS 1.2 at least, the peer verified, SNI sent), bounds the
// handshake in time, and tells a failed verification in Go's words.
#include "transport/tls.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "protocol/sniff.h"
#include "transport/socket_connection.h"

namespace netrpc::transport {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;

namespace {

Error LoadCertificate(ssl::context& ctx, const TlsCertificate& c) {
  boost::system::error_code ec;
  if (c.cert_file.empty() && c.key_file.empty() && c.cert_pem.empty() && c.key_pem.empty()) {
    return Error(ErrorCode::kUsage,
                 "tls: no certificate: set cert_file and key_file, or cert_pem and key_pem");
  }
  bool from_file = !c.cert_file.empty();
  if (from_file != !c.key_file.empty() || (!from_file && c.cert_pem.empty() != c.key_pem.empty())) {
    return Error(ErrorCode::kUsage, "tls: a certificate needs its key, and a key its certificate");
  }
  if (from_file) {
    ctx.use_certificate_chain_file(c.cert_file, ec);
    if (ec)
      return Error(ErrorCode::kUsage, "tls: certificate " + c.cert_file + ": " + ec.message());
    ctx.use_private_key_file(c.key_file, ssl::context::pem, ec);
    if (ec) return Error(ErrorCode::kUsage, "tls: key " + c.key_file + ": " + ec.message());
  } else {
    ctx.use_certificate_chain(asio::buffer(c.cert_pem), ec);
    if (ec) return Error(ErrorCode::kUsage, "tls: certificate PEM: " + ec.message());
    ctx.use_private_key(asio::buffer(c.key_pem), ssl::context::pem, ec);
    if (ec) return Error(ErrorCode::kUsage, "tls: key PEM: " + ec.message());
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return Error(ErrorCode::kUsage, "tls: the private key does not match the certificate");
  }
  return {};
}

Error LoadAuthorities(ssl::context& ctx, const std::string& file, const std::string& pem) {
  boost::system::error_code ec;
  if (!file.empty()) {
    ctx.load_verify_file(file, ec);
    if (ec) return Error(ErrorCode::kUsage, "tls: CA file " + file + ": " + ec.message());
  } else {
    ctx.add_certificate_authority(asio::buffer(pem), ec);
    if (ec) return Error(ErrorCode::kUsage, "tls: CA PEM: " + ec.message());
  }
  return {};
}

std::shared_ptr<ssl::context> NewContext(ssl::context::method method) {
  auto ctx = std::make_shared<ssl::context>(method);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
  return ctx;
}

Result<std::shared_ptr<ssl::context>> MakeServerContext(const TlsConfig& config) {
  auto ctx = NewContext(ssl::context::tls_server);
  if (Error err = LoadCertificate(*ctx, config.certificate)) return err;
  if (config.client_auth != ClientAuth::kNone) {
    if (config.client_ca_file.empty() && config.client_ca_pem.empty()) {
      return Error(ErrorCode::kUsage, "tls: client_auth needs client_ca_file or client_ca_pem");
    }
    if (Error err = LoadAuthorities(*ctx, config.client_ca_file, config.client_ca_pem)) return err;
    auto mode = ssl::verify_peer;
    if (config.client_auth == ClientAuth::kRequire) mode |= ssl::verify_fail_if_no_peer_cert;
    ctx->set_verify_mode(mode);
    // Resumed sessions of verified clients need an id context, or OpenSSL refuses them.
    static const unsigned char kSessionContext[] = "netrpc";
    SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext,
                                   sizeof kSessionContext - 1);
  }
  return ctx;
}

bool IsIp(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// CertificateNames reads a certificate's subject (RFC 2253, most specific first, as Go's
// pkix.Name.String prints it) and its DNS and IP subject alternative names.
void CertificateNames(X509* cert, std::string* subject, std::vector<std::string>* dns,
                      std::vector<std::string>* ips) {
  if (subject != nullptr) {
    BIO* bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    subject->assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      dns->emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                        static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = name->d.iPAddress;
      const unsigned char* p = ASN1_STRING_get0_data(s);
      if (ASN1_STRING_length(s) == 4) {
        asio::ip::address_v4::bytes_type b;
        std::copy(p, p + 4, b.begin());
        ips->push_back(asio::ip::address_v4(b).to_string());
      } else if (ASN1_STRING_length(s) == 16) {
        asio::ip::address_v6::bytes_type b;
        std::copy(p, p + 16, b.begin());
        ips->push_back(asio::ip::address_v6(b).to_string());
      }
    }
  }
  GENERAL_NAMES_free(names);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// VerifyFailure says why the peer's certificate did not verify, in Go's crypto/x509 words
// (UnknownAuthorityError, CertificateInvalidError, HostnameError); OpenSSL's text otherwise.
// dns and ips are the names of the certificate that failed.
std::string VerifyFailure(long result, const std::string& host, const std::vector<std::string>& dns,
                          const std::vector<std::string>& ips) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "x509: certificate has expired or is not yet valid";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return "x509: certificate signed by unknown authority";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: {
      std::string valid;
      if (IsIp(host)) {
        if (ips.empty()) {
          return "x509: cannot validate certificate for " + host +
                 " because it doesn't contain any IP SANs";
        }
        valid = Join(ips);
      } else {
        valid = Join(dns);
      }
      if (valid.empty()) {
        return "x509: certificate is not valid for any names, but wanted to match " + host;
      }
      return "x509: certificate is valid for " + valid + ", not " + host;
    }
    default:
      return std::string("x509: ") + X509_verify_cert_error_string(result);
  }
}

class TlsConnection final : public Connection {
 public:
  TlsConnection(tcp::socket socket, std::shared_ptr<ssl::context> context,
                std::shared_ptr<TlsServerContext> server, std::shared_ptr<TlsClientContext> client,
                std::string server_name)
      : context_(std::move(context)),
        server_(std::move(server)),
        client_(std::move(client)),
        server_name_(std::move(server_name)),
        stream_(std::move(socket), *context_) {
    boost::system::error_code ec;
    Socket().set_option(tcp::no_delay(true), ec);
    auto remote = Socket().remote_endpoint(ec);
    if (!ec) peer_.address = FormatEndpoint(remote);
    auto local = Socket().local_endpoint(ec);
    if (!ec) local_ = FormatEndpoint(local);
  }

  asio::any_io_executor GetExecutor() const override { return stream_.get_executor(); }

  asio::awaitable<Error> Handshake(std::chrono::milliseconds timeout) override {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(GetExecutor(), timeout);
    auto r = co_await (RunHandshake() || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 1) {
      Close();
      co_return Error(ErrorCode::kProtocol,
                      "tls: handshake timeout after " + std::to_string(timeout.count()) + "ms");
    }
    Error err = std::get<0>(r);
    if (err) Close();
    co_return err;
  }

  void ShutdownSend() override {
    boost::system::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_send, ec);
  }
  void Cancel() override {
    boost::system::error_code ec;
    Socket().cancel(ec);
  }
  void Close() override {
    boost::system::error_code ec;
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
  }

  std::string Network() const override { return "tcp"; }
  std::string LocalAddress() const override { return local_; }
  const Peer& GetPeer() const override { return peer_; }

  asio::awaitable<ReadOutcome> ReadSome(asio::mutable_buffer buffer,
                                        asio::cancellation_slot slot) override {
    size_t n = 0;
    if (TakeUnread(buffer, &n)) co_return ReadOutcome{boost::system::error_code(), n};
    auto token = asio::bind_cancellation_slot(slot, asio::as_tuple(asio::use_awaitable));
    if (!tls_) co_return co_await Socket().async_read_some(buffer, token);
    auto [ec, got] = co_await stream_.async_read_some(buffer, token);
    co_return ReadOutcome{EndOfStream(ec), got};
  }

 protected:
  void DoReadSome(asio::mutable_buffer buffer, ReadHandler handler) override {
    if (!tls_) {
      Socket().async_read_some(buffer, std::move(handler));
      return;
    }
    // The wrapper keeps the handler's executor and cancellation slot, which it would hide.
    auto slot = asio::get_associated_cancellation_slot(handler);
    auto ex = asio::get_associated_executor(handler, GetExecutor());
    stream_.async_read_some(
        buffer,
        asio::bind_cancellation_slot(
            slot, asio::bind_executor(
                      ex, [h = std::move(handler)](boost::system::error_code ec, size_t n) mutable {
                        std::move(h)(EndOfStream(ec), n);
                      })));
  }
  void DoWrite(std::span<const asio::const_buffer> buffers, WriteHandler handler) override {
    if (!tls_) {
      asio::async_write(Socket(), buffers, WholeBatch{}, std::move(handler));
    } else {
      asio::async_write(stream_, buffers, WholeBatch{}, std::move(handler));
    }
  }

 private:
  tcp::socket& Socket() const { return stream_.next_layer(); }

  // EndOfStream reads a peer that closed TCP without TLS's close_notify as the end of the
  // stream, as Go's crypto/tls does: a netrpc or Go client that just closes is no error.
  static boost::system::error_code EndOfStream(boost::system::error_code ec) {
    return ec == ssl::error::stream_truncated ? asio::error::eof : ec;
  }

  asio::awaitable<Error> RunHandshake() { return server_ ? ServerHandshake() : ClientHandshake(); }

  // ServerHandshake reads the first bytes itself: a ClientHello starts TLS (OpenSSL is given
  // those bytes), anything else is a plaintext client.
  asio::awaitable<Error> ServerHandshake() {
    char first[protocol::kTlsSniffBytes];
    size_t have = 0;
    protocol::TlsStart start = protocol::TlsStart::kNeedMore;
    while (start == protocol::TlsStart::kNeedMore) {
      auto [ec, n] = co_await Socket().async_read_some(
          asio::buffer(first + have, sizeof first - have), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return Error(ErrorCode::kProtocol, "tls: before the handshake: " + ec.message());
      have += n;
      start = protocol::SniffTls(std::string_view(first, have));
    }
    if (start == protocol::TlsStart::kNotTls) {
      if (!server_->AllowPlaintext()) {
        co_return Error(ErrorCode::kProtocol,
                        "tls: the first bytes are no TLS ClientHello (a plaintext client on a "
                        "TLS-only port)");
      }
      Unread(std::string_view(first, have));
      co_return Error{};
    }
    tls_ = true;
    auto [ec, used] = co_await stream_.async_handshake(
        ssl::stream_base::server, asio::buffer(first, have), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return Error(ErrorCode::kProtocol, "tls: handshake: " + ec.message());
    ReadPeerCertificate();
    co_return Error{};
  }

  asio::awaitable<Error> ClientHandshake() {
    SSL* ssl = stream_.native_handle();
    if (IsIp(server_name_)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name_.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, server_name_.c_str());  // SNI, for names only (RFC 6066)
      SSL_set1_host(ssl, server_name_.c_str());
    }
    stream_.set_verify_mode(ssl::verify_peer);
    // OpenSSL keeps no certificate that failed: note the leaf's names for the error text.
    std::vector<std::string> dns, ips;
    stream_.set_verify_callback([&dns, &ips](bool preverified, ssl::verify_context& ctx) {
      X509_STORE_CTX* store = ctx.native_handle();
      if (X509_STORE_CTX_get_error_depth(store) == 0 && dns.empty() && ips.empty()) {
        if (X509* leaf = X509_STORE_CTX_get_current_cert(store)) {
          CertificateNames(leaf, nullptr, &dns, &ips);
        }
      }
      return preverified;
    });
    tls_ = true;
    auto [ec] = co_await stream_.async_handshake(ssl::stream_base::client,
                                                 asio::as_tuple(asio::use_awaitable));
    // The callback refers to this frame: a renegotiation must not find it.
    stream_.set_verify_callback([](bool preverified, ssl::verify_context&) { return preverified; });
    if (ec) {
      long result = SSL_get_verify_result(ssl);
      if (result != X509_V_OK) {
        co_return Error(ErrorCode::kConnect,
                        "tls: " + VerifyFailure(result, server_name_, dns, ips));
      }
      co_return Error(ErrorCode::kConnect, "tls: handshake: " + ec.message());
    }
    ReadPeerCertificate();
    co_return Error{};
  }

  // ReadPeerCertificate fills Peer from a verified certificate (OpenSSL's handshake fails on
  // one that does not verify, so a certificate present here is verified).
  void ReadPeerCertificate() {
    X509* cert = SSL_get_peer_certificate(stream_.native_handle());
    if (cert == nullptr) return;
    std::vector<std::string> ips;
    CertificateNames(cert, &peer_.subject, &peer_.names, &ips);
    peer_.names.insert(peer_.names.end(), ips.begin(), ips.end());
    X509_free(cert);
  }

  std::shared_ptr<ssl::context> context_;  // before stream_, which is made with it
  std::shared_ptr<TlsServerContext> server_;
  std::shared_ptr<TlsClientContext> client_;
  std::string server_name_;
  mutable ssl::stream<tcp::socket> stream_;  // mutable: Asio's get_executor is not const
  bool tls_ = false;  // the handshake began: bytes go through OpenSSL, else straight
  Peer peer_;
  std::string local_;
};

}  // namespace

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::Make(const TlsConfig& config) {
  auto ctx = MakeServerContext(config);
  if (!ctx.ok()) return ctx.error();
  std::shared_ptr<TlsServerContext> out(new TlsServerContext(config));
  out->current_ = std::move(*ctx);
  return out;
}

Error TlsServerContext::Reload(const TlsCertificate& certificate) {
  TlsConfig config;
  {
    std::lock_guard lock(mu_);
    config = config_;
  }
  config.certificate = certificate;
  auto ctx = MakeServerContext(config);  // outside the lock: it reads files
  if (!ctx.ok()) return ctx.error();
  std::lock_guard lock(mu_);
  config_.certificate = certificate;
  current_ = std::move(*ctx);
  return {};
}

std::shared_ptr<ssl::context> TlsServerContext::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Result<std::shared_ptr<TlsClientContext>> TlsClientContext::Make(const TlsDialOptions& options) {
  auto ctx = NewContext(ssl::context::tls_client);
  if (options.ca_file.empty() && options.ca_pem.empty()) {
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return Error(ErrorCode::kUsage, "tls: the system's CA store: " + ec.message());
  } else if (Error err = LoadAuthorities(*ctx, options.ca_file, options.ca_pem)) {
    return err;
  }
  const TlsCertificate& c = options.certificate;
  if (!c.cert_file.empty() || !c.key_file.empty() || !c.cert_pem.empty() || !c.key_pem.empty()) {
    if (Error err = LoadCertificate(*ctx, c)) return err;
  }
  auto out = std::make_shared<TlsClientContext>();
  out->options_ = options;
  out->context_ = std::move(ctx);
  return out;
}

std::shared_ptr<Connection> NewTlsServerConnection(tcp::socket socket,
                                                   std::shared_ptr<TlsServerContext> context) {
  auto ctx = context->Current();
  return std::make_shared<TlsConnection>(std::move(socket), std::move(ctx), std::move(context),
                                         nullptr, "");
}

std::shared_ptr<Connection> NewTlsClientConnection(tcp::socket socket,
                                                   std::shared_ptr<TlsClientContext> context,
                                                   std::string server_name) {
  std::shared_ptr<ssl::context> ctx(context, &context->Context());  // shares context's life
  return std::make_shared<TlsConnection>(std::move(socket), std::move(ctx), nullptr,
                                         std::move(context), std::move(server_name));
}

}  // namespace netrpc::transport
