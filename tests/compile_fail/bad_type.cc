// bad_type.cc: must NOT compile. A field of a type netrpc cannot send is a compile error that
// says how to describe it, instead of a failure on the wire.
#include <netrpc/netrpc.h>

struct Undescribed {
  int x = 0;
};
struct Args {
  Undescribed U;
};
NETRPC_STRUCT(Args, U);

int main() { return netrpc::TypeOf<Args>()->fields[0].type() != nullptr; }
