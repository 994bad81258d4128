// reply_by_value.cc: must NOT compile. Call fills its reply, so a reply passed by value (a Go
// programmer's `reply` for `&reply`) is refused with the form to use (ctest checks the message).
#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

int main() {
  auto client = netrpc::Dial("tcp", "127.0.0.1:1");
  if (!client) return 1;
  Args args{6, 7};
  int64_t reply = 0;
  return client->Call("Arith.Multiply", args, reply) ? 1 : 0;
}
