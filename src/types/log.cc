// log.cc: the log sink a program sets (netrpc/log.h) and the default one, stderr.
// SetLogSink swaps the sink at once and then waits until no message is inside the old one.
#include "types/log.h"

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>

namespace netrpc {
namespace detail {

constexpr uint8_t kDefaultMinLevel = static_cast<uint8_t>(LogLevel::kWarning);
constexpr uint8_t kNothing = static_cast<uint8_t>(LogLevel::kError) + 1;

std::atomic<uint8_t> log_min_level{kDefaultMinLevel};

namespace {

// Installed is one SetLogSink's sink; it lives until the last message delivered to it returns.
struct Installed {
  LogLevel min_level;
  LogSink sink;
  int running = 0;  // messages inside sink now; guarded by SinkState::mu
  // Replaced by its own sink (SetLogSink from inside it): the last message out deletes it.
  bool orphaned = false;  // guarded by SinkState::mu
};

struct SinkState {
  // Guards current and every Installed's running. Held only to pick the sink and to count, not
  // while a sink runs, so a slow sink delays neither other messages nor SetLogSink's swap.
  std::mutex mu;
  std::condition_variable idle;  // an Installed that was replaced has no message running
  std::unique_ptr<Installed> current =
      std::make_unique<Installed>(Installed{LogLevel::kWarning, LogToStderr});
};

// The state is never destroyed: a server destroyed during static destruction still logs.
SinkState& State() {
  static SinkState* state = new SinkState;
  return *state;
}

// The sink this thread is running, if any: a message the sink itself causes is dropped rather
// than delivered into the sink again, and a SetLogSink from inside it does not wait for itself.
thread_local Installed* running_here = nullptr;

}  // namespace

void WriteLog(LogLevel level, std::string_view message) {
  if (running_here != nullptr) return;
  SinkState& state = State();
  Installed* installed;
  {
    std::lock_guard lock(state.mu);
    installed = state.current.get();
    // Checked again here: a sink set since LogEnabled has its own level.
    if (level < installed->min_level || !installed->sink) return;
    ++installed->running;
  }
  running_here = installed;
  try {
    installed->sink(level, message);
  } catch (...) {  // a sink's exception must not unwind through netrpc's I/O threads
  }
  running_here = nullptr;
  std::unique_lock lock(state.mu);
  if (--installed->running > 0 || installed == state.current.get()) return;
  state.idle.notify_all();
  if (installed->orphaned) {
    lock.unlock();
    delete installed;
  }
}

}  // namespace detail

void SetLogSink(LogLevel min_level, LogSink sink) {
  detail::SinkState& state = detail::State();
  auto next = std::make_unique<detail::Installed>(detail::Installed{min_level, std::move(sink)});
  uint8_t enabled_from = next->sink ? static_cast<uint8_t>(min_level) : detail::kNothing;
  std::unique_ptr<detail::Installed> old;
  {
    std::unique_lock lock(state.mu);
    old = std::exchange(state.current, std::move(next));
    detail::log_min_level.store(enabled_from, std::memory_order_relaxed);
    // New messages go to the new sink from here on; the old one may still be running.
    if (old.get() == detail::running_here) {
      // Called from inside old's sink: waiting would wait for itself. The last of old's
      // messages to return deletes it, since a sink cannot be destroyed while it runs.
      old->orphaned = true;
      (void)old.release();
      return;
    }
    state.idle.wait(lock, [&] { return old->running == 0; });
  }
  // old is destroyed here, outside the lock: what its sink captured may log on the way out.
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
