// jsonrpc_client: bytes a Go net/rpc/jsonrpc server sends through the JSON-RPC client codec,
// after the client has written requests with seq 0..9 (so that responses find their method).
// Checks: no crash/leak/UB; whole and split feeds agree (errors by code; consumed may differ by
// trailing whitespace only).
#include "codec/jsonrpc.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewJsonClientCodec(FuzzLimits()); };
  auto prepare = [](ClientCodec& codec) {
    static const char* const kMethods[] = {"Svc.Every", "Svc.Tree", "Svc.Int", "Svc.Str",
                                           "Svc.Nope"};
    std::string out;
    int64_t arg = 7;
    for (uint64_t seq = 0; seq < 10; ++seq) {
      Request h{kMethods[seq % 5], seq};
      if (codec.WriteRequest(h, {TypeOf<int64_t>(), &arg}, &out)) __builtin_trap();
    }
  };
  RunResult whole = RunClient(make, data, size, size, prepare);
  RunResult split = RunClient(make, data, size, SplitPoint(data, size), prepare);
  CheckSame(whole, split, /*json=*/true);
  return 0;
}
