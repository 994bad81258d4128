// netrpc_client.cc: drives W1-W5 against a netrpc (or, with --protocol gob, a Go) server.
// Each connection keeps exactly `inflight` calls going: a done callback issues the next one.
#include <netrpc/tls.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "bench_service.h"
#include "load.h"

namespace netrpc::bench {
namespace {

struct Connection;

// Slot is one call kept in flight: its own args and reply, reused by every call it issues.
struct Slot {
  Connection* conn = nullptr;
  uint64_t id = 0;
  uint64_t count = 0;
  Args args;
  int64_t product = 0;
  Bytes payload;
  Bytes echoed;
  uint64_t start_ns = 0;
};

// Connection is one Client; its callbacks all run on the one thread of the shared EventLoop
// (as raw TCP's client runs one epoll thread), so its histogram and error count need no lock.
struct Connection {
  std::unique_ptr<Client> client;
  std::vector<Slot> slots;
  Histogram histogram;
  uint64_t errors = 0;
};

class Load {
 public:
  explicit Load(const ClientFlags& flags) : flags_(flags), window_(flags) {}

  int Run() {
    const Workload& w = flags_.workload;
    DialOptions options;
    if (flags_.protocol == "gob") {
      options.protocol = Protocol::kGob;
    } else if (flags_.protocol != "native") {
      std::fprintf(stderr, "unknown protocol %s\n", flags_.protocol.c_str());
      return 2;
    }
    options.loop = &loop_;
    connections_.resize(static_cast<size_t>(w.conns));
    for (auto& c : connections_) {
      auto client = flags_.tls_ca.empty()
                        ? Dial("tcp", flags_.addr, options)
                        : DialTLS("tcp", flags_.addr, {.ca_file = flags_.tls_ca}, options);
      if (!client.ok()) {
        std::fprintf(stderr, "dial %s: %s\n", flags_.addr.c_str(),
                     client.error().message().c_str());
        return 1;
      }
      c.client = std::move(*client);
      c.slots.resize(static_cast<size_t>(w.inflight));
    }
    uint64_t id = 0;
    for (auto& c : connections_) {
      for (auto& s : c.slots) {
        s.conn = &c;
        s.id = id++;
        if (w.echo) {
          s.payload.resize(w.payload);
          FillPayload(s.payload.data(), s.payload.size(), s.id);
        }
      }
    }
    outstanding_.store(w.conns * w.inflight);
    for (auto& c : connections_) {
      for (auto& s : c.slots) Issue(&s);
    }
    window_.Run();
    // Drain: callbacks stop reissuing in kStop; wait for the calls still in flight.
    for (int i = 0; i < 30000 && outstanding_.load(std::memory_order_acquire) > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (outstanding_.load() > 0) {
      std::fprintf(stderr, "%d calls never completed\n", outstanding_.load());
      return 1;
    }
    Histogram all;
    uint64_t errors = 0;
    for (auto& c : connections_) {
      all.Merge(c.histogram);
      errors += c.errors;
      c.client->Close();
    }
    return window_.Report(all, errors);
  }

 private:
  void Issue(Slot* s) {
    s->start_ns = NowNs();
    auto done = [this, s](Call& call) { OnDone(s, call); };
    if (flags_.workload.echo) {
      s->conn->client->Go("Echo.Echo", s->payload, &s->echoed, {}, std::move(done));
    } else {
      ++s->count;
      s->args.A = static_cast<int64_t>(s->count);
      s->args.B = static_cast<int64_t>(s->id) + 3;
      s->product = 0;
      s->conn->client->Go("Arith.Multiply", s->args, &s->product, {}, std::move(done));
    }
  }

  // OnDone runs on the connection's I/O thread: check, record, and issue the next call.
  void OnDone(Slot* s, Call& call) {
    uint64_t end = NowNs();
    Connection& c = *s->conn;
    bool ok = false;
    if (Error err = call.error()) {
      if (c.errors++ == 0) std::fprintf(stderr, "call: %s\n", err.message().c_str());
    } else {
      if (flags_.workload.echo) {
        ok = s->echoed.size() == s->payload.size() &&
             std::memcmp(s->echoed.data(), s->payload.data(), s->payload.size()) == 0;
        s->echoed.clear();
      } else {
        ok = s->product == s->args.A * s->args.B;
      }
      if (!ok && c.errors++ == 0) std::fprintf(stderr, "reply does not check out\n");
    }
    int phase = window_.phase().load(std::memory_order_acquire);
    if (phase == kMeasure && ok) c.histogram.Record(end - s->start_ns);
    if (phase == kStop || !ok) {
      outstanding_.fetch_sub(1, std::memory_order_release);
      return;
    }
    Issue(s);
  }

  const ClientFlags& flags_;
  Window window_;
  EventLoop loop_{1};  // declared before the connections: it must outlive their clients
  std::vector<Connection> connections_;
  std::atomic<int> outstanding_{0};
};

}  // namespace
}  // namespace netrpc::bench

int main(int argc, char** argv) {
  netrpc::bench::ClientFlags flags = netrpc::bench::ParseClientFlags(argc, argv);
  if (flags.system == "?") flags.system = "netrpc";
  return netrpc::bench::Load(flags).Run();
}
