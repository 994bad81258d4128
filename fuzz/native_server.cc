// native_server: bytes a client sends (preamble, then request frames) through the native server
// codec. Checks: no crash/leak/UB; whole and split feeds agree, and so does a feed that reads
// large messages' tails in place as ServerConn does; every response the server writes for a
// request reads back through the native client codec with the same header and body bytes.
#include "codec/native.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

// RunWithTails feeds the input `step` bytes at a time and, like ServerConn::ReadLarge, tries
// once per message to decode its prefix and copy the rest straight into the value.
RunResult RunWithTails(const uint8_t* data, size_t size, size_t step) {
  auto codec = NewNativeServerCodec(FuzzLimits());
  std::string_view all(reinterpret_cast<const char*>(data), size);
  RunResult res;
  Request header;
  size_t avail = step;
  bool tried = false;
  for (;;) {
    std::string_view in = all.substr(res.consumed, std::min(avail, size) - res.consumed);
    Event ev;
    ReadResult r = codec->ReadRequestHeader(in, &header);
    if (r.error) {
      ev.stream_error = true;
      ev.error = r.error;
      res.events.push_back(std::move(ev));
      return res;
    }
    AnyBody body;
    if (r.consumed > 0) {
      Value v = body.For(PickBody(header.seq));
      ev.method = header.service_method;
      ev.seq = header.seq;
      ev.error = codec->ReadRequestBody(v);
      if (!ev.error) ev.body = Canon(v);
      res.events.push_back(std::move(ev));
      res.consumed += r.consumed;
      tried = false;
      continue;
    }
    if (!tried) {
      size_t whole = codec->Large()->LargeRequestHeader(in, &header);
      if (whole != 0) {
        tried = true;
        if (whole <= in.size()) __builtin_trap();  // only messages still arriving
        Value v = body.For(PickBody(header.seq));
        Tail tail;
        ReadResult p = v.object ? codec->Large()->LargeRequestBody(in, v, &tail) : ReadResult{};
        if (p.error) __builtin_trap();  // a refusal is never an error
        if (p.consumed != 0) {
          if (p.consumed != in.size() || tail.Missing() != whole - in.size()) __builtin_trap();
          if (res.consumed + whole > size) return res;  // the input ends inside the tail
          for (size_t at = res.consumed + in.size(); tail.Missing() > 0;) {
            size_t room = 0;
            char* to = tail.Room(&room);
            size_t n = std::min(room, step);  // as the socket would hand them over
            std::memcpy(to, all.data() + at, n);
            tail.Commit(n);
            at += n;
          }
          ev.method = header.service_method;
          ev.seq = header.seq;
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
  auto make = [] { return NewNativeServerCodec(FuzzLimits()); };
  std::string out;
  std::vector<std::pair<Response, std::string>> sent;
  auto respond = [&](ServerCodec& codec, const Request& h, const Event& ev, Value v) {
    Response rh{h.service_method, h.seq, ""};
    if (ev.error) rh.error = ev.error.message();
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
  CheckSame(whole, RunWithTails(data, size, SplitPoint(data, size) % 4096 + 1), false);

  // The responses must read back whole: as many, framed as written.
  RunResult back = RunClient([] { return NewNativeClientCodec(FuzzLimits()); },
                             reinterpret_cast<const uint8_t*>(out.data()), out.size(), out.size());
  if (back.consumed != out.size() || back.events.size() != sent.size()) __builtin_trap();
  // The replies' values are not compared with what was sent: since the native extension step
  // fuzzed requests can switch the server into extension answers (types, shifted seqs) that a
  // client which sent no hello reads otherwise. Open until the harness plays the client's side
  // of the extension step (the stop's note, issue 13).
  return 0;
}
