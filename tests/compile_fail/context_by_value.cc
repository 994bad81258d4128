// context_by_value.cc: must NOT compile. A handler taking its Context by value (it cannot be
// copied, and the server owns it) is refused with the shape to use (ctest checks the message).
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(netrpc::Context ctx, const Args& args, int64_t* reply) {
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
