// gob_client: bytes a Go net/rpc server sends (a gob stream of rpc.Response headers and bodies)
// through the gob client codec. Checks: no crash/leak/UB; whole and split feeds agree.
#include "codec/gob.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewGobClientCodec(FuzzLimits()); };
  RunResult whole = RunClient(make, data, size, size);
  RunResult split = RunClient(make, data, size, SplitPoint(data, size));
  CheckSame(whole, split, /*json=*/false);
  return 0;
}
