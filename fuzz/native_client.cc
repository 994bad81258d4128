// native_client: bytes a server sends (response frames, no preamble) through the native client
// codec. Checks: no crash/leak/UB; whole and split feeds agree, and so does a feed that stages
// large responses' tails as ClientCore does (plan, stage, then hand the value over).
#include "codec/native.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

// RunWithStagedTails feeds the input `step` bytes at a time; once per message still
// arriving it plans a staged tail and, when the plan holds, reads the message that way.
RunResult RunWithStagedTails(const uint8_t* data, size_t size, size_t step) {
  auto codec = NewNativeClientCodec(FuzzLimits());
  std::string_view all(reinterpret_cast<const char*>(data), size);
  RunResult res;
  Response header;
  size_t avail = step;
  bool tried = false;
  for (;;) {
    std::string_view in = all.substr(res.consumed, std::min(avail, size) - res.consumed);
    Event ev;
    ReadResult r = codec->ReadResponseHeader(in, &header);
    if (r.error) {
      ev.stream_error = true;
      ev.error = r.error;
      res.events.push_back(std::move(ev));
      return res;
    }
    AnyBody body;
    if (r.consumed > 0) {
      Value v = header.error.empty() ? body.For(PickBody(header.seq)) : Value{};
      ev.method = header.service_method;
      ev.seq = header.seq;
      ev.header_error = header.error;
      ev.error = codec->ReadResponseBody(v);
      if (!ev.error) ev.body = Canon(v);
      res.events.push_back(std::move(ev));
      res.consumed += r.consumed;
      tried = false;
      continue;
    }
    if (!tried) {
      size_t whole = codec->Large()->LargeResponseHeader(in, &header);
      if (whole != 0) {
        tried = true;
        if (whole <= in.size()) __builtin_trap();  // only messages still arriving
        Value v = header.error.empty() ? body.For(PickBody(header.seq)) : Value{};
        TailPlan plan;
        if (v.object != nullptr && codec->Large()->LargeResponseTail(in, v.type, &plan)) {
          if (plan.have > in.size() || plan.size - plan.have != whole - in.size()) {
            __builtin_trap();  // the tail is exactly what is missing
          }
          if (res.consumed + whole > size) return res;  // the input ends inside the tail
          std::string staged_string;
          netrpc::Bytes staged_bytes;
          std::string_view value = all.substr(res.consumed + in.size() - plan.have, plan.size);
          void* staged = &staged_string;
          if (plan.kind == netrpc::Kind::kBytes) {
            staged_bytes.assign(value.begin(), value.end());
            staged = &staged_bytes;
          } else {
            staged_string.assign(value);
          }
          ev.method = header.service_method;
          ev.seq = header.seq;
          ev.header_error = header.error;
          ev.error = codec->Large()->LargeResponseBody(in, v, staged);
          if (ev.error) __builtin_trap();  // a plan that holds decodes
          ev.body = Canon(v);
          res.events.push_back(std::move(ev));
          res.consumed += whole;
          tried = false;
          continue;
        }
      }
    }
    if (avail >= size) return res;
    avail += step;
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewNativeClientCodec(FuzzLimits()); };
  RunResult whole = RunClient(make, data, size, size);
  RunResult split = RunClient(make, data, size, SplitPoint(data, size));
  CheckSame(whole, split, /*json=*/false);
  CheckSame(whole, RunWithStagedTails(data, size, SplitPoint(data, size) % 4096 + 1), false);
  return 0;
}
