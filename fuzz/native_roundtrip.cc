// native_roundtrip: arbitrary bytes decoded by the native value decoder into a described type
// (the first byte picks Every, Tree, or a map<int64, Every>). If they decode, the value is
// encoded again, decoded again, and both the value and its encoding must come out identical.
#include "codec/native_value.h"
#include "fuzz_common.h"

using namespace netrpc::codec;
using namespace fuzz;

namespace {

template <class T>
void RoundTrip(std::string_view in) {
  Limits limits = FuzzLimits();
  T a{};
  NativeReader r1(in, limits);
  if (r1.ReadValue({TypeOf<T>(), &a})) return;
  if (r1.Position() > in.size()) __builtin_trap();
  std::string b1 = Canon({TypeOf<T>(), &a});
  T b{};
  NativeReader r2(b1, limits);
  if (r2.ReadValue({TypeOf<T>(), &b})) __builtin_trap();  // our own encoding must decode
  if (r2.Remaining() != 0) __builtin_trap();              // ... exactly
  if (Canon({TypeOf<T>(), &b}) != b1) __builtin_trap();   // ... to the same value
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      RoundTrip<Every>(in);
      break;
    case 1:
      RoundTrip<Tree>(in);
      break;
    default:
      RoundTrip<std::map<int64_t, Every>>(in);
      break;
  }
  return 0;
}
