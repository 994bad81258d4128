// codec_bench.cc: Google Benchmark micro-benchmarks of the native and gob codecs on W1's args
// and on 4 KiB and 1 MiB byte payloads, with heap allocations per operation counted.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "bench_service.h"
#include "codec/gob.h"
#include "codec/native.h"
#include "codec/native_value.h"

// GCC sees the replaced operator delete inlined next to the replaced operator new and takes
// the malloc/free pair for a mismatch; it is not one.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Every allocation in this binary goes through these, so a benchmark can report how many
// its operation made. Relaxed atomics: the benchmarks are single-threaded.
namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace netrpc::bench {
namespace {

// AllocationCounter turns the allocations made while it lived into "allocs/op".
class AllocationCounter {
 public:
  explicit AllocationCounter(benchmark::State& state)
      : state_(state), start_(g_allocations.load(std::memory_order_relaxed)) {}
  ~AllocationCounter() {
    state_.counters["allocs/op"] = benchmark::Counter(
        static_cast<double>(g_allocations.load() - start_), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  uint64_t start_;
};

// Payload is what one benchmark sends: W1's Args (range 0) or a byte string of range bytes.
struct Payload {
  explicit Payload(int64_t size) {
    if (size > 0) {
      bytes.resize(static_cast<size_t>(size));
      for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7);
    }
  }
  bool IsArgs() const { return bytes.empty(); }
  ConstValue Get() const {
    return IsArgs() ? ConstValue{TypeOf<Args>(), &args} : ConstValue{TypeOf<Bytes>(), &bytes};
  }
  const char* Method() const { return IsArgs() ? "Arith.Multiply" : "Echo.Echo"; }
  size_t WireBytes() const { return IsArgs() ? 16 : bytes.size(); }

  Args args{123456789, -987654321};
  Bytes bytes;
};

// Decoded is where decoding benchmarks put the value, reused across iterations.
struct Decoded {
  Args args;
  Bytes bytes;
  Value Get(const Payload& p) {
    return p.IsArgs() ? Value{TypeOf<Args>(), &args} : Value{TypeOf<Bytes>(), &bytes};
  }
};

void SetBytes(benchmark::State& state, const Payload& p) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * p.WireBytes()));
}

// The value alone: AppendNativeValue and NativeReader, no frame.
void BM_NativeValueEncode(benchmark::State& state) {
  Payload p(state.range(0));
  std::string out;
  AllocationCounter allocs(state);
  for (auto _ : state) {
    out.clear();
    codec::AppendNativeValue(p.Get(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  SetBytes(state, p);
}

void BM_NativeValueDecode(benchmark::State& state) {
  Payload p(state.range(0));
  std::string in;
  codec::AppendNativeValue(p.Get(), &in);
  codec::Limits limits;
  Decoded d;
  AllocationCounter allocs(state);
  for (auto _ : state) {
    codec::NativeReader reader(in, limits);
    if (Error err = reader.ReadValue(d.Get(p))) state.SkipWithError(err.message().c_str());
    benchmark::DoNotOptimize(d.args.A);
  }
  SetBytes(state, p);
}

using ClientCodecFactory = std::unique_ptr<netrpc::ClientCodec> (*)(const codec::Limits&);
using ServerCodecFactory = std::unique_ptr<netrpc::ServerCodec> (*)(const codec::Limits&);

// A whole request message, as a client writes it on a connection already in steady state
// (method id interned, gob types already sent).
void RequestEncode(benchmark::State& state, ClientCodecFactory factory) {
  Payload p(state.range(0));
  codec::Limits limits;
  auto client = factory(limits);
  std::string out;
  netrpc::Request header{p.Method(), 0};
  client->WriteRequest(header, p.Get(), &out);  // the first message carries the extras
  AllocationCounter allocs(state);
  for (auto _ : state) {
    out.clear();
    ++header.seq;
    if (Error err = client->WriteRequest(header, p.Get(), &out)) {
      state.SkipWithError(err.message().c_str());
    }
    benchmark::DoNotOptimize(out.data());
  }
  SetBytes(state, p);
}

// The server side: parse the header and decode the body of a steady-state request.
void RequestDecode(benchmark::State& state, ClientCodecFactory client_factory,
                   ServerCodecFactory server_factory) {
  Payload p(state.range(0));
  codec::Limits limits;
  auto client = client_factory(limits);
  std::string first, steady;
  client->WriteRequest({p.Method(), 1}, p.Get(), &first);
  client->WriteRequest({p.Method(), 2}, p.Get(), &steady);
  auto server = server_factory(limits);
  netrpc::Request header;
  Decoded d;
  netrpc::ReadResult r = server->ReadRequestHeader(first, &header);
  if (r.error || r.NeedMore() || server->ReadRequestBody(d.Get(p))) {
    state.SkipWithError("first request does not decode");
    return;
  }
  AllocationCounter allocs(state);
  for (auto _ : state) {
    r = server->ReadRequestHeader(steady, &header);
    if (r.consumed != steady.size()) state.SkipWithError("steady request does not decode");
    if (Error err = server->ReadRequestBody(d.Get(p))) state.SkipWithError(err.message().c_str());
    benchmark::DoNotOptimize(d.args.A);
  }
  SetBytes(state, p);
}

// Factories as plain function pointers, whatever defaulted parameters the codecs grow.
std::unique_ptr<netrpc::ClientCodec> NativeClient(const codec::Limits& l) {
  return codec::NewNativeClientCodec(l);
}
std::unique_ptr<netrpc::ServerCodec> NativeServer(const codec::Limits& l) {
  return codec::NewNativeServerCodec(l);
}
std::unique_ptr<netrpc::ClientCodec> GobClient(const codec::Limits& l) {
  return codec::NewGobClientCodec(l);
}
std::unique_ptr<netrpc::ServerCodec> GobServer(const codec::Limits& l) {
  return codec::NewGobServerCodec(l);
}

void BM_NativeRequestEncode(benchmark::State& state) { RequestEncode(state, NativeClient); }
void BM_NativeRequestDecode(benchmark::State& state) {
  RequestDecode(state, NativeClient, NativeServer);
}
void BM_GobRequestEncode(benchmark::State& state) { RequestEncode(state, GobClient); }
void BM_GobRequestDecode(benchmark::State& state) { RequestDecode(state, GobClient, GobServer); }

// Arg 0 is W1's Args; 4096 and 1 MiB are Echo's byte payloads.
#define PAYLOADS Arg(0)->Arg(4096)->Arg(1 << 20)
BENCHMARK(BM_NativeValueEncode)->PAYLOADS;
BENCHMARK(BM_NativeValueDecode)->PAYLOADS;
BENCHMARK(BM_NativeRequestEncode)->PAYLOADS;
BENCHMARK(BM_NativeRequestDecode)->PAYLOADS;
BENCHMARK(BM_GobRequestEncode)->PAYLOADS;
BENCHMARK(BM_GobRequestDecode)->PAYLOADS;

}  // namespace
}  // namespace netrpc::bench

BENCHMARK_MAIN();
