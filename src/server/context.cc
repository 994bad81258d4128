// context.cc: netrpc::Context's waits and its cancellation reason.
// The server makes and cancels contexts (server_conn.cc, through context_access.h).
#include "netrpc/context.h"

#include <condition_variable>
#include <mutex>

namespace netrpc {

Context::~Context() = default;

std::string_view Context::MetadataValue(std::string_view key) const {
  for (const auto& [k, v] : metadata_) {
    if (k == key) return v;
  }
  return {};
}

Error Context::Err() const {
  // A stop request that returned true synchronizes with stop_requested() returning true
  // ([thread.stoptoken.intro]), so err_, written before it, is visible here.
  if (!stop_.stop_requested()) return {};
  return err_;
}

void Context::Wait() const {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait(lock, stop_.get_token(), [] { return false; });
}

bool Context::WaitFor(std::chrono::steady_clock::duration timeout) const {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop_.get_token(), timeout, [] { return false; });
  return stop_.stop_requested();
}

}  // namespace netrpc
