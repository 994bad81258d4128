// debug_page.h: the /debug/rpc page, as Go's net/rpc/debug.go lays it out, with live columns
// Go lacks (in flight, errors, latency, connections and bytes per protocol), and its JSON.
#pragma once

#include <string>

#include "server/stats.h"

namespace netrpc::http {

// DebugHtml is the page: "Service NAME" and a table of its methods per service, each method
// printed as Go prints it, Multiply(main.Args, *int64) error. It reloads itself every
// refresh_seconds.
std::string DebugHtml(const server::StatsSnapshot& stats, int refresh_seconds);
// DebugJson is the same data: {"services":[{"name","methods":[{"name","args","reply",
// "calls","in_flight","errors","p50_ns","p99_ns"}]}],"protocols":[{"name","open","total",
// "bytes_in","bytes_out"}]}.
std::string DebugJson(const server::StatsSnapshot& stats);

}  // namespace netrpc::http
