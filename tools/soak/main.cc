// main.cc: netrpc_soak, a long-running load of mixed calls that checks every reply against its
// request and prints calls made, failed, mismatched, and the process's RSS over time.
//
//   netrpc_soak [--seconds N] [--clients N] [--inflight N] [--report-every N] [--addr HOST:PORT]
//
// Without --addr it serves in-process on 127.0.0.1:0. Mismatched must be 0 and RSS flat; it
// exits 1 when a reply was wrong or a call failed in a way its request did not ask for.
#include <netrpc/netrpc.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

struct Args {
  int64_t A = 0, B = 0;
};
NETRPC_STRUCT(Args, A, B);

struct Soak {
  netrpc::Error Multiply(const Args& a, int64_t* r) {
    *r = a.A * a.B;
    return {};
  }
  netrpc::Error Echo(const netrpc::Bytes& b, netrpc::Bytes* r) {
    *r = b;
    return {};
  }
  netrpc::Error Fail(const std::string& why, int64_t*) { return netrpc::Error(why); }
  netrpc::Error Sleep(const int64_t& ms, int64_t* r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    *r = ms;
    return {};
  }
};
NETRPC_SERVICE(Soak, Multiply, Echo, Fail, Sleep);

struct Counters {
  std::atomic<uint64_t> calls{0}, failed{0}, mismatched{0}, timeouts{0}, reconnects{0};
};

long RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// RunClient keeps `inflight` calls going on one connection until `stop`, re-dialing now and
// then; each call checks its reply against what it asked for.
void RunClient(const std::string& addr, int id, int inflight, std::atomic<bool>& stop,
               Counters& c) {
  std::mt19937_64 rng(id * 7919 + 1);
  while (!stop) {
    auto dialed = netrpc::Dial("tcp", addr);
    if (!dialed.ok()) {
      ++c.failed;
      std::this_thread::sleep_for(10ms);
      continue;
    }
    auto client = std::move(dialed).value();
    int rounds = 50 + static_cast<int>(rng() % 200);  // then reconnect
    for (int round = 0; round < rounds && !stop; ++round) {
      struct Pending {
        int kind;
        int64_t a = 0, b = 0, reply = 0;
        netrpc::Bytes sent, echoed;
        std::shared_ptr<netrpc::Call> call;
      };
      std::vector<Pending> batch(inflight);
      for (auto& p : batch) {
        p.kind = static_cast<int>(rng() % 10);
        if (p.kind < 6) {
          p.a = static_cast<int64_t>(rng() % 2000000) - 1000000;
          p.b = static_cast<int64_t>(rng() % 2000000) - 1000000;
          p.call = client->Go("Soak.Multiply", Args{p.a, p.b}, &p.reply);
        } else if (p.kind == 6) {
          p.sent.resize(rng() % 512);
          for (auto& byte : p.sent) byte = static_cast<uint8_t>(rng());
          p.call = client->Go("Soak.Echo", p.sent, &p.echoed);
        } else if (p.kind == 7) {  // up to 1 MiB: the large paths; half with a deadline
          p.sent.resize(rng() % ((1 << 20) + 1));
          uint64_t word = rng();
          for (size_t i = 0; i < p.sent.size(); ++i) {
            if (i % 8 == 0) word = rng();
            p.sent[i] = static_cast<uint8_t>(word >> (8 * (i % 8)));
          }
          netrpc::CallOptions options;
          if (rng() % 2) options.timeout = std::chrono::milliseconds(1 + rng() % 10);
          p.call = client->Go("Soak.Echo", p.sent, &p.echoed, options);
        } else if (p.kind == 8) {
          p.call = client->Go("Soak.Fail", std::string("expected failure"), &p.reply);
        } else {  // a deadline that may or may not expire
          p.a = static_cast<int64_t>(rng() % 20);
          p.call = client->Go("Soak.Sleep", p.a, &p.reply, {.timeout = 10ms});
        }
      }
      for (auto& p : batch) {
        netrpc::Error err = p.call->Wait();
        ++c.calls;
        bool ok;
        if (p.kind < 6) {
          ok = !err && p.reply == p.a * p.b;
        } else if (p.kind < 8) {
          // A call that timed out must have left its reply alone, even mid-arrival.
          ok = (!err && p.echoed == p.sent) || (err == netrpc::ErrTimeout && p.echoed.empty());
          if (err == netrpc::ErrTimeout) ++c.timeouts;
        } else if (p.kind == 8) {
          ok = err == netrpc::ServerError("expected failure");
        } else {
          ok = (!err && p.reply == p.a) || err == netrpc::ErrTimeout;
          if (err == netrpc::ErrTimeout) ++c.timeouts;
        }
        if (ok) continue;
        if (err && err.code() != netrpc::ErrorCode::kServerError &&
            err.code() != netrpc::ErrorCode::kTimeout) {
          ++c.failed;  // transport trouble: counted, not a mismatch
          std::cerr << "call failed: " << err.message() << '\n';
        } else {
          ++c.mismatched;
          std::cerr << "MISMATCH kind " << p.kind << ": " << err.message() << '\n';
        }
      }
    }
    if (client->PendingCount() != 0) {
      ++c.mismatched;
      std::cerr << "MISMATCH: calls left pending\n";
    }
    ++c.reconnects;
  }
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 60, clients = 8, inflight = 16, report_every = 5;
  std::string addr;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds")
      seconds = std::stoi(argv[i + 1]);
    else if (flag == "--clients")
      clients = std::stoi(argv[i + 1]);
    else if (flag == "--inflight")
      inflight = std::stoi(argv[i + 1]);
    else if (flag == "--report-every")
      report_every = std::stoi(argv[i + 1]);
    else if (flag == "--addr")
      addr = argv[i + 1];
    else {
      std::cerr << "unknown flag " << flag << '\n';
      return 2;
    }
  }
  Soak soak;
  netrpc::Server server;
  if (addr.empty()) {
    server.Register(soak);
    if (netrpc::Error err = server.Listen("tcp", "127.0.0.1:0")) {
      std::cerr << err.message() << '\n';
      return 1;
    }
    addr = server.Address();
  }
  std::cout << "soak: " << clients << " clients x " << inflight << " in flight against " << addr
            << " for " << seconds << " s" << std::endl;
  Counters c;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] { RunClient(addr, i, inflight, stop, c); });
  }
  auto start = std::chrono::steady_clock::now();
  long first_rss = -1;
  for (int t = report_every; t <= seconds; t += report_every) {
    std::this_thread::sleep_until(start + std::chrono::seconds(t));
    long rss = RssKiB();
    if (first_rss < 0) first_rss = rss;
    std::cout << "t=" << t << "s calls=" << c.calls << " failed=" << c.failed
              << " mismatched=" << c.mismatched << " timeouts=" << c.timeouts
              << " reconnects=" << c.reconnects << " rss_kib=" << rss << std::endl;
  }
  stop = true;
  for (auto& t : threads) t.join();
  std::cout << "done: calls=" << c.calls << " failed=" << c.failed << " mismatched=" << c.mismatched
            << " rss_growth_kib=" << RssKiB() - first_rss << std::endl;
  return c.mismatched == 0 && c.failed == 0 ? 0 : 1;
}
