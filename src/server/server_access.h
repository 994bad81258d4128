// server_access.h: what the layers above the server (http/) reach of a Server: its HTTP
// settings, its services and counters, and the worker pool that runs blocking handlers.
#pragma once

#include "netrpc/netrpc.h"
#include "server/http_service.h"
#include "server/stats.h"
#include "server/worker_pool.h"

namespace netrpc::server {
class ServiceTable;

// ServerState is the part of a server http/ keeps using while it serves a connection. It lives
// in the server's state, which outlives every connection (even when ~Server leaks it rather
// than wait for a handler without end), so it stays valid where the Server object may not.
struct ServerState {
  const ServiceTable* services = nullptr;
  const ServerStats* stats = nullptr;
  WorkerPool* workers = nullptr;
  const AuthHook* auth = nullptr;  // ServerOptions::auth, asked about each HTTP request if set
};

// Snapshot copies the counters for the debug page.
StatsSnapshot Snapshot(const ServerState& state);

}  // namespace netrpc::server

namespace netrpc::detail {

struct ServerAccess {
  static server::HttpSettings& Http(Server& server);
  static server::ServerState State(Server& server);
  // CloseNow stops serving without a grace period (DefaultServer at exit).
  static void CloseNow(Server& server);
};

}  // namespace netrpc::detail
