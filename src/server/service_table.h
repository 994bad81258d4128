// service_table.h: the registered services and their methods, keyed by name.
// Registration follows net/rpc's rules and error messages; lookups take a shared lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "netrpc/netrpc.h"
#include "server/stats.h"

namespace netrpc::server {

struct Method {
  detail::MethodStub stub;
  Dispatch dispatch = Dispatch::kWorker;
  MethodStats stats;
};

class ServiceTable {
 public:
  Error AddService(std::string_view name, std::vector<detail::MethodStub> stubs,
                   RegisterOptions options);
  Error AddFunc(std::string_view service_method, detail::MethodStub stub, RegisterOptions options);

  // Lookup finds "Service.Method", or sets *err to net/rpc's message for why not.
  // Methods are never removed, so the pointer stays valid for the server's life.
  Method* Lookup(std::string_view service_method, Error* err) const;
  // Snapshot copies every method's counters, with its types named as gob names them.
  std::vector<StatsSnapshot::Service> Snapshot() const;

 private:
  using Methods = std::map<std::string, std::unique_ptr<Method>, std::less<>>;
  mutable std::shared_mutex mu_;  // guards services_
  std::map<std::string, Methods, std::less<>> services_;
};

}  // namespace netrpc::server
