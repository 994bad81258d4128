// arith.h: the types and service of net/rpc's documentation example, shared by both programs.
// Args and Quotient are described once; Arith names its methods once.
#pragma once

#include <netrpc/netrpc.h>

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Quotient {
  int64_t Quo = 0, Rem = 0;
};
NETRPC_STRUCT(Quotient, Quo, Rem);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    return {};
  }
  netrpc::Error Divide(const Args& args, Quotient* quo) {
    if (args.B == 0) return netrpc::Error("divide by zero");
    quo->Quo = args.A / args.B;
    quo->Rem = args.A % args.B;
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply, Divide);
