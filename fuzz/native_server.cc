// native_server: bytes a client sends (preamble, then request frames) through the native server
// codec. Checks: no crash/leak/UB; whole and split feeds agree, and so does a feed that reads
// large messages' tails in place as ServerConn does; every reply the server writes reads back
// with its seq, error and value through the client it was written for: an older client before
// a hello, a new one (types checked, seqs shifted back) after it.
#include "codec/native.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

// RunWithTails feeds the input `step` bytes at a time and, like ServerConn::BeginLarge, tries
// once per message to decode its prefix and copy the rest straight into the value, then the
// records after it (FinishLarge). A request whose records reach back into that value closes
// the stream there (*overlap: the event's index), where the usual path fails that call.
RunResult RunWithTails(const uint8_t* data, size_t size, size_t step, size_t* overlap) {
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
          netrpc::Error call_err;
          if (netrpc::Error err = codec->Large()->LargeRequestEnd(tail, v, &call_err)) {
            if (err.message() == "native: malformed frame: records overlap the body") {
              *overlap = res.events.size();
              return res;
            }
            Event broken;  // as the usual path's header error: nothing of the request
            broken.stream_error = true;
            broken.error = err;
            res.events.push_back(std::move(broken));
            return res;
          }
          ev.error = call_err;
          if (!call_err) ev.body = Canon(v);
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

// Sent is a reply the server wrote, with what its client should read back.
struct Sent {
  Response header;   // as written: seq is the request's seq on the wire (seq' after a hello)
  std::string body;  // Canon() of the reply's value, empty for an error or no body
  BodyKind kind;     // the reply's type (kNone: no body)
};

// ReadBack reads the replies in `bytes` with `client` as ClientCore would, and traps unless
// each is `sent`'s in order: the seq as the client gives it back (shifted by `shift`), the
// error, and the value. Calls sent with types (t = 1) are first written through the client,
// so that it checks the reply type the server sends with them, as a new client does.
void ReadBack(ClientCodec& client, std::string_view bytes, const Sent* sent, size_t n, int shift) {
  if (shift != 0) {
    std::string unused;
    for (size_t i = 0; i < n; ++i) {
      const Sent& s = sent[i];
      AnyBody args;
      Value v = args.For(s.kind);
      if ((s.header.seq & 2) == 0 || v.object == nullptr) continue;
      NativeCallExtras extras{.reply_type = v.type};
      Request h{s.header.service_method, s.header.seq >> shift};
      // A call too large to write is not checked; its reply then reads as an untyped one.
      (void)AsNativeClient(&client)->WriteCall(h, {v.type, v.object}, extras, &unused);
    }
  }
  Response header;
  for (size_t i = 0; i < n; ++i) {
    ReadResult r = client.ReadResponseHeader(bytes, &header);
    if (r.error || r.consumed == 0) __builtin_trap();
    bytes.remove_prefix(r.consumed);
    const Sent& s = sent[i];
    if (header.seq != s.header.seq >> shift || header.error != s.header.error) __builtin_trap();
    AnyBody body;
    Value v = header.error.empty() ? body.For(s.kind) : Value{};
    if (client.ReadResponseBody(v) || Canon(v) != s.body) __builtin_trap();
  }
  if (!bytes.empty()) __builtin_trap();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto make = [] { return NewNativeServerCodec(FuzzLimits()); };
  std::string out;
  std::vector<Sent> sent;
  // Where the first hello was answered: the client reads what came before as an older client
  // (plain seqs, type 2 only) and the rest as a new one after its hello.
  size_t hello_reply = std::string::npos;
  size_t hello_byte = 0;
  auto respond = [&](ServerCodec& codec, const Request& h, const Event& ev, Value v) {
    // As ServerConn::Serve: a cancel is answered by nothing, a hello with success and no body.
    NativeRequest::Control control = AsNativeServer(&codec)->Last().control;
    if (control == NativeRequest::Control::kCancel) return;
    bool hello = control == NativeRequest::Control::kHello;
    Response rh{h.service_method, h.seq, ""};
    if (hello) {
      v = {};
    } else if (v.object == nullptr) {
      rh.error = "rpc: can't find service " + h.service_method;
    } else if (ev.error) {
      rh.error = ev.error.message();
    }
    size_t before = out.size();
    if (codec.WriteResponse(rh, {v.type, v.object}, &out)) {
      if (out.size() != before) __builtin_trap();  // on error nothing is appended
      return;
    }
    if (hello && hello_reply == std::string::npos) {
      hello_reply = sent.size();
      hello_byte = before;
    }
    bool value = rh.error.empty() && v.object != nullptr;
    sent.push_back(
        {rh, value ? ev.body : std::string(), value ? PickBody(h.seq) : BodyKind::kNone});
  };
  RunResult whole = RunServer(make, data, size, size, respond);
  RunResult split = RunServer(make, data, size, SplitPoint(data, size));
  CheckSame(whole, split, /*json=*/false);
  size_t overlap = std::string::npos;
  RunResult tails = RunWithTails(data, size, SplitPoint(data, size) % 4096 + 1, &overlap);
  if (overlap == std::string::npos) {
    CheckSame(whole, tails, false);
  } else {  // the same up to that request, which the usual path did not serve either
    if (tails.events.size() != overlap || whole.events.size() <= overlap) __builtin_trap();
    for (size_t i = 0; i < overlap; ++i) {
      if (!(tails.events[i] == whole.events[i])) __builtin_trap();
    }
    const Event& e = whole.events[overlap];
    if (!e.stream_error && !e.error) __builtin_trap();
  }

  // Every reply reads back as sent, by the client the server took its requester for.
  size_t old_replies = std::min(hello_reply, sent.size());
  auto old_client = NewNativeClientCodec(FuzzLimits(), {}, NativeVersion::kV1);
  ReadBack(
      *old_client,
      std::string_view(out).substr(0, hello_reply == std::string::npos ? out.size() : hello_byte),
      sent.data(), old_replies, 0);
  if (hello_reply != std::string::npos) {
    auto new_client = NewNativeClientCodec(FuzzLimits());
    ReadBack(*new_client, std::string_view(out).substr(hello_byte), sent.data() + old_replies,
             sent.size() - old_replies, 2);
  }
  return 0;
}
