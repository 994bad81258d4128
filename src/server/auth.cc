// auth.cc: Admit, the one place the server calls its AuthHook; it turns what the hook does
// (returns, returns nothing to say, throws) into the refusal a client is sent.
#include "server/auth.h"

#include <exception>

#include "types/log.h"

namespace netrpc::server {

Error Admit(const AuthHook& hook, const AuthRequest& request) {
  Error verdict;
  try {
    verdict = hook(request);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "auth hook threw for ", request.peer.address, ": ", e.what());
    return Error("refused (the auth hook failed)");
  } catch (...) {
    Log(LogLevel::kError, "auth hook threw for ", request.peer.address);
    return Error("refused (the auth hook failed)");
  }
  if (verdict && verdict.message().empty()) return Error("refused");
  return verdict;
}

}  // namespace netrpc::server
