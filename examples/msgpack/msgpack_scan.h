// msgpack_scan.h: finds where one msgpack value ends without decoding it. msgpackrpc has no
// length prefix, so this is its framing; the reader also uses it to skip fields it ignores.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "msgpack_wire.h"

namespace msgpackrpc {

struct ScanResult {
  enum class Status {
    kComplete,   // the value ends at `end`
    kNeedMore,   // the value has not all arrived; it needs at least `need` bytes of input
    kMalformed,  // no bytes that follow can make this a value: `error` says why
  };
  Status status = Status::kNeedMore;
  size_t end = 0;
  size_t need = 0;
  std::string error;
};

// ScanValue scans the value that starts at in[pos]. Nothing is allocated for a length the
// value declares: a length past the input is kNeedMore with that length in `need`, so a
// caller can refuse it as too large before waiting for it. Values nested deeper than
// max_depth are malformed.
ScanResult ScanValue(std::string_view in, size_t pos, size_t max_depth = wire::kDefaultMaxDepth);

}  // namespace msgpackrpc
