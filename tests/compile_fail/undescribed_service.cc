// undescribed_service.cc: must NOT compile. A service registered without NETRPC_SERVICE gets,
// first, the message that says to describe it (ctest checks it), not an error from converting
// pointers in the type-name lookup that would follow.
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    return {};
  }
};
// No NETRPC_SERVICE(Arith, Multiply) here.

int main() {
  Arith arith;
  netrpc::Server server;
  return server.Register(arith) ? 1 : 0;
}
