// undescribed_args.cc: must NOT compile. Args of a type that is not described are refused with
// a message that says how to describe them, and the compiler names the type with it (ctest
// checks both: the name is what tells which of a program's types is missing NETRPC_STRUCT).
#include <netrpc/netrpc.h>

struct Point {
  int64_t X = 0, Y = 0;
};
// No NETRPC_STRUCT(Point, X, Y) here.

int main() {
  auto client = netrpc::Dial("tcp", "127.0.0.1:1");
  if (!client) return 1;
  Point p{1, 2};
  int64_t reply = 0;
  return client->Call("Geo.Norm", &p, &reply) ? 1 : 0;
}
