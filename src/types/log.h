// log.h: the one way netrpc writes diagnostics: Log(level, pieces...) to the sink a program set
// with SetLogSink (netrpc/log.h). Used only for what has no caller to return an error to.
#pragma once

#include <atomic>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "netrpc/log.h"

namespace netrpc {
namespace detail {

// The sink's minimum level, read without a lock so that a filtered message costs one relaxed
// load and no formatting; above kError when the sink is empty. Written only by SetLogSink.
extern std::atomic<uint8_t> log_min_level;

// WriteLog hands a formatted message to the sink, under the sink's lock (src/types/log.cc).
void WriteLog(LogLevel level, std::string_view message);

template <class Piece>
void AppendPiece(std::string& line, const Piece& piece) {
  if constexpr (std::is_integral_v<Piece> && !std::is_same_v<Piece, char>) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, piece);
    line.append(digits, end);
  } else {
    line.append(std::string_view(piece));
  }
}

}  // namespace detail

// LogEnabled is whether a message at level would reach the sink.
inline bool LogEnabled(LogLevel level) {
  return static_cast<uint8_t>(level) >= detail::log_min_level.load(std::memory_order_relaxed);
}

// Log joins pieces (strings and integers) into one message, only if its level is enabled.
template <class... Pieces>
void Log(LogLevel level, const Pieces&... pieces) {
  if (!LogEnabled(level)) return;
  std::string line;
  (detail::AppendPiece(line, pieces), ...);
  detail::WriteLog(level, line);
}

}  // namespace netrpc
