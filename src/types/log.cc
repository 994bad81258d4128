// log.cc: the log sink a program sets (netrpc/log.h) and the default one, stderr.
// Messages hold a shared lock while the sink runs, so SetLogSink waits for the sink it replaces.
#include "types/log.h"

#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <utility>

namespace netrpc {
namespace detail {

constexpr uint8_t kDefaultMinLevel = static_cast<uint8_t>(LogLevel::kWarning);
constexpr uint8_t kNothing = static_cast<uint8_t>(LogLevel::kError) + 1;

std::atomic<uint8_t> log_min_level{kDefaultMinLevel};

namespace {

struct SinkState {
  std::shared_mutex mu;  // guards min_level and sink; shared while a message is delivered
  LogLevel min_level = LogLevel::kWarning;
  LogSink sink = LogToStderr;
};

// The state is never destroyed: a server destroyed during static destruction still logs.
SinkState& State() {
  static SinkState* state = new SinkState;
  return *state;
}

// Set while this thread runs the sink: a message the sink itself causes is dropped rather
// than delivered into the sink again (or locked for again).
thread_local bool in_sink = false;

}  // namespace

void WriteLog(LogLevel level, std::string_view message) {
  if (in_sink) return;
  SinkState& state = State();
  std::shared_lock lock(state.mu);
  // The level is checked again here: a sink set between LogEnabled and the lock has its own.
  if (level < state.min_level || !state.sink) return;
  in_sink = true;
  try {
    state.sink(level, message);
  } catch (...) {  // a sink's exception must not unwind through netrpc's I/O threads
  }
  in_sink = false;
}

}  // namespace detail

void SetLogSink(LogLevel min_level, LogSink sink) {
  detail::SinkState& state = detail::State();
  LogSink old;
  {
    std::unique_lock lock(state.mu);
    old = std::exchange(state.sink, std::move(sink));
    state.min_level = min_level;
    detail::log_min_level.store(state.sink ? static_cast<uint8_t>(min_level) : detail::kNothing,
                                std::memory_order_relaxed);
  }
  // old is destroyed here, outside the lock: what it captured may log on the way out.
}

void ResetLogSink() { SetLogSink(LogLevel::kWarning, LogToStderr); }

void LogToStderr(LogLevel level, std::string_view message) {
  std::string line = "netrpc: ";
  line.append(LogLevelName(level));
  line.append(": ");
  line.append(message);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines never interleave
}

}  // namespace netrpc
