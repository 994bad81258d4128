// load.h: what every C++ bench client shares: flags, the W1-W5 table, CPU and RSS readings,
// and the one RESULT line that run.sh parses, so the systems are measured the same way.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "histogram.h"

namespace netrpc::bench {

// Workload is one row of /work/shared/bench-workloads.md; flags may override any field.
struct Workload {
  std::string name = "W1";
  bool echo = false;  // false: Arith.Multiply, true: Echo.Echo
  int conns = 1;
  int inflight = 64;   // per connection
  size_t payload = 0;  // bytes per Echo request
};

inline bool SetWorkload(std::string_view id, Workload* w) {
  if (id == "W1")
    *w = {"W1", false, 1, 64, 0};
  else if (id == "W2")
    *w = {"W2", false, 16, 8, 0};
  else if (id == "W3")
    *w = {"W3", false, 1, 1, 0};
  else if (id == "W4")
    *w = {"W4", true, 1, 32, 4096};
  else if (id == "W5")
    *w = {"W5", true, 1, 4, 1u << 20};
  else
    return false;
  return true;
}

struct ClientFlags {
  std::string addr = "127.0.0.1:7001";
  std::string system = "?";
  std::string protocol = "native";  // netrpc client only: native or gob
  std::string tls_ca;               // netrpc client only: DialTLS, trusting this CA file
  Workload workload;
  double warmup_s = 2;
  double window_s = 10;
  int server_pid = 0;  // when set, the server's CPU over the window and its peak RSS
};

// ParseClientFlags reads --addr --system --workload --conns --inflight --payload --warmup
// --window --server-pid --protocol --tls-ca; exits with a usage message on anything else.
inline ClientFlags ParseClientFlags(int argc, char** argv) {
  ClientFlags f;
  SetWorkload("W1", &f.workload);
  auto usage = [&] {
    std::fprintf(stderr,
                 "usage: %s [--addr host:port] [--workload W1..W5] [--conns N] [--inflight N]\n"
                 "  [--payload BYTES] [--warmup S] [--window S] [--server-pid PID]\n"
                 "  [--system NAME] [--protocol native|gob] [--tls-ca FILE]\n",
                 argv[0]);
    std::exit(2);
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view k = argv[i];
    if (i + 1 >= argc) usage();
    const char* v = argv[++i];
    if (k == "--addr")
      f.addr = v;
    else if (k == "--system")
      f.system = v;
    else if (k == "--tls-ca")
      f.tls_ca = v;
    else if (k == "--protocol")
      f.protocol = v;
    else if (k == "--workload") {
      if (!SetWorkload(v, &f.workload)) usage();
    } else if (k == "--conns")
      f.workload.conns = std::atoi(v);
    else if (k == "--inflight")
      f.workload.inflight = std::atoi(v);
    else if (k == "--payload")
      f.workload.payload = std::strtoull(v, nullptr, 10);
    else if (k == "--warmup")
      f.warmup_s = std::atof(v);
    else if (k == "--window")
      f.window_s = std::atof(v);
    else if (k == "--server-pid")
      f.server_pid = std::atoi(v);
    else
      usage();
  }
  if (f.workload.conns < 1 || f.workload.inflight < 1) usage();
  return f;
}

inline bool SplitHostPort(const std::string& addr, std::string* host, int* port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  *host = addr.substr(0, colon);
  *port = std::atoi(addr.c_str() + colon + 1);
  return *port > 0;
}

inline uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

inline double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// ProcCpuSeconds is utime + stime of pid from /proc/<pid>/stat (fields 14 and 15).
inline double ProcCpuSeconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  size_t paren = line.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return 0;
  std::istringstream fields(line.substr(paren + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  unsigned long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// ProcPeakRssKib is VmHWM of pid from /proc/<pid>/status.
inline long ProcPeakRssKib(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

// Phase is the shared clock of a run: calls complete in kWarmup, are counted in kMeasure,
// and are no longer issued in kStop.
enum Phase : int { kWarmup, kMeasure, kStop };

// Window drives the phases from the main thread and takes the CPU readings at their edges.
class Window {
 public:
  explicit Window(const ClientFlags& flags) : flags_(flags) {}
  std::atomic<int>& phase() { return phase_; }

  // Run sleeps through warm-up and the measured window, switching phases.
  void Run() {
    Sleep(flags_.warmup_s);
    client_cpu0_ = SelfCpuSeconds();
    server_cpu0_ = ProcCpuSeconds(flags_.server_pid);
    start_ns_ = NowNs();
    phase_.store(kMeasure, std::memory_order_release);
    Sleep(flags_.window_s);
    phase_.store(kStop, std::memory_order_release);
    end_ns_ = NowNs();
    client_cpu_ = SelfCpuSeconds() - client_cpu0_;
    server_cpu_ = ProcCpuSeconds(flags_.server_pid) - server_cpu0_;
    server_rss_kib_ = ProcPeakRssKib(flags_.server_pid);
  }

  // Report prints the RESULT line and returns the exit status: 0 when every reply checked
  // out and the window saw at least one call.
  int Report(const Histogram& h, uint64_t errors) const {
    double secs = static_cast<double>(end_ns_ - start_ns_) / 1e9;
    uint64_t calls = h.Count();
    double rate = secs > 0 ? static_cast<double>(calls) / secs : 0;
    double mib_s = rate * static_cast<double>(flags_.workload.payload) / (1 << 20);
    std::printf(
        "RESULT system=%s workload=%s conns=%d inflight=%d payload=%zu window_s=%.3f "
        "calls=%llu calls_per_s=%.0f mib_per_s=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
        "client_cpu_s=%.3f server_cpu_s=%.3f server_rss_kib=%ld errors=%llu\n",
        flags_.system.c_str(), flags_.workload.name.c_str(), flags_.workload.conns,
        flags_.workload.inflight, flags_.workload.payload, secs,
        static_cast<unsigned long long>(calls), rate, mib_s, h.Percentile(0.50) / 1e3,
        h.Percentile(0.99) / 1e3, h.Percentile(0.999) / 1e3, client_cpu_, server_cpu_,
        server_rss_kib_, static_cast<unsigned long long>(errors));
    std::fflush(stdout);
    return errors == 0 && calls > 0 ? 0 : 1;
  }

 private:
  static void Sleep(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }
  const ClientFlags& flags_;
  std::atomic<int> phase_{kWarmup};
  uint64_t start_ns_ = 0, end_ns_ = 0;
  double client_cpu0_ = 0, server_cpu0_ = 0, client_cpu_ = 0, server_cpu_ = 0;
  long server_rss_kib_ = 0;
};

// FillPayload writes a pattern that depends on seed, so a reply of another call fails the check.
inline void FillPayload(uint8_t* p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(seed * 131 + i * 7);
}

}  // namespace netrpc::bench
