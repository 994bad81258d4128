// context_not_first.cc: must NOT compile. A handler that takes its Context after its args or
// its reply is refused with where the Context goes: first (ctest checks the message).
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t* reply, netrpc::Context& ctx) {
    *reply = args.A * args.B + static_cast<int64_t>(ctx.Metadata().size());
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply);

int main() {
  Arith arith;
  netrpc::Server server;
  return server.Register(arith) ? 1 : 0;
}
