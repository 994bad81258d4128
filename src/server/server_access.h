// server_access.h: what the layers above the server (http/) reach of a Server: its HTTP
// settings, a snapshot of its counters, and the worker pool that runs blocking handlers.
#pragma once

#include "netrpc/netrpc.h"
#include "server/http_service.h"
#include "server/stats.h"
#include "server/worker_pool.h"

namespace netrpc::detail {

struct ServerAccess {
  static server::HttpSettings& Http(Server& server);
  static server::StatsSnapshot Snapshot(const Server& server);
  static server::WorkerPool& Workers(Server& server);
  // CloseNow stops serving without a grace period (DefaultServer at exit).
  static void CloseNow(Server& server);
};

}  // namespace netrpc::detail
