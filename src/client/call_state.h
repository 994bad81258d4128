// call_state.h: what a Call holds besides what netrpc.h shows: its lock, the condition its
// waiters sleep on, and its outcome. Kept here so that the public header needs no <mutex>.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "netrpc/netrpc.h"

namespace netrpc::detail {

// CallOwner completes the Calls that no connection of a Client owns (XClient::Go): Cancel and
// Wait's deadlock check reach it instead of a ClientCore.
struct CallOwner {
  virtual ~CallOwner() = default;
  virtual void CancelCall() = 0;
  virtual bool InLoopThread() const = 0;
};

// CallState is every Call: deriving keeps a call one allocation (Call is made once per call,
// on the hot path), and Call's methods reach their state with a static_cast that costs nothing.
struct CallState final : Call {
  // New is the only way a Call is made.
  static std::shared_ptr<Call> New(std::string service_method, Value reply,
                                   std::function<void(Call&)> done) {
    return std::make_shared<CallState>(std::move(service_method), reply, std::move(done));
  }
  static CallState& Of(Call& call) { return static_cast<CallState&>(call); }
  static const CallState& Of(const Call& call) { return static_cast<const CallState&>(call); }

  CallState(std::string service_method, Value reply, std::function<void(Call&)> done)
      : Call(std::move(service_method), reply, std::move(done)) {}

  mutable std::mutex mu;  // guards finished, outcome, on_finish
  std::condition_variable cv;
  bool finished = false;
  Error outcome;                                // not "error": that would hide Call::error()
  std::function<void(const Error&)> on_finish;  // resumes an AsyncCall
  std::weak_ptr<CallOwner> owner;               // set before the Call is handed out, if any
};

}  // namespace netrpc::detail
