// auth.h: how the server asks its AuthHook (netrpc/auth.h) about a connection, a call or an
// HTTP request: one function, so that every phase refuses the same way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "netrpc/auth.h"

namespace netrpc::server {

// Admit returns hook(request): no error admits. A refusal always has a message ("refused" if
// the hook gave none), as it is what the client is told. A hook that throws refuses (it fails
// closed); what it threw is logged, not sent.
Error Admit(const AuthHook& hook, const AuthRequest& request);

// kNoMetadata is what a call without metadata shows the hook: every call but a native one's.
inline const std::vector<std::pair<std::string, std::string>> kNoMetadata;

}  // namespace netrpc::server
