// registry.cc: the built-in registry's table and its HTTP face, GeeRPC's registry protocol
// (gee-rpc day 7 registry.go) answered by a Server::HandleFunc handler on the RPC port.
#include "netrpc/registry.h"

#include <algorithm>
#include <map>
#include <mutex>

namespace netrpc {

struct Registry::Impl {
  explicit Impl(RegistryOptions o) : options(o) {}
  using Clock = std::chrono::steady_clock;
  RegistryOptions options;
  std::mutex mu;                                     // guards servers
  std::map<std::string, Clock::time_point> servers;  // address -> last registration

  bool Expired(Clock::time_point at, Clock::time_point now) const {
    return options.ttl.count() > 0 && at + options.ttl <= now;
  }
  Error Put(std::string_view address);
  std::vector<std::string> Alive();
};

Registry::Registry(RegistryOptions options) : impl_(std::make_shared<Impl>(options)) {}
Registry::~Registry() = default;

Error Registry::Put(std::string_view address) { return impl_->Put(address); }
std::vector<std::string> Registry::Alive() { return impl_->Alive(); }

Error Registry::Impl::Put(std::string_view address) {
  // The GET answer joins addresses with ',': one with a comma would read as two.
  if (address.empty() || address.size() > 256 ||
      address.find_first_of(",\r\n") != std::string_view::npos) {
    return Error(ErrorCode::kUsage,
                 "registry: bad server address \"" + std::string(address.substr(0, 256)) + "\"");
  }
  auto now = Impl::Clock::now();
  std::lock_guard lock(mu);
  auto it = servers.find(std::string(address));
  if (it != servers.end()) {
    it->second = now;
    return {};
  }
  if (servers.size() >= options.max_servers) {
    // Make room from the expired before refusing.
    std::erase_if(servers, [&](const auto& s) { return Expired(s.second, now); });
    if (servers.size() >= options.max_servers) {
      return Error(ErrorCode::kTooLarge,
                   "registry: full (" + std::to_string(options.max_servers) + " servers)");
    }
  }
  servers.emplace(std::string(address), now);
  return {};
}

std::vector<std::string> Registry::Impl::Alive() {
  auto now = Impl::Clock::now();
  std::lock_guard lock(mu);
  std::erase_if(servers, [&](const auto& s) { return Expired(s.second, now); });
  std::vector<std::string> out;
  for (const auto& [address, at] : servers) out.push_back(address);
  return out;
}

Error Registry::HandleHTTP(Server& server, std::string_view path) {
  // The handler holds the table, not the Registry: a server may outlive its Registry object.
  std::weak_ptr<Impl> weak = impl_;
  return server.HandleFunc(path, [weak](const HttpRequest& req, HttpResponse* res) {
    auto impl = weak.lock();
    if (!impl) {
      res->status = 503;
      res->body = "registry: gone\n";
      return;
    }
    if (req.method == "GET") {
      std::string joined;
      for (const std::string& s : impl->Alive()) joined += (joined.empty() ? "" : ",") + s;
      res->header.emplace_back("X-Geerpc-Servers", joined);
    } else if (req.method == "POST") {
      std::string_view address = req.Header("X-Geerpc-Server");
      if (address.empty()) {
        res->status = 400;
        res->body = "registry: POST needs an X-Geerpc-Server header\n";
        return;
      }
      if (Error err = impl->Put(address)) {
        res->status = err.code() == ErrorCode::kTooLarge ? 503 : 400;
        res->body = err.message() + "\n";
      }
    } else {
      res->status = 405;
    }
  });
}

}  // namespace netrpc
