// gob_server: bytes a Go net/rpc client sends (a gob stream of rpc.Request headers and bodies)
// through the gob server codec. Checks: no crash/leak/UB; whole and split feeds agree; every
// response the server writes reads back through the gob client codec with the same header and
// a body that decodes.
#include "codec/gob.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewGobServerCodec(FuzzLimits()); };
  std::string out;
  std::vector<Response> sent;
  auto respond = [&](ServerCodec& codec, const Request& h, const Event& ev, Value v) {
    Response rh{h.service_method, h.seq, ""};
    if (ev.error) rh.error = ev.error.message();
    if (v.object == nullptr) rh.error = "rpc: can't find service " + h.service_method;
    size_t before = out.size();
    if (codec.WriteResponse(rh, {v.type, v.object}, &out)) {
      if (out.size() != before) __builtin_trap();  // on error nothing is appended
      return;
    }
    sent.push_back(rh);
  };
  RunResult whole = RunServer(make, data, size, size, respond);
  RunResult split = RunServer(make, data, size, SplitPoint(data, size));
  CheckSame(whole, split, /*json=*/false);

  // Gob drops zero values behind pointers, so bodies are only required to decode.
  RunResult back = RunClient([] { return NewGobClientCodec(FuzzLimits()); },
                             reinterpret_cast<const uint8_t*>(out.data()), out.size(), out.size());
  if (back.consumed != out.size() || back.events.size() != sent.size()) __builtin_trap();
  for (size_t i = 0; i < sent.size(); ++i) {
    const Event& e = back.events[i];
    if (e.stream_error || e.error || e.seq != sent[i].seq || e.method != sent[i].service_method ||
        e.header_error != sent[i].error) {
      __builtin_trap();
    }
  }
  return 0;
}
