// msgpack_scan.cc: walks msgpack's type bytes to the end of one value, reading lengths and
// counts but never the data; every length is compared with the bytes present, never trusted.
#include "msgpack_scan.h"

#include <cstdint>

namespace msgpackrpc {
namespace {

using ScanStatus = ScanResult::Status;

class Scanner {
 public:
  Scanner(std::string_view in, size_t pos, size_t max_depth)
      : in_(in), pos_(pos), max_depth_(max_depth) {}

  ScanResult Run() {
    ScanResult r;
    r.status = Value(0);
    r.end = r.status == ScanStatus::kComplete ? pos_ : 0;
    r.need = r.status == ScanStatus::kNeedMore ? need_ : 0;
    r.error = std::move(error_);
    return r;
  }

 private:
  ScanStatus Value(size_t depth) {
    if (depth > max_depth_) {
      return Malformed("values nested deeper than " + std::to_string(max_depth_));
    }
    if (pos_ >= in_.size()) return NeedMore(pos_ + 1);
    const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
    if (b <= wire::kPositiveFixintMax || b >= wire::kNegativeFixintMin) return Done();
    if ((b & 0xf0) == wire::kFixmap) return Items(2 * uint64_t{b & 0x0fu}, depth);
    if ((b & 0xf0) == wire::kFixarray) return Items(b & 0x0fu, depth);
    if ((b & 0xe0) == wire::kFixstr) return Skip(b & 0x1fu);
    switch (b) {
      case wire::kNil:
      case wire::kFalse:
      case wire::kTrue:
        return Done();
      case wire::kNeverUsed:
        return Malformed("type byte 0xc1 is never used");
      case wire::kFloat32:
        return Skip(4);
      case wire::kFloat64:
        return Skip(8);
      default:
        break;
    }
    // The other type bytes come in runs of widths 1, 2, 4 (and 8, 16): `b - first` picks one.
    auto in_run = [b](uint8_t first, int count) { return b >= first && b < first + count; };
    auto width = [b](uint8_t first) { return size_t{1} << (b - first); };
    if (in_run(wire::kUint8, 4)) return Skip(width(wire::kUint8));
    if (in_run(wire::kInt8, 4)) return Skip(width(wire::kInt8));
    if (in_run(wire::kFixext1, 5)) return Skip(1 + width(wire::kFixext1));  // type, then data
    if (in_run(wire::kStr8, 3)) return Data(width(wire::kStr8), 0);
    if (in_run(wire::kBin8, 3)) return Data(width(wire::kBin8), 0);
    if (in_run(wire::kExt8, 3)) return Data(width(wire::kExt8), 1);  // type byte, then data
    if (in_run(wire::kArray16, 2)) return Container(2 * width(wire::kArray16), 1, depth);
    if (in_run(wire::kMap16, 2)) return Container(2 * width(wire::kMap16), 2, depth);
    return Malformed("unknown type byte");  // unreachable: every byte is one of the above
  }

  // Items scans count values, the elements of an array or the keys and values of a map.
  ScanStatus Items(uint64_t count, size_t depth) {
    // Every value takes at least one byte, so a count past the input can only be waited for.
    if (count > in_.size() - pos_) return NeedMore(pos_ + count);
    for (uint64_t i = 0; i < count; ++i) {
      if (ScanStatus s = Value(depth + 1); s != ScanStatus::kComplete) return s;
    }
    return Done();
  }

  // Data reads a big-endian length of `width` bytes, then skips that many bytes and `extra`.
  ScanStatus Data(size_t width, size_t extra) {
    uint64_t n = 0;
    if (ScanStatus s = Length(width, &n); s != ScanStatus::kComplete) return s;
    return Skip(n + extra);
  }

  // Container reads a big-endian count of `width` bytes, then scans count * per_entry values.
  ScanStatus Container(size_t width, uint64_t per_entry, size_t depth) {
    uint64_t n = 0;
    if (ScanStatus s = Length(width, &n); s != ScanStatus::kComplete) return s;
    return Items(n * per_entry, depth);
  }

  ScanStatus Length(size_t width, uint64_t* n) {
    if (width > in_.size() - pos_) return NeedMore(pos_ + width);
    *n = wire::LoadBigEndian(in_.data() + pos_, width);
    pos_ += width;
    return Done();
  }

  ScanStatus Skip(uint64_t n) {
    if (n > in_.size() - pos_) return NeedMore(pos_ + n);
    pos_ += n;
    return Done();
  }

  static ScanStatus Done() { return ScanStatus::kComplete; }
  ScanStatus NeedMore(uint64_t need) {
    need_ = need;
    return ScanStatus::kNeedMore;
  }
  ScanStatus Malformed(std::string what) {
    error_ = std::move(what) + " at byte " + std::to_string(pos_);
    return ScanStatus::kMalformed;
  }

  std::string_view in_;
  size_t pos_;
  size_t max_depth_;
  uint64_t need_ = 0;
  std::string error_;
};

}  // namespace

ScanResult ScanValue(std::string_view in, size_t pos, size_t max_depth) {
  return Scanner(in, pos, max_depth).Run();
}

}  // namespace msgpackrpc
