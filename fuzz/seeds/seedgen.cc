// seedgen: writes the native seed corpora from real codec output: the request stream a netrpc
// client sends (NativeClientCodec::WriteRequest), the response stream a netrpc server sends
// (NativeServerCodec::WriteResponse), and single encoded values for native_roundtrip.
// Usage: seedgen DIR   (writes DIR/native_server, DIR/native_client, DIR/native_roundtrip)
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

#include "codec/native.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

namespace {

Every SampleEvery(int variant) {
  Every e;
  if (variant == 0) return e;
  e.B = true;
  e.I8 = -8;
  e.I16 = -1600;
  e.I32 = 320000;
  e.I64 = std::numeric_limits<int64_t>::min();
  e.U8 = 200;
  e.U16 = 65000;
  e.U32 = 4000000000u;
  e.U64 = std::numeric_limits<uint64_t>::max();
  e.F32 = 1.5f;
  e.F64 = variant == 2 ? std::nan("") : -2.25e100;
  e.S = "h\xC3\xA9llo";
  e.Raw = {0, 1, 2, 255};
  e.Ints = {1, -1, 0, 300};
  e.Strs = {"a", "", "c"};
  e.Inners = {Inner{"x", 1, {"t"}, {{"w", 0.5}}}, Inner{}};
  e.M = {{"k", 9}, {"", -1}};
  e.MI = {{-5, Inner{"neg", -5, {}, {}}}, {7, Inner{}}};
  e.P = -42;
  e.PS = Inner{"ps", 2, {"a", "b"}, {}};
  e.In = Inner{"in", 3, {}, {{"pi", 3.14}}};
  e.E = Color::kBlue;
  e.Sm = kTwo;
  e.Matrix = {{1, 2}, {}, {3}};
  return e;
}

Tree SampleTree(int depth) {
  Tree t;
  t.V = depth * 100 - 7;
  for (int i = 0; i < depth; ++i) t.Kids.push_back(SampleTree(depth - 1));
  return t;
}

void Write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

// Bodies in the order of fuzz::PickBody: seq % 5 = Every, Tree, int64, string, none.
struct Bodies {
  Every every;
  Tree tree;
  int64_t i = -123456789;
  std::string s = "hello, world";
  ConstValue For(uint64_t seq) {
    switch (PickBody(seq)) {
      case BodyKind::kEvery:
        return {TypeOf<Every>(), &every};
      case BodyKind::kTree:
        return {TypeOf<Tree>(), &tree};
      case BodyKind::kInt:
        return {TypeOf<int64_t>(), &i};
      case BodyKind::kString:
        return {TypeOf<std::string>(), &s};
      default:
        return {};
    }
  }
};

const char* const kMethods[] = {"Svc.Every", "Svc.Tree", "Svc.Int", "Svc.Str", "Svc.Nope"};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: seedgen DIR\n";
    return 2;
  }
  std::filesystem::path root = argv[1];
  for (int variant = 0; variant < 3; ++variant) {
    Bodies b;
    b.every = SampleEvery(variant);
    b.tree = SampleTree(variant + 1);
    // A client stream: calls seq 0..9, method ids interned after the first use of each name.
    auto client = NewNativeClientCodec(Limits{});
    std::string requests;
    for (uint64_t seq = 0; seq < (variant == 0 ? 1u : 10u); ++seq) {
      Request h{kMethods[seq % 5], seq};
      if (client->WriteRequest(h, b.For(seq), &requests)) return 1;
    }
    Write(root / "native_server", "netrpc_client_" + std::to_string(variant), requests);

    auto server = NewNativeServerCodec(Limits{});
    std::string responses;
    for (uint64_t seq = 0; seq < (variant == 0 ? 1u : 10u); ++seq) {
      Response h{kMethods[seq % 5], seq, ""};
      if (seq % 5 == 4) h.error = "rpc: can't find method Svc.Nope";
      if (server->WriteResponse(h, b.For(seq), &responses)) return 1;
    }
    Write(root / "native_client", "netrpc_server_" + std::to_string(variant), responses);

    for (uint8_t sel = 0; sel < 3; ++sel) {
      std::string v(1, static_cast<char>(sel));
      if (sel == 0) AppendNativeValue({TypeOf<Every>(), &b.every}, &v);
      if (sel == 1) AppendNativeValue({TypeOf<Tree>(), &b.tree}, &v);
      if (sel == 2) {
        std::map<int64_t, Every> m{{-1, b.every}, {5, Every{}}};
        AppendNativeValue({TypeOf<std::map<int64_t, Every>>(), &m}, &v);
      }
      Write(root / "native_roundtrip",
            "value_" + std::to_string(sel) + "_" + std::to_string(variant), v);
    }
  }
  // An extended client's stream (native.h): its hello, typed first calls (every call, as no
  // reply has come back), calls with a deadline and metadata, and, once the hello's answer
  // has said the server speaks the extensions, a cancel. A call with a body goes out as
  // seq' = seq << 2 | 3, the seq the server picks its body type by.
  Bodies b;
  b.every = SampleEvery(1);
  b.tree = SampleTree(2);
  auto client = NewNativeClientCodec(Limits{});
  Metadata md{{"authorization", "Bearer t0ken"}, {"trace", "7"}};
  std::string requests;
  for (uint64_t seq = 0; seq < 9; ++seq) {
    uint64_t wire_seq = seq << 2 | 3;
    ConstValue body = b.For(wire_seq);
    if (body.object == nullptr) continue;
    NativeCallExtras extras{body.type, std::chrono::milliseconds(seq % 2 ? 1500 : 0),
                            seq % 3 == 0 ? &md : nullptr};
    Request h{kMethods[static_cast<size_t>(PickBody(wire_seq))], seq};
    if (AsNativeClient(client.get())->WriteCall(h, body, extras, &requests)) return 1;
  }
  auto server = NewNativeServerCodec(Limits{});
  Request hello;
  std::string answer;
  if (server->ReadRequestHeader(requests, &hello).consumed == 0 ||
      server->WriteResponse({hello.service_method, hello.seq, ""}, {}, &answer)) {
    return 1;
  }
  Response got;
  if (client->ReadResponseHeader(answer, &got).consumed == 0 ||
      !AsNativeClient(client.get())->WriteCancel(5, &requests)) {
    return 1;
  }
  Write(root / "native_server", "netrpc_client_extended", requests);
  return 0;
}
