// native_server: bytes a client sends (preamble, then request frames) through the native server
// codec. Checks: no crash/leak/UB; whole and split feeds agree; every response the server
// writes for a request reads back through the native client codec with the same header and the
// same body bytes.
#include "codec/native.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewNativeServerCodec(FuzzLimits()); };
  std::string out;
  std::vector<std::pair<ResponseHeader, std::string>> sent;
  auto respond = [&](ServerCodec& codec, const RequestHeader& h, const Event& ev, Value v) {
    ResponseHeader rh{h.service_method, h.seq, ""};
    if (ev.error) rh.error = "rpc: server cannot decode request: " + ev.error.message();
    if (v.object == nullptr) rh.error = "rpc: can't find service " + h.service_method;
    size_t before = out.size();
    if (codec.WriteResponse(rh, {v.type, v.object}, &out)) {
      if (out.size() != before) __builtin_trap();  // on error nothing is appended
      return;
    }
    sent.emplace_back(rh, rh.error.empty() ? ev.body : std::string());
  };
  RunResult whole = RunServer(make, data, size, size, respond);
  RunResult split = RunServer(make, data, size, SplitPoint(data, size));
  CheckSame(whole, split, /*json=*/false);

  // The responses must read back exactly.
  RunResult back = RunClient([] { return NewNativeClientCodec(FuzzLimits()); },
                             reinterpret_cast<const uint8_t*>(out.data()), out.size(), out.size());
  if (back.consumed != out.size() || back.events.size() != sent.size()) __builtin_trap();
  for (size_t i = 0; i < sent.size(); ++i) {
    const Event& e = back.events[i];
    if (e.stream_error || e.error || e.seq != sent[i].first.seq ||
        e.header_error != sent[i].first.error || e.body != sent[i].second) {
      __builtin_trap();
    }
  }
  return 0;
}
