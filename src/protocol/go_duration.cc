// go_duration.cc: time.Duration.String as Go 1.19's src/time/time.go writes it, digit by digit
// from the right, so that every int64 (math.MinInt64 included) formats as Go's does.
#include "protocol/go_duration.h"

#include <string_view>

namespace netrpc::protocol {
namespace {

// FmtFrac writes v's last prec digits as a fraction (".5"), without trailing zeros and
// without the point when they are all zero, ending at buf[w]; it returns v / 10^prec.
uint64_t FmtFrac(char* buf, int* w, uint64_t v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) buf[--*w] = static_cast<char>('0' + digit);
    v /= 10;
  }
  if (print) buf[--*w] = '.';
  return v;
}

void FmtInt(char* buf, int* w, uint64_t v) {
  if (v == 0) {
    buf[--*w] = '0';
    return;
  }
  for (; v > 0; v /= 10) buf[--*w] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::string GoDurationString(int64_t nanoseconds) {
  constexpr uint64_t kMicrosecond = 1000, kMillisecond = 1000 * kMicrosecond,
                     kSecond = 1000 * kMillisecond;
  char buf[32];  // the longest is "-2562047h47m16.854775808s"
  int w = sizeof(buf);
  uint64_t u = static_cast<uint64_t>(nanoseconds);
  bool neg = nanoseconds < 0;
  if (neg) u = -u;  // unsigned negation: exact for the most negative value too
  if (u < kSecond) {
    if (u == 0) return "0s";
    buf[--w] = 's';
    int prec = 0;
    if (u < kMicrosecond) {
      buf[--w] = 'n';
    } else if (u < kMillisecond) {
      prec = 3;
      buf[--w] = '\xB5';  // U+00B5 MICRO SIGN, as Go writes it
      buf[--w] = '\xC2';
    } else {
      prec = 6;
      buf[--w] = 'm';
    }
    u = FmtFrac(buf, &w, u, prec);
    FmtInt(buf, &w, u);
  } else {
    buf[--w] = 's';
    u = FmtFrac(buf, &w, u, 9);
    FmtInt(buf, &w, u % 60);  // seconds
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      FmtInt(buf, &w, u % 60);
      u /= 60;
      if (u > 0) {  // Go stops at hours: days differ in length
        buf[--w] = 'h';
        FmtInt(buf, &w, u);
      }
    }
  }
  if (neg) buf[--w] = '-';
  return std::string(buf + w, sizeof(buf) - w);
}

}  // namespace netrpc::protocol
