// etcd_registration.cc: EtcdRegistration, one server kept under an etcd prefix by a lease and
// its keepalives (rpcx's etcdv3 register plugin), on one coroutine on a thread of its own.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/value.hpp>
#include <mutex>
#include <thread>

#include "netrpc/etcd.h"
#include "types/log.h"
#include "xclient/etcd_gateway.h"
#include "xclient/etcd_value.h"

namespace netrpc {

namespace asio = boost::asio;
namespace json = boost::json;

struct EtcdRegistration::Impl {
  Impl(std::string k, std::string v, EtcdRegistrationOptions o)
      : key(std::move(k)), value(std::move(v)), ttl(o.ttl), gateway(std::move(o.etcd)) {}

  const std::string key;    // prefix + address
  const std::string value;  // EncodeEndpointValue
  const std::chrono::seconds ttl;
  xclient::EtcdGateway gateway;
  std::atomic<int64_t> lease{0};
  std::atomic<int64_t> granted_ttl{0};  // seconds, as etcd granted (it may round up)

  std::mutex close_mu;  // serializes Close; guards closed
  bool closed = false;
  asio::io_context io;  // the keepalive loop's; stopped by Close
  std::thread thread;

  // Register grants a new lease and puts the key with it.
  asio::awaitable<Error> Register() {
    json::object grant;
    grant["TTL"] = std::max<int64_t>(ttl.count(), 1);
    auto granted = co_await gateway.Call("/v3/lease/grant", std::move(grant));
    if (!granted.ok()) co_return granted.error();
    auto id = xclient::Int64Field(*granted, "ID");
    if (!id.ok()) co_return id.error();
    auto seconds = xclient::Int64Field(*granted, "TTL");
    if (!seconds.ok()) co_return seconds.error();
    if (*id == 0 || *seconds <= 0) {
      co_return Error(ErrorCode::kProtocol,
                      "etcd " + gateway.Url() + ": a lease grant without ID or TTL");
    }
    lease = *id;
    granted_ttl = *seconds;
    co_return co_await Put();
  }

  asio::awaitable<Error> Put() {
    json::object put;
    put["key"] = xclient::Base64Encode(key);
    put["value"] = xclient::Base64Encode(value);
    put["lease"] = std::to_string(lease.load());
    auto answer = co_await gateway.Call("/v3/kv/put", std::move(put));
    co_return answer.ok() ? Error{} : answer.error();
  }

  // Beat renews the lease once, and registers again if etcd lost the lease or the key.
  asio::awaitable<Error> Beat() {
    json::object keepalive;
    keepalive["ID"] = std::to_string(lease.load());
    auto answer = co_await gateway.Call("/v3/lease/keepalive", std::move(keepalive));
    if (!answer.ok()) co_return answer.error();
    // keepalive is a stream in gRPC: the gateway wraps its one answer in "result".
    const json::value* result = answer->if_contains("result");
    auto left =
        result != nullptr && result->is_object()
            ? xclient::Int64Field(result->get_object(), "TTL")
            : Result<int64_t>(Error(ErrorCode::kProtocol,
                                    "etcd " + gateway.Url() + ": a keepalive without result"));
    if (!left.ok()) co_return left.error();
    if (*left <= 0) {
      // TTL 0: etcd has no such lease (a new, empty etcd, or it expired during an outage).
      Log(LogLevel::kWarning, "etcd registration: lease of ", key, " gone; registering again");
      co_return co_await Register();
    }
    json::object range;
    range["key"] = xclient::Base64Encode(key);
    range["count_only"] = true;
    auto found = co_await gateway.Call("/v3/kv/range", std::move(range));
    if (!found.ok()) co_return found.error();
    auto count = xclient::Int64Field(*found, "count");
    if (!count.ok()) co_return count.error();
    if (*count == 0) {
      Log(LogLevel::kWarning, "etcd registration: ", key, " was deleted; putting it again");
      co_return co_await Put();
    }
    co_return Error{};
  }

  asio::awaitable<void> Run() {
    const EtcdOptions& o = gateway.options();
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::chrono::milliseconds backoff = o.min_backoff;
    std::chrono::milliseconds wait = Period();
    for (;;) {
      timer.expires_after(wait);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      // Not `c ? co_await a : co_await b`: GCC 12 frees a temporary of that twice.
      Error err;
      if (lease.load() == 0) {
        err = co_await Register();
      } else {
        err = co_await Beat();
      }
      if (err) {
        Log(LogLevel::kWarning, "etcd registration of ", key, ": ", err.message());
        // Sooner than the period, so that a restarted etcd has the key back quickly.
        wait = std::min(backoff, Period());
        backoff = std::min(backoff * 2, o.max_backoff);
      } else {
        wait = Period();
        backoff = o.min_backoff;
      }
    }
  }

  std::chrono::milliseconds Period() const {
    int64_t seconds = std::max<int64_t>(granted_ttl.load(), 1);
    return std::chrono::milliseconds(seconds * 1000 / 3);
  }
};

EtcdRegistration::EtcdRegistration(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

EtcdRegistration::~EtcdRegistration() { Close(); }

Result<std::unique_ptr<EtcdRegistration>> EtcdRegistration::Start(std::string prefix,
                                                                  Endpoint endpoint,
                                                                  EtcdRegistrationOptions options) {
  if (prefix.empty()) return Error(ErrorCode::kUsage, "etcd: an empty prefix");
  if (auto parsed = ParseEndpoint(endpoint.address); !parsed.ok()) return parsed.error();
  auto impl = std::make_shared<Impl>(prefix + endpoint.address,
                                     xclient::EncodeEndpointValue(endpoint), std::move(options));
  if (Error err = impl->gateway.Check()) return err;
  Error first;
  asio::co_spawn(impl->io, impl->Register(), [&](std::exception_ptr e, Error err) {
    first = e ? Error(ErrorCode::kIo, "etcd: registration failed") : std::move(err);
  });
  impl->io.run();
  if (first) return first;
  impl->io.restart();
  asio::co_spawn(impl->io, impl->Run(), [](std::exception_ptr e) {
    if (e) Log(LogLevel::kError, "etcd registration: the keepalive loop stopped on an exception");
  });
  impl->thread = std::thread([i = impl.get()] { i->io.run(); });
  return std::unique_ptr<EtcdRegistration>(new EtcdRegistration(std::move(impl)));
}

Error EtcdRegistration::Close() {
  std::lock_guard lock(impl_->close_mu);
  if (impl_->closed) return {};
  impl_->closed = true;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  json::object revoke;
  revoke["ID"] = std::to_string(impl_->lease.load());
  auto answer = impl_->gateway.CallSync("/v3/lease/revoke", std::move(revoke));
  if (!answer.ok()) {
    // A lease etcd no longer has is as good as revoked: its key went with it.
    if (answer.error().message().find("requested lease not found") != std::string::npos) {
      return {};
    }
    Log(LogLevel::kWarning, "etcd registration: revoking the lease of ", impl_->key, ": ",
        answer.error().message());
    return answer.error();
  }
  return {};
}

std::string EtcdRegistration::Key() const { return impl_->key; }

int64_t EtcdRegistration::LeaseID() const { return impl_->lease.load(); }

}  // namespace netrpc
