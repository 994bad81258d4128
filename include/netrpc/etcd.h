// etcd.h: service discovery and registration through etcd v3 (rpcx's etcd plugin, in C++):
// servers put themselves under a prefix with a lease, XClients range and watch the prefix.
// It speaks etcd 3.4's JSON gateway (/v3/...), so it needs HTTP and JSON only. No Asio here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "netrpc/netrpc.h"
#include "netrpc/xclient.h"

namespace netrpc {

// Layout in etcd (both sides): one key per server, prefix + address
// ("/netrpc/Arith/tcp@127.0.0.1:8001"), whose value is the endpoint as JSON:
//   {"address":"tcp@127.0.0.1:8001","weight":1,"metadata":{"zone":"a"}}
// The key is the server's identity (a DELETE event carries only the key); the value's
// "address" wins over the key's, and an empty value means weight 1 and no metadata. rpcx puts
// the address in the key too but its value is URL-encoded metadata ("weight=1&zone=a").
struct EtcdOptions {
  // etcd's client URLs ("http://host:port"). Requests go to one; when it cannot be reached the
  // next is tried, in turn.
  std::vector<std::string> endpoints{"http://127.0.0.1:2379"};
  std::chrono::milliseconds request_timeout{3000};  // each request to etcd
  // While etcd cannot be reached, retries wait min_backoff, doubled each time up to max_backoff.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

struct EtcdDiscoveryOptions {
  EtcdOptions etcd{};
  // rejoin_grace: when etcd comes back with less history than before (its revision went
  // back: a new, empty data directory), servers listed before and missing now stay listed
  // this long, to give their registrations time to put their keys again (EtcdRegistration
  // does within TTL/3); then the ones still missing go. Without it a client would have no
  // servers between etcd's return and the servers' next keepalive.
  std::chrono::milliseconds rejoin_grace{10000};
};

// EtcdDiscovery lists the servers under prefix (which should end in '/'), and keeps the list
// current: it ranges the prefix, then watches it from the next revision on a thread of its
// own, applying each PUT and DELETE; Version changes with the list. The constructor waits for
// the first range at most options.etcd.request_timeout (and a second); until a first answer,
// Endpoints returns the error (kConnect names etcd's URL). When etcd goes away it keeps its
// last list, retries with backoff, and on reconnection ranges again and re-opens the watch
// (so neither an etcd restarted with an empty data directory nor a compacted revision can
// leave it behind). Values that are not an endpoint are skipped and logged. Methods are safe
// from any thread.
class EtcdDiscovery final : public Discovery {
 public:
  explicit EtcdDiscovery(std::string prefix, EtcdDiscoveryOptions options = {});
  ~EtcdDiscovery() override;  // stops the watch and its thread
  EtcdDiscovery(const EtcdDiscovery&) = delete;
  EtcdDiscovery& operator=(const EtcdDiscovery&) = delete;

  Result<std::vector<Endpoint>> Endpoints() override;  // sorted by key
  uint64_t Version() const override;
  // LastError is what went wrong last (etcd unreachable, a watch broken, a bad value); empty
  // once a range or watch has succeeded since.
  Error LastError() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

struct EtcdRegistrationOptions {
  EtcdOptions etcd{};
  // The lease's TTL, whole seconds (etcd's unit; etcd may grant more). A server that stops
  // without Close leaves the list this long after its last keepalive.
  std::chrono::seconds ttl{10};
};

// EtcdRegistration keeps one server listed under prefix: it grants a lease, puts
// prefix + endpoint.address with it (the value as above), and keeps the lease alive every
// TTL/3 on a thread of its own. When etcd answers that the lease is gone (etcd restarted with
// an empty data directory, or the lease expired while etcd was unreachable) it grants a new
// lease and puts the key again; it also puts the key again if someone deleted it. While etcd
// is unreachable it retries with backoff and logs. Close revokes the lease, which deletes the
// key at once; watchers see the server leave.
//
// With a Server: call Close() before Server::Shutdown(), so that clients stop picking the
// server while it still answers the calls they already sent (Shutdown lets those finish).
class EtcdRegistration {
 public:
  // Start registers before it returns. Errors: kUsage (empty prefix, a bad address, a bad
  // etcd URL), kConnect naming etcd's URL, kProtocol for an answer etcd's gateway does not
  // give. Each request waits at most options.etcd.request_timeout.
  static Result<std::unique_ptr<EtcdRegistration>> Start(std::string prefix, Endpoint endpoint,
                                                         EtcdRegistrationOptions options = {});
  ~EtcdRegistration();  // Close()
  EtcdRegistration(const EtcdRegistration&) = delete;
  EtcdRegistration& operator=(const EtcdRegistration&) = delete;

  // Close stops the keepalives and revokes the lease; the error says if the revoke failed
  // (then the key goes when the lease expires). A second Close does nothing. Thread-safe.
  Error Close();
  std::string Key() const;  // prefix + endpoint.address
  int64_t LeaseID() const;  // the lease now held (it changes when a new one is granted)

 private:
  struct Impl;
  explicit EtcdRegistration(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace netrpc
