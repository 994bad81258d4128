// etcd_discovery.cc: EtcdDiscovery, the servers under an etcd prefix, kept current by a range
// and then a watch (rpcx's etcdv3 discovery), on one coroutine on a thread of its own.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "netrpc/etcd.h"
#include "types/log.h"
#include "xclient/etcd_gateway.h"
#include "xclient/etcd_value.h"
#include "xclient/http_stream.h"

namespace netrpc {

namespace asio = boost::asio;
namespace json = boost::json;

struct EtcdDiscovery::Impl {
  Impl(std::string p, EtcdDiscoveryOptions options)
      : prefix(std::move(p)),
        rejoin_grace(options.rejoin_grace),
        gateway(std::move(options.etcd)) {}

  const std::string prefix;
  const std::chrono::milliseconds rejoin_grace;
  xclient::EtcdGateway gateway;

  mutable std::mutex mu;  // guards every member below it but version
  std::map<std::string, Endpoint> by_key;
  // Keys kept from before etcd lost its data, not yet put again (rejoin_grace); and the
  // highest revision seen, by which a loss shows (a new etcd starts again from 1).
  std::set<std::string> stale;
  uint64_t stale_epoch = 0;  // which loss the stale keys are from; a drop timer checks it
  int64_t max_revision = 0;
  std::vector<Endpoint> endpoints;  // by_key's values, what Endpoints answers
  bool listed = false;              // a range has succeeded once
  bool tried = false;               // the first range has ended, well or not
  Error last_error;
  std::condition_variable first;  // notified when tried turns true
  std::atomic<uint64_t> version{0};

  asio::io_context io;  // the watcher's; stopped by the destructor
  std::thread thread;

  // Publish makes by_key what Endpoints answers and bumps the version if that changed.
  void Publish(std::unique_lock<std::mutex>&) {
    std::vector<Endpoint> next;
    next.reserve(by_key.size());
    for (const auto& [key, endpoint] : by_key) next.push_back(endpoint);
    if (!listed || next != endpoints) {
      endpoints = std::move(next);
      version.fetch_add(1, std::memory_order_acq_rel);
    }
    listed = true;
  }

  void Fail(Error err) {
    Log(LogLevel::kWarning, "etcd discovery: ", err.message());
    std::lock_guard lock(mu);
    last_error = std::move(err);
    tried = true;
    first.notify_all();
  }

  // Apply puts or deletes one key (the gateway's base64), logging values it cannot read.
  void Apply(const json::object& kv, bool deleted) {
    const json::value* k = kv.if_contains("key");
    auto key = xclient::Base64Decode(k != nullptr && k->is_string() ? k->get_string() : "");
    if (!key.ok() || key->compare(0, prefix.size(), prefix) != 0) {
      Log(LogLevel::kWarning, "etcd discovery: an event outside ", prefix, " skipped");
      return;
    }
    stale.erase(*key);
    if (deleted) {
      by_key.erase(*key);
      return;
    }
    const json::value* v = kv.if_contains("value");
    auto value = xclient::Base64Decode(v != nullptr && v->is_string() ? v->get_string() : "");
    Result<Endpoint> endpoint =
        value.ok() ? xclient::DecodeEndpointValue(key->substr(prefix.size()), *value)
                   : Result<Endpoint>(value.error());
    if (!endpoint.ok()) {
      // A key whose value turned bad is dropped: its old value no longer says the truth.
      by_key.erase(*key);
      Log(LogLevel::kWarning, "etcd discovery: skipped ", *key, ": ", endpoint.error().message());
      last_error = endpoint.error();
      return;
    }
    by_key[*key] = std::move(*endpoint);
  }

  // Range lists the prefix, replaces the list, and returns the revision to watch after.
  asio::awaitable<Result<int64_t>> Range() {
    json::object body;
    body["key"] = xclient::Base64Encode(prefix);
    body["range_end"] = xclient::Base64Encode(xclient::PrefixRangeEnd(prefix));
    auto answer = co_await gateway.Call("/v3/kv/range", std::move(body));
    if (!answer.ok()) co_return answer.error();
    const json::value* header = answer->if_contains("header");
    if (header == nullptr || !header->is_object()) {
      co_return Error(ErrorCode::kProtocol, "etcd " + gateway.Url() + ": a range without header");
    }
    auto revision = xclient::Int64Field(header->get_object(), "revision");
    if (!revision.ok()) co_return revision.error();
    std::unique_lock lock(mu);
    std::map<std::string, Endpoint> before = std::move(by_key);
    by_key.clear();
    last_error = {};
    if (const json::value* kvs = answer->if_contains("kvs"); kvs != nullptr && kvs->is_array()) {
      for (const json::value& kv : kvs->get_array()) {
        if (kv.is_object()) Apply(kv.get_object(), false);
      }
    }
    if (*revision < max_revision && rejoin_grace.count() > 0) {
      // etcd lost its data: keep who was listed until the grace ends or they are back.
      Log(LogLevel::kWarning, "etcd discovery: etcd's revision went back from ", max_revision,
          " to ", *revision, "; keeping the servers missing now for ", rejoin_grace.count(), "ms");
      stale.clear();
      for (auto& [key, endpoint] : before) {
        if (by_key.emplace(key, endpoint).second) stale.insert(key);
      }
      if (!stale.empty()) {
        asio::co_spawn(io, DropStale(++stale_epoch), asio::detached);
      }
    } else {
      // An answer from the same history: it is the list, but for keys still in a running
      // grace (a watch broken during it must not end it early).
      std::set<std::string> still;
      for (const std::string& key : stale) {
        auto old = before.find(key);
        if (old != before.end() && by_key.emplace(key, old->second).second) still.insert(key);
      }
      stale = std::move(still);
    }
    max_revision = *revision;
    Publish(lock);
    tried = true;
    first.notify_all();
    co_return *revision;
  }

  // DropStale ends a rejoin grace: the kept keys not put again by then leave the list.
  asio::awaitable<void> DropStale(uint64_t epoch) {
    asio::steady_timer timer(co_await asio::this_coro::executor, rejoin_grace);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::unique_lock lock(mu);
    if (epoch != stale_epoch) co_return;  // an answer since made them moot
    for (const std::string& key : stale) by_key.erase(key);
    stale.clear();
    Publish(lock);
  }

  // Watch follows the prefix from revision until the stream breaks or etcd cancels it; it
  // returns why. created turns true once etcd has confirmed the watch.
  asio::awaitable<Error> Watch(int64_t revision, bool& created) {
    json::object create;
    create["key"] = xclient::Base64Encode(prefix);
    create["range_end"] = xclient::Base64Encode(xclient::PrefixRangeEnd(prefix));
    create["start_revision"] = std::to_string(revision);
    json::object body;
    body["create_request"] = std::move(create);
    std::string url = gateway.Url() + "/v3/watch";
    auto stream = co_await xclient::HttpLineStream::Open(url, json::serialize(body), "etcd",
                                                         gateway.options().request_timeout);
    if (!stream.ok()) co_return xclient::AtUrl(stream.error(), url);
    for (;;) {
      auto line = co_await (*stream)->ReadLine();
      if (!line.ok()) co_return xclient::AtUrl(line.error(), url);
      if (line->find_first_not_of(" \r\t") == std::string::npos) continue;
      boost::system::error_code ec;
      json::value parsed = json::parse(*line, ec);
      if (ec || !parsed.is_object()) {
        co_return Error(ErrorCode::kProtocol, "etcd " + url + ": a watch answer that is not JSON");
      }
      if (Error err = xclient::GatewayError(parsed.get_object(), url)) co_return err;
      const json::value* result = parsed.get_object().if_contains("result");
      if (result == nullptr || !result->is_object()) continue;
      const json::object& r = result->get_object();
      if (const json::value* c = r.if_contains("created"); c != nullptr && c->is_bool()) {
        created = created || c->get_bool();
      }
      if (const json::value* c = r.if_contains("canceled");
          c != nullptr && c->is_bool() && c->get_bool()) {
        auto compacted = xclient::Int64Field(r, "compact_revision");
        std::string why = compacted.ok() && *compacted > 0
                              ? "compacted past revision " + std::to_string(revision) + " (now " +
                                    std::to_string(*compacted) + ")"
                              : "canceled";
        co_return Error(ErrorCode::kProtocol, "etcd " + url + ": the watch was " + why);
      }
      const json::value* events = r.if_contains("events");
      if (events == nullptr || !events->is_array()) continue;
      std::unique_lock lock(mu);
      if (const json::value* h = r.if_contains("header"); h != nullptr && h->is_object()) {
        auto seen = xclient::Int64Field(h->get_object(), "revision");
        if (seen.ok()) max_revision = std::max(max_revision, *seen);
      }
      for (const json::value& e : events->get_array()) {
        if (!e.is_object()) continue;
        const json::value* kv = e.get_object().if_contains("kv");
        if (kv == nullptr || !kv->is_object()) continue;
        const json::value* type = e.get_object().if_contains("type");
        // proto3 JSON leaves out the zero enum: PUT has no "type".
        bool deleted = type != nullptr && type->is_string() && type->get_string() == "DELETE";
        Apply(kv->get_object(), deleted);
      }
      Publish(lock);
    }
  }

  asio::awaitable<void> Run() {
    const EtcdOptions& o = gateway.options();
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::chrono::milliseconds backoff = o.min_backoff;
    for (;;) {
      auto revision = co_await Range();
      if (revision.ok()) {
        bool created = false;
        Error err = co_await Watch(*revision + 1, created);
        if (created) backoff = o.min_backoff;
        Fail(std::move(err));
        // The watch's URL may be the one that died; the next range tries the others first.
        if (o.endpoints.size() > 1) gateway.Rotate();
      } else {
        Fail(revision.error());
      }
      timer.expires_after(backoff);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min(backoff * 2, o.max_backoff);
    }
  }
};

EtcdDiscovery::EtcdDiscovery(std::string prefix, EtcdDiscoveryOptions options)
    : impl_(std::make_shared<Impl>(std::move(prefix), std::move(options))) {
  Error bad = impl_->gateway.Check();
  if (!bad && impl_->prefix.empty()) bad = Error(ErrorCode::kUsage, "etcd: an empty prefix");
  if (bad) {
    std::lock_guard lock(impl_->mu);
    impl_->last_error = bad;
    return;
  }
  asio::co_spawn(impl_->io, impl_->Run(), [](std::exception_ptr e) {
    if (e) Log(LogLevel::kError, "etcd discovery: the watcher stopped on an exception");
  });
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  // Wait for the first range, a little longer than its request may take.
  std::unique_lock lock(impl_->mu);
  impl_->first.wait_for(lock, impl_->gateway.options().request_timeout + std::chrono::seconds(1),
                        [&] { return impl_->tried; });
}

EtcdDiscovery::~EtcdDiscovery() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::vector<Endpoint>> EtcdDiscovery::Endpoints() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->listed) {
    if (impl_->last_error) return impl_->last_error;
    return Error(ErrorCode::kTimeout, "etcd " + impl_->gateway.Url() + ": no answer yet");
  }
  return impl_->endpoints;
}

uint64_t EtcdDiscovery::Version() const { return impl_->version.load(std::memory_order_acquire); }

Error EtcdDiscovery::LastError() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

}  // namespace netrpc
