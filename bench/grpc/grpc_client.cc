// grpc_client.cc: drives W1-W5 against grpc_server with the callback API: each completion
// callback checks the reply and starts the next call, so `inflight` calls stay in flight.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "bench.grpc.pb.h"
#include "load.h"

namespace netrpc::bench {
namespace {

struct Connection;

// Slot is one call kept in flight. gRPC wants a fresh ClientContext per call.
struct Slot {
  Connection* conn = nullptr;
  uint64_t id = 0;
  uint64_t count = 0;
  std::unique_ptr<grpc::ClientContext> context;
  netrpcbench::Args args;
  netrpcbench::Product product;
  netrpcbench::Blob payload;
  netrpcbench::Blob echoed;
  uint64_t start_ns = 0;
};

// Connection is one channel. gRPC runs callbacks on a pool of its threads, so the histogram
// takes a lock (uncontended with one connection, the common case here).
struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<netrpcbench::Arith::Stub> arith;
  std::unique_ptr<netrpcbench::Echo::Stub> echo;
  std::vector<Slot> slots;
  std::mutex mu;  // guards histogram and errors
  Histogram histogram;
  uint64_t errors = 0;
};

class Load {
 public:
  explicit Load(const ClientFlags& flags) : flags_(flags), window_(flags) {}

  int Run() {
    const Workload& w = flags_.workload;
    connections_ = std::vector<Connection>(static_cast<size_t>(w.conns));
    uint64_t id = 0;
    for (size_t i = 0; i < connections_.size(); ++i) {
      Connection& c = connections_[i];
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one TCP connection per channel
      args.SetInt("netrpc.bench.channel", static_cast<int>(i));
      args.SetMaxReceiveMessageSize(8 << 20);
      args.SetMaxSendMessageSize(8 << 20);
      c.channel = grpc::CreateCustomChannel(flags_.addr, grpc::InsecureChannelCredentials(), args);
      if (!c.channel->WaitForConnected(std::chrono::system_clock::now() +
                                       std::chrono::seconds(5))) {
        std::fprintf(stderr, "connect %s failed\n", flags_.addr.c_str());
        return 1;
      }
      c.arith = netrpcbench::Arith::NewStub(c.channel);
      c.echo = netrpcbench::Echo::NewStub(c.channel);
      c.slots = std::vector<Slot>(static_cast<size_t>(w.inflight));
      for (Slot& s : c.slots) {
        s.conn = &c;
        s.id = id++;
        if (w.echo) {
          std::string* data = s.payload.mutable_data();
          data->resize(w.payload);
          FillPayload(reinterpret_cast<uint8_t*>(data->data()), data->size(), s.id);
        }
      }
    }
    outstanding_.store(w.conns * w.inflight);
    for (Connection& c : connections_) {
      for (Slot& s : c.slots) Issue(&s);
    }
    window_.Run();
    for (int i = 0; i < 30000 && outstanding_.load(std::memory_order_acquire) > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (outstanding_.load() > 0) {
      std::fprintf(stderr, "%d calls never completed\n", outstanding_.load());
      return 1;
    }
    Histogram all;
    uint64_t errors = 0;
    for (Connection& c : connections_) {
      std::lock_guard lock(c.mu);
      all.Merge(c.histogram);
      errors += c.errors;
    }
    return window_.Report(all, errors);
  }

 private:
  void Issue(Slot* s) {
    s->context = std::make_unique<grpc::ClientContext>();
    s->start_ns = NowNs();
    auto done = [this, s](grpc::Status status) { OnDone(s, status); };
    if (flags_.workload.echo) {
      s->conn->echo->async()->Echo(s->context.get(), &s->payload, &s->echoed, std::move(done));
    } else {
      ++s->count;
      s->args.set_a(static_cast<int64_t>(s->count));
      s->args.set_b(static_cast<int64_t>(s->id) + 3);
      s->product.Clear();
      s->conn->arith->async()->Multiply(s->context.get(), &s->args, &s->product, std::move(done));
    }
  }

  void OnDone(Slot* s, const grpc::Status& status) {
    uint64_t end = NowNs();
    Connection& c = *s->conn;
    bool ok = status.ok();
    if (ok) {
      ok = flags_.workload.echo ? s->echoed.data() == s->payload.data()
                                : s->product.c() == s->args.a() * s->args.b();
    }
    int phase = window_.phase().load(std::memory_order_acquire);
    {
      std::lock_guard lock(c.mu);
      if (!ok && c.errors++ == 0) {
        std::fprintf(stderr, "call: %s\n",
                     status.ok() ? "reply does not check out" : status.error_message().c_str());
      }
      if (ok && phase == kMeasure) c.histogram.Record(end - s->start_ns);
    }
    if (phase == kStop || !ok) {
      outstanding_.fetch_sub(1, std::memory_order_release);
      return;
    }
    Issue(s);
  }

  const ClientFlags& flags_;
  Window window_;
  std::vector<Connection> connections_;
  std::atomic<int> outstanding_{0};
};

}  // namespace
}  // namespace netrpc::bench

int main(int argc, char** argv) {
  netrpc::bench::ClientFlags flags = netrpc::bench::ParseClientFlags(argc, argv);
  if (flags.system == "?") flags.system = "grpc";
  return netrpc::bench::Load(flags).Run();
}
