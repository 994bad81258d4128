// context_reply_by_reference.cc: must NOT compile. With a Context first, the rest of the
// handler is checked as without one: a reply by reference gets the reply-by-pointer message.
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(netrpc::Context& ctx, const Args& args, int64_t& reply) {
    reply = args.A * args.B + static_cast<int64_t>(ctx.Metadata().size());
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply);

int main() {
  Arith arith;
  netrpc::Server server;
  return server.Register(arith) ? 1 : 0;
}
