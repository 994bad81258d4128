// fuzz_common.h: shared pieces of the netrpc fuzz targets.
// The described types every body is decoded into, and drivers that feed a byte stream through a
// server or client codec the way ServerConn::Run and ClientCore::ReadLoop do: parse every
// complete message in a loop, decode its body, consume it, continue until NeedMore or an error.
//
// Each codec target runs the input twice: whole, and in two pieces split at a point chosen by
// the input (a hash of its bytes), where the codec's NeedMore contract must hold: a read on a
// prefix returns NeedMore or the same result as on the whole. Both runs must see exactly the
// same sequence of headers, bodies and errors; any difference is a __builtin_trap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/codec.h"
#include "codec/native_value.h"
#include "netrpc/describe.h"

namespace fuzz {

using netrpc::Bytes;
using netrpc::ClientCodec;
using netrpc::ConstValue;
using netrpc::ReadResult;
using netrpc::Request;
using netrpc::Response;
using netrpc::ServerCodec;
using netrpc::TypeOf;
using netrpc::Value;
using netrpc::codec::Limits;

enum class Color : int32_t { kRed = 0, kGreen = 1, kBlue = 2 };
enum Small : uint8_t { kOne = 1, kTwo = 2 };

struct Inner {
  std::string Name;
  int64_t N = 0;
  std::vector<std::string> Tags;
  std::map<std::string, double> Weights;
};
NETRPC_STRUCT(Inner, Name, N, Tags, Weights);

// Every has one field of each kind; the names match the Go type in fuzz/go/capture.go, so the
// gob and JSON seeds captured from Go decode into it field for field.
struct Every {
  bool B = false;
  int8_t I8 = 0;
  int16_t I16 = 0;
  int32_t I32 = 0;
  int64_t I64 = 0;
  uint8_t U8 = 0;
  uint16_t U16 = 0;
  uint32_t U32 = 0;
  uint64_t U64 = 0;
  float F32 = 0;
  double F64 = 0;
  std::string S;
  Bytes Raw;
  std::vector<int32_t> Ints;
  std::vector<std::string> Strs;
  std::vector<Inner> Inners;
  std::map<std::string, int64_t> M;
  std::map<int64_t, Inner> MI;
  std::optional<int64_t> P;
  std::optional<Inner> PS;
  Inner In;
  Color E = Color::kRed;
  Small Sm = kOne;
  std::vector<std::vector<int32_t>> Matrix;
};
NETRPC_STRUCT(Every, B, I8, I16, I32, I64, U8, U16, U32, U64, F32, F64, S, Raw, Ints, Strs, Inners,
              M, MI, P, PS, In, E, Sm, Matrix);

// Tree is recursive, so that inputs can reach the codecs' max_depth limits.
struct Tree {
  int64_t V = 0;
  std::vector<Tree> Kids;
};
NETRPC_STRUCT(Tree, V, Kids);

// The body type of a message follows from its seq, as the server's would from the method and
// the client's from the pending call: seq % 5 = 0 Every, 1 Tree, 2 int64, 3 string, 4 none
// (a body the reader skips, as for an unknown method). The Go capture calls in that order.
enum class BodyKind { kEvery, kTree, kInt, kString, kNone };
inline BodyKind PickBody(uint64_t seq) { return static_cast<BodyKind>(seq % 5); }

struct AnyBody {
  Every every;
  Tree tree;
  int64_t i = 0;
  std::string s;
  Value For(BodyKind k) {
    switch (k) {
      case BodyKind::kEvery:
        return {TypeOf<Every>(), &every};
      case BodyKind::kTree:
        return {TypeOf<Tree>(), &tree};
      case BodyKind::kInt:
        return {TypeOf<int64_t>(), &i};
      case BodyKind::kString:
        return {TypeOf<std::string>(), &s};
      case BodyKind::kNone:
        return {};
    }
    return {};
  }
};

// Canonical bytes of a decoded value (the native encoding: exact, NaN-safe, order-stable
// because every map is a std::map).
inline std::string Canon(Value v) {
  std::string out;
  if (v.object != nullptr) netrpc::codec::AppendNativeValue({v.type, v.object}, &out);
  return out;
}

// What one read produced; two runs over the same bytes must produce equal event lists.
struct Event {
  bool stream_error = false;  // ReadRequest/ReadResponse failed: the connection ends
  netrpc::Error error;        // the stream error, or the body's decode error
  std::string method;
  uint64_t seq = 0;
  std::string header_error;  // responses only
  std::string body;          // Canon() of the decoded body when it decoded
  bool operator==(const Event&) const = default;
};

struct RunResult {
  std::vector<Event> events;
  size_t consumed = 0;  // bytes consumed in total
};

// Hooks: what a target may do with each message after reading it (write a response, ...).
struct NoHook {
  template <class... A>
  void operator()(A&&...) {}
};

// Feed: the stream as the transport buffers it: first `split` bytes, then all of them. The
// first piece is copied to an allocation of exactly its size so that ASan sees any read past it.
template <class ReadOne>
RunResult Feed(const uint8_t* data, size_t size, size_t split, ReadOne&& read_one) {
  RunResult res;
  std::unique_ptr<char[]> first;
  std::vector<std::string_view> pieces;
  if (split < size) {
    first.reset(new char[split == 0 ? 1 : split]);
    if (split) std::memcpy(first.get(), data, split);
    pieces.emplace_back(first.get(), split);
  }
  pieces.emplace_back(reinterpret_cast<const char*>(data), size);
  for (std::string_view buf : pieces) {
    for (;;) {
      std::string_view in = buf.substr(res.consumed);
      Event ev;
      size_t consumed = 0;
      bool stop = read_one(in, &ev, &consumed);
      if (consumed > in.size()) __builtin_trap();  // claimed bytes that are not there
      if (stop) {
        res.events.push_back(std::move(ev));
        return res;  // stream error: the connection closes
      }
      if (consumed == 0) break;  // NeedMore: wait for the next piece
      res.events.push_back(std::move(ev));
      res.consumed += consumed;
    }
  }
  return res;
}

// SplitPoint picks where to cut the input, from the input itself (FNV-1a of its bytes), so
// that a saved input reproduces the same split.
inline size_t SplitPoint(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return size == 0 ? 0 : static_cast<size_t>(h % (size + 1));
}

// Small limits keep a fuzzed length from asking for a gigabyte before it is checked.
inline Limits FuzzLimits() {
  Limits l;
  l.max_message_bytes = 1 << 20;
  l.max_depth = 64;
  return l;
}

// RunServer reads requests with codec objects from make(); on_request(codec, header, ev, kind,
// body) is called after each body is decoded (e.g. to write a response).
template <class Make, class Hook = NoHook>
RunResult RunServer(Make&& make, const uint8_t* data, size_t size, size_t split,
                    Hook&& on_request = {}) {
  auto codec = make();
  netrpc::Request header;  // reused across messages, as ServerConn does
  return Feed(data, size, split, [&](std::string_view in, Event* ev, size_t* consumed) {
    netrpc::ReadResult r = codec->ReadRequestHeader(in, &header);
    if (r.error) {
      if (r.consumed != 0) __builtin_trap();  // an error consumes nothing
      ev->stream_error = true;
      ev->error = r.error;
      return true;
    }
    if (r.NeedMore()) return false;
    *consumed = r.consumed;
    ev->method = header.service_method;
    ev->seq = header.seq;
    AnyBody body;
    BodyKind kind = PickBody(header.seq);
    Value v = body.For(kind);
    ev->error = codec->ReadRequestBody(v);
    if (!ev->error) ev->body = Canon(v);
    on_request(*codec, header, *ev, v);
    return false;
  });
}

template <class Make, class Hook = NoHook>
RunResult RunClient(Make&& make, const uint8_t* data, size_t size, size_t split,
                    Hook&& prepare = {}) {
  auto codec = make();
  prepare(*codec);
  netrpc::Response header;  // reused across messages, as ClientCore does
  return Feed(data, size, split, [&](std::string_view in, Event* ev, size_t* consumed) {
    netrpc::ReadResult r = codec->ReadResponseHeader(in, &header);
    if (r.error) {
      if (r.consumed != 0) __builtin_trap();
      ev->stream_error = true;
      ev->error = r.error;
      return true;
    }
    if (r.NeedMore()) return false;
    *consumed = r.consumed;
    ev->method = header.service_method;
    ev->seq = header.seq;
    ev->header_error = header.error;
    AnyBody body;
    // An error response's body is skipped, as ClientCore does.
    Value v = header.error.empty() ? body.For(PickBody(header.seq)) : Value{};
    ev->error = codec->ReadResponseBody(v);
    if (!ev->error) ev->body = Canon(v);
    return false;
  });
}

// CheckSame traps unless the split run saw exactly what the whole run saw. For the JSON
// codecs (json = true) consumed may differ by trailing whitespace, and only error codes are
// compared: Boost.JSON's incremental parser names the same bad input differently depending on
// where a chunk ends (e.g. "illegal leading surrogate" vs "illegal trailing surrogate").
inline void CheckSame(const RunResult& whole, const RunResult& split, bool json) {
  if (!json) {
    if (whole.events != split.events || whole.consumed != split.consumed) __builtin_trap();
    return;
  }
  if (whole.events.size() != split.events.size()) __builtin_trap();
  for (size_t i = 0; i < whole.events.size(); ++i) {
    Event a = whole.events[i], b = split.events[i];
    if (a.error.code() != b.error.code()) __builtin_trap();
    a.error = b.error = {};
    if (!(a == b)) __builtin_trap();
  }
}

}  // namespace fuzz
