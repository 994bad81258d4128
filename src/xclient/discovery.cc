// discovery.cc: endpoint addresses as GeeRPC's XDial writes them (proto@addr), and the static
// list discovery. The registry's and etcd's discoveries implement the same interface.
#include <string>

#include "netrpc/xclient.h"

namespace netrpc {

Result<EndpointAddress> ParseEndpoint(std::string_view endpoint) {
  // GeeRPC's XDial: strings.Split(rpcAddr, "@"), two parts or "rpc client err: wrong format".
  size_t at = endpoint.find('@');
  if (at == std::string_view::npos) {
    return Error(ErrorCode::kUsage, "xclient: endpoint \"" + std::string(endpoint) +
                                        "\" is not proto@addr (tcp@, unix@, http@ or tls@)");
  }
  std::string_view scheme = endpoint.substr(0, at);
  std::string_view address = endpoint.substr(at + 1);
  if (address.empty()) {
    return Error(ErrorCode::kUsage,
                 "xclient: endpoint \"" + std::string(endpoint) + "\" has no address after '@'");
  }
  EndpointAddress out;
  out.address = std::string(address);
  if (scheme == "tcp" || scheme == "tcp4" || scheme == "tcp6" || scheme == "unix") {
    out.network = std::string(scheme);
  } else if (scheme == "http") {
    out.network = "tcp";
    out.gee_http = true;
  } else if (scheme == "tls") {  // not GeeRPC's: its XDial knows tcp, unix and http
    out.network = "tcp";
    out.tls = true;
  } else {
    return Error(ErrorCode::kUsage, "xclient: unknown endpoint scheme \"" + std::string(scheme) +
                                        "\" in \"" + std::string(endpoint) +
                                        "\" (want tcp@, tcp4@, tcp6@, unix@, http@ or tls@)");
  }
  return out;
}

Error StaticDiscovery::Update(std::vector<Endpoint> endpoints) {
  for (const Endpoint& e : endpoints) {
    auto parsed = ParseEndpoint(e.address);
    if (!parsed.ok()) return parsed.error();
  }
  std::lock_guard lock(mu_);
  endpoints_ = std::move(endpoints);
  version_.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

Result<std::vector<Endpoint>> StaticDiscovery::Endpoints() {
  std::lock_guard lock(mu_);
  return endpoints_;
}

}  // namespace netrpc
