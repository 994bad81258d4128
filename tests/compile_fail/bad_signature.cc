// bad_signature.cc: must NOT compile. A method without net/rpc's shape is a compile error that
// names the accepted shapes (ctest checks the message), where Go only logs it at run time.
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Bad {
  int64_t Multiply(const Args& a) { return a.A * a.B; }  // returns no Error, takes no reply
};
NETRPC_SERVICE(Bad, Multiply);

int main() {
  Bad bad;
  netrpc::Server server;
  return server.Register(bad) ? 1 : 0;
}
