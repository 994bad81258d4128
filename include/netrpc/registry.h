// registry.h: the built-in registry (GeeRPC's, gee-rpc day 7) on a server's own port, the
// discovery that polls it, and the heartbeat that keeps a server listed. No Asio here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "netrpc/netrpc.h"
#include "netrpc/xclient.h"

namespace netrpc {

// GeeRPC's registry path and its server TTL (registry.go's defaultPath and defaultTimeout).
inline constexpr std::string_view DefaultRegistryPath = "/_geerpc_/registry";

struct RegistryOptions {
  std::chrono::milliseconds ttl = std::chrono::minutes(5);  // 0: servers never expire
  size_t max_servers = 10000;  // past it, new registrations are refused (503)
};

// Registry speaks GeeRPC's registry protocol over HTTP: GET answers the live servers,
// comma-separated, in the X-Geerpc-Servers header; POST with X-Geerpc-Server: ADDR registers
// ADDR or renews it; a server not renewed within the TTL is dropped. Where netrpc differs from
// GeeRPC: POST without the header gets 400 (GeeRPC: 500), an address with a comma or over 256
// bytes gets 400, a full registry 503, and GET lists the servers sorted (Go: map order).
// Methods are safe from any thread; the registry must outlive the servers it is served on.
class Registry {
 public:
  explicit Registry(RegistryOptions options = {});
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // HandleHTTP serves the registry at path on server's port (Server::HandleFunc), beside RPC.
  Error HandleHTTP(Server& server, std::string_view path = DefaultRegistryPath);
  // Put registers or renews address. Errors: kUsage for a bad address, kTooLarge when full.
  Error Put(std::string_view address);
  // Alive is the live servers, sorted; expired ones are dropped.
  std::vector<std::string> Alive();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// RegistryDiscovery polls a registry (GeeRPC's GeeRegistryDiscovery: every 10 s by default)
// on a thread of its own; the constructor polls once before it returns (each request waits
// at most 3 s). url is "http://host:port/path". Until a first answer, Endpoints returns the
// error; afterwards an unreachable registry leaves the last list in place.
// Addresses in the answer that are not proto@addr are skipped, and Refresh reports them.
class RegistryDiscovery final : public Discovery {
 public:
  explicit RegistryDiscovery(std::string url,
                             std::chrono::milliseconds period = std::chrono::seconds(10));
  ~RegistryDiscovery() override;  // stops the polling thread
  // Refresh polls now and returns what went wrong (unreachable, a bad answer, bad addresses).
  Error Refresh();
  Result<std::vector<Endpoint>> Endpoints() override;
  uint64_t Version() const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Heartbeat keeps address registered (GeeRPC's registry.Heartbeat): it registers at once and
// then every period (GeeRPC's default: the TTL less a minute), on a thread of its own, until
// destroyed. Start returns the first registration's error. Unlike GeeRPC's, which stops at
// its first failed beat, it keeps beating through a registry's absence (and logs it).
class Heartbeat {
 public:
  static Result<std::unique_ptr<Heartbeat>> Start(
      std::string registry_url, std::string address,
      std::chrono::milliseconds period = std::chrono::minutes(4));
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  struct Impl;
  explicit Heartbeat(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace netrpc
