// reply_by_reference_handler.cc: must NOT compile. A handler taking its reply by reference
// (a C++ habit) is refused with the shape to use, Go's `reply *T` (ctest checks the message).
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t& reply) {
    reply = args.A * args.B;
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply);

int main() {
  Arith arith;
  netrpc::Server server;
  return server.Register(arith) ? 1 : 0;
}
