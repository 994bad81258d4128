// construct_call.cc: must NOT compile. A Call is made by a Client (Go, Call, AsyncCall), never
// by its user: its constructor is private.
#include <netrpc/netrpc.h>

int main() {
  int64_t reply = 0;
  netrpc::Call call("Arith.Multiply", netrpc::Value{netrpc::TypeOf<int64_t>(), &reply}, {});
  return call.Done() ? 0 : 1;
}
