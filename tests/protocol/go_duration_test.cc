// go_duration_test.cc: GoDurationString against time.Duration.String, value for value, over
// every unit, the carries between them, both signs and the int64 extremes.
#include "protocol/go_duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string_view>

namespace {

struct Case {
  int64_t ns;
  std::string_view go;
};

// Printed by Go 1.19 (go run): for each d, fmt.Printf("{%d, %q},\n", d, time.Duration(d).String())
// ("µ" is U+00B5, as %q left it).
constexpr Case kCapturedFromGo[] = {
    {0, "0s"},
    {1, "1ns"},
    {999, "999ns"},
    {1000, "1µs"},
    {1500, "1.5µs"},
    {999999, "999.999µs"},
    {1000000, "1ms"},
    {1500000, "1.5ms"},
    {500000000, "500ms"},
    {999999999, "999.999999ms"},
    {1000000000, "1s"},
    {1500000000, "1.5s"},
    {60000000000, "1m0s"},
    {61500000000, "1m1.5s"},
    {3600000000000, "1h0m0s"},
    {3723000000000, "1h2m3s"},
    {10000000000, "10s"},
    {-1, "-1ns"},
    {-1500000000, "-1.5s"},
    {-1000, "-1µs"},
    {std::numeric_limits<int64_t>::max(), "2562047h47m16.854775807s"},
    {std::numeric_limits<int64_t>::min(), "-2562047h47m16.854775808s"},
    {360000000000000, "100h0m0s"},
    {1000000001, "1.000000001s"},
};

TEST(GoDuration, FormatsAsGoDurationString) {
  for (const Case& c : kCapturedFromGo) {
    EXPECT_EQ(netrpc::protocol::GoDurationString(c.ns), c.go) << c.ns;
  }
}

TEST(GoDuration, MicroSignIsU00B5InUtf8) {
  EXPECT_EQ(netrpc::protocol::GoDurationString(2000), "2\xC2\xB5s");
}

}  // namespace
