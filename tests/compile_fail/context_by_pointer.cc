// context_by_pointer.cc: must NOT compile. A handler taking its Context by pointer (Go's habit
// of passing ctx as a value is C's of passing a pointer) is refused: the Context is never null,
// so it comes by reference (ctest checks the message). Here in the reply-by-value shape.
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

int main() {
  netrpc::Server server;
  return server.RegisterFunc(
             "Arith.Add",
             [](const netrpc::Context* ctx, const Args& args) -> netrpc::Result<int64_t> {
               return args.A + args.B + (ctx != nullptr);
             })
             ? 1
             : 0;
}
