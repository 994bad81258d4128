// registry_client.cc: the registry's two clients: RegistryDiscovery, which polls the server
// list (GeeRPC's GeeRegistryDiscovery), and Heartbeat, which keeps a server on it.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "netrpc/registry.h"
#include "types/log.h"
#include "xclient/http_request.h"

namespace netrpc {

namespace {

// Ticker runs fn every period on a thread of its own until Stop, which wakes it at once.
class Ticker {
 public:
  void Run(std::chrono::milliseconds period, std::function<void()> fn) {
    thread_ = std::thread([this, period, fn = std::move(fn)] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, period, [&] { return stop_; })) {
        lock.unlock();
        fn();
        lock.lock();
      }
    });
  }
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// A registry answers fast or not at all: no request waits longer than this.
constexpr std::chrono::milliseconds kRequestTimeout{3000};

}  // namespace

struct RegistryDiscovery::Impl {
  std::string url;
  std::mutex mu;  // guards endpoints, listed, last_error
  std::vector<Endpoint> endpoints;
  bool listed = false;
  Error last_error;
  std::atomic<uint64_t> version{0};
  Ticker ticker;

  Error Poll() {
    auto answer = xclient::HttpRequest("GET", url, {}, kRequestTimeout);
    Error err;
    if (!answer.ok()) {
      err = answer.error();
    } else if (answer->status != 200) {
      err = Error(ErrorCode::kProtocol,
                  "registry " + url + ": answered " + std::to_string(answer->status));
    }
    if (err) {
      std::lock_guard lock(mu);
      last_error = err;
      return err;
    }
    // GeeRPC: strings.Split on ',', each trimmed, empties skipped.
    std::string list = answer->Header("X-Geerpc-Servers");
    std::vector<Endpoint> next;
    std::string bad;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = std::min(list.find(',', start), list.size());
      std::string item = list.substr(start, comma - start);
      start = comma + 1;
      auto b = item.find_first_not_of(" \t");
      if (b == std::string::npos) continue;
      item = item.substr(b, item.find_last_not_of(" \t") - b + 1);
      if (auto parsed = ParseEndpoint(item); !parsed.ok()) {
        bad += (bad.empty() ? "" : "; ") + parsed.error().message();
        continue;
      }
      next.emplace_back(std::move(item));
    }
    std::lock_guard lock(mu);
    if (!listed || next != endpoints) {
      endpoints = std::move(next);
      version.fetch_add(1, std::memory_order_acq_rel);
    }
    listed = true;
    last_error = {};
    if (!bad.empty()) return Error(ErrorCode::kProtocol, "registry " + url + ": skipped " + bad);
    return {};
  }
};

RegistryDiscovery::RegistryDiscovery(std::string url, std::chrono::milliseconds period)
    : impl_(std::make_shared<Impl>()) {
  impl_->url = std::move(url);
  if (Error err = impl_->Poll()) Log(LogLevel::kWarning, "xclient: ", err.message());
  if (period.count() <= 0) period = std::chrono::seconds(10);
  impl_->ticker.Run(period, [impl = impl_.get()] {
    if (Error err = impl->Poll()) Log(LogLevel::kWarning, "xclient: ", err.message());
  });
}

RegistryDiscovery::~RegistryDiscovery() { impl_->ticker.Stop(); }

Error RegistryDiscovery::Refresh() { return impl_->Poll(); }

Result<std::vector<Endpoint>> RegistryDiscovery::Endpoints() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->listed) return impl_->last_error;
  return impl_->endpoints;
}

uint64_t RegistryDiscovery::Version() const {
  return impl_->version.load(std::memory_order_acquire);
}

struct Heartbeat::Impl {
  std::string url;
  std::string address;
  Ticker ticker;

  Error Beat() {
    auto answer =
        xclient::HttpRequest("POST", url, {{"X-Geerpc-Server", address}}, kRequestTimeout);
    if (!answer.ok()) return answer.error();
    if (answer->status != 200) {
      return Error(ErrorCode::kProtocol, "registry " + url + " refused " + address + ": " +
                                             std::to_string(answer->status));
    }
    return {};
  }
};

Heartbeat::Heartbeat(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Heartbeat::~Heartbeat() { impl_->ticker.Stop(); }

Result<std::unique_ptr<Heartbeat>> Heartbeat::Start(std::string registry_url, std::string address,
                                                    std::chrono::milliseconds period) {
  auto impl = std::make_shared<Impl>();
  impl->url = std::move(registry_url);
  impl->address = std::move(address);
  if (Error err = impl->Beat()) return err;
  if (period.count() <= 0) period = std::chrono::minutes(4);
  impl->ticker.Run(period, [i = impl.get()] {
    if (Error err = i->Beat()) Log(LogLevel::kWarning, "heartbeat: ", err.message());
  });
  return std::unique_ptr<Heartbeat>(new Heartbeat(std::move(impl)));
}

}  // namespace netrpc
