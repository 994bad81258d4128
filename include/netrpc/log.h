// log.h: where netrpc's diagnostics go, and how a program routes them into its own logging.
// netrpc logs only what has no caller to return an error to; an error a call returns is never
// logged as well.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace netrpc {

// LogLevel orders netrpc's messages, least to most severe.
enum class LogLevel : uint8_t {
  kDebug,    // routine events: a peer hung up between requests
  kInfo,     // what the options asked for: an idle connection closed
  kWarning,  // a peer or the program misbehaved: a bad frame, a connection over the limit
  kError,    // netrpc could not clean up: a server's state leaked at destruction
};

// LogLevelName is "debug", "info", "warning" or "error".
constexpr std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

// LogSink receives one message: its level and the text, without a trailing newline. The
// text is valid only during the call.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// SetLogSink sends every later message at min_level or above to sink (an empty sink drops them
// all); messages below min_level are not even formatted (one relaxed atomic load). Safe from
// any thread at any time: once it returns, the previous sink is not running and is never called
// again (called from inside that sink, it returns at once and the sink is destroyed when it
// returns). A sink may be called from any of netrpc's threads, concurrently, and should not
// block for long; what it logs through netrpc itself is dropped, and so is an exception it
// throws.
void SetLogSink(LogLevel min_level, LogSink sink);

// ResetLogSink restores the default: kWarning and above to LogToStderr.
void ResetLogSink();

// LogToStderr is the default sink: one line "netrpc: <level>: <message>" per message, written
// with one write so lines from different threads never interleave. netrpc never writes to
// stdout. SetLogSink(LogLevel::kDebug, LogToStderr) shows everything.
void LogToStderr(LogLevel level, std::string_view message);

}  // namespace netrpc
