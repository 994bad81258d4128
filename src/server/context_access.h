// context_access.h: how the server makes a handler's netrpc::Context and cancels it.
// Users cannot do either: a Context is only ever the server's view of one call.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netrpc/context.h"

namespace netrpc::detail {

struct ContextAccess {
  static std::shared_ptr<Context> Make(
      std::shared_ptr<const Peer> peer, std::vector<std::pair<std::string, std::string>> metadata,
      std::optional<std::chrono::steady_clock::time_point> deadline) {
    return std::shared_ptr<Context>(new Context(std::move(peer), std::move(metadata), deadline));
  }
  // Cancel cancels ctx with why, unless it was canceled before; the OnCancel callbacks run
  // here, on this thread.
  static void Cancel(Context& ctx, const Error& why) {
    if (ctx.canceling_.exchange(true)) return;
    ctx.err_ = why;
    ctx.stop_.request_stop();
  }
};

}  // namespace netrpc::detail
