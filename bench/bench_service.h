// bench_service.h: the two methods every benchmarked system serves, as netrpc types:
// Arith.Multiply({A, B int64}) -> int64 and Echo.Echo(bytes) -> bytes.
#pragma once

#include <netrpc/netrpc.h>

namespace netrpc::bench {

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Arith {
  netrpc::Error Multiply(const Args& args, int64_t* reply) {
    *reply = args.A * args.B;
    return {};
  }
};
NETRPC_SERVICE(Arith, Multiply);

// EchoService is registered as "Echo" (a C++ method cannot share its class's name). It takes
// its argument by value and moves it into the reply, as Go's `*reply = args` shares a slice.
struct EchoService {
  netrpc::Error Echo(netrpc::Bytes in, netrpc::Bytes* out) {
    *out = std::move(in);
    return {};
  }
};
NETRPC_SERVICE(EchoService, Echo);

}  // namespace netrpc::bench
