// service_table.cc: Register's checks and the lookup of "Service.Method".
// Messages are Go's (net/rpc/server.go) so that tools and people recognise them.
#include "server/service_table.h"

#include <mutex>

#include "codec/go_type_name.h"

namespace netrpc::server {
namespace {

bool IsExported(std::string_view name) {
  // Go exports names that start with an upper-case letter; C++ has no such rule, so any
  // identifier-like name is accepted, but it must not be empty or hold a '.'.
  return !name.empty() && name.find('.') == std::string_view::npos;
}

}  // namespace

Error ServiceTable::AddService(std::string_view name, std::vector<detail::MethodStub> stubs,
                               RegisterOptions options) {
  // Go logs these errors as well as returning them; here the caller has them, and only once.
  if (name.empty()) return Error(ErrorCode::kUsage, "rpc.Register: no service name for type");
  if (!IsExported(name)) {
    return Error(ErrorCode::kUsage, "rpc.Register: type " + std::string(name) + " is not exported");
  }
  if (stubs.empty()) {
    return Error(ErrorCode::kUsage, "rpc.Register: type " + std::string(name) +
                                        " has no exported methods of suitable type");
  }
  std::unique_lock lock(mu_);
  if (services_.contains(name)) {
    return Error(ErrorCode::kUsage, "rpc: service already defined: " + std::string(name));
  }
  Methods methods;
  for (auto& stub : stubs) {
    auto m = std::make_unique<Method>();
    std::string method_name = stub.name;
    m->stub = std::move(stub);
    m->dispatch = options.dispatch;
    methods.emplace(std::move(method_name), std::move(m));
  }
  services_.emplace(std::string(name), std::move(methods));
  return {};
}

Error ServiceTable::AddFunc(std::string_view service_method, detail::MethodStub stub,
                            RegisterOptions options) {
  size_t dot = service_method.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == service_method.size()) {
    return Error(ErrorCode::kUsage,
                 "rpc: service/method request ill-formed: " + std::string(service_method));
  }
  std::string_view service = service_method.substr(0, dot);
  std::string method(service_method.substr(dot + 1));
  std::unique_lock lock(mu_);
  auto& methods = services_[std::string(service)];
  if (methods.contains(method)) {
    return Error(ErrorCode::kUsage, "rpc: method already defined: " + std::string(service_method));
  }
  auto m = std::make_unique<Method>();
  stub.name = method;
  m->stub = std::move(stub);
  m->dispatch = options.dispatch;
  methods.emplace(std::move(method), std::move(m));
  return {};
}

Method* ServiceTable::Lookup(std::string_view service_method, Error* err) const {
  size_t dot = service_method.rfind('.');
  if (dot == std::string_view::npos) {
    *err = Error("rpc: service/method request ill-formed: " + std::string(service_method));
    return nullptr;
  }
  std::shared_lock lock(mu_);
  auto svc = services_.find(service_method.substr(0, dot));
  if (svc == services_.end()) {
    *err = Error("rpc: can't find service " + std::string(service_method));
    return nullptr;
  }
  auto m = svc->second.find(service_method.substr(dot + 1));
  if (m == svc->second.end()) {
    *err = Error("rpc: can't find method " + std::string(service_method));
    return nullptr;
  }
  return m->second.get();
}

std::vector<StatsSnapshot::Service> ServiceTable::Snapshot() const {
  std::vector<StatsSnapshot::Service> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, methods] : services_) {  // std::map: sorted by name, as Go sorts
    StatsSnapshot::Service& service = out.emplace_back();
    service.name = name;
    for (const auto& [method_name, m] : methods) {
      StatsSnapshot::Method& s = service.methods.emplace_back();
      s.name = method_name;
      // Go prints reflect types, Multiply(main.Args, *int) error; these are the names the
      // gob codec sends for the same described types.
      s.args_type = codec::GoTypeName(m->stub.args_type, "main");
      s.reply_type = "*" + codec::GoTypeName(m->stub.reply_type, "main");
      s.calls = m->stats.calls.load(std::memory_order_relaxed);
      s.in_flight = m->stats.in_flight.load(std::memory_order_relaxed);
      s.errors = m->stats.errors.load(std::memory_order_relaxed);
      s.p50_ns = m->stats.latency.Quantile(0.50);
      s.p99_ns = m->stats.latency.Quantile(0.99);
    }
  }
  return out;
}

}  // namespace netrpc::server
