// log.h: the one place netrpc writes diagnostics (to stderr, one line per call, like Go's log).
// Used for what has no caller to return an error to: a dropped connection, a bad frame.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace netrpc {

inline void Log(std::string_view message) {
  std::string line = "netrpc: ";
  line.append(message);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines never interleave
}

}  // namespace netrpc
