// raw_client.cc: drives W1-W5 against raw_server from one epoll thread; the W1-W3 frames are
// 16 bytes (two int64, as Multiply's args), W4/W5 frames the payload. Replies are checked.
#include <sys/epoll.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "load.h"
#include "raw_tcp.h"

namespace netrpc::bench {
namespace {

struct Slot {
  std::vector<char> frame;  // what goes out; the echo must match it
  uint64_t start_ns = 0;
};

struct Conn {
  int fd = -1;
  ByteQueue in, out;
  bool want_out = false;
  std::vector<Slot> slots;
};

int Run(const ClientFlags& flags) {
  const Workload& w = flags.workload;
  std::string host;
  int port = 0;
  if (!SplitHostPort(flags.addr, &host, &port)) return 2;
  size_t size = w.echo ? std::max<size_t>(w.payload, 16) : 16;
  std::vector<Conn> conns(static_cast<size_t>(w.conns));
  int ep = ::epoll_create1(0);
  uint64_t id = 0;
  for (size_t ci = 0; ci < conns.size(); ++ci) {
    Conn& c = conns[ci];
    c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = MakeAddr(host, port);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      std::perror("connect");
      return 1;
    }
    SetNonBlocking(c.fd);
    c.slots.resize(static_cast<size_t>(w.inflight));
    for (size_t si = 0; si < c.slots.size(); ++si) {
      Slot& s = c.slots[si];
      s.frame.resize(size);
      FillPayload(reinterpret_cast<uint8_t*>(s.frame.data()), size, id++);
      uint64_t idx = si;
      std::memcpy(s.frame.data(), &idx, 8);  // replies are matched to slots by this
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = ci;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  Window window(flags);
  Histogram histogram;
  uint64_t errors = 0;
  int outstanding = w.conns * w.inflight;
  auto send = [](Conn& c, Slot& s) {
    s.start_ns = NowNs();
    AppendFrameHeader(&c.out, static_cast<uint32_t>(s.frame.size()));
    c.out.Append(s.frame.data(), s.frame.size());
  };
  for (Conn& c : conns) {
    for (Slot& s : c.slots) send(c, s);
    if (!Flush(c.fd, &c.out)) return 1;
  }
  std::thread driver([&] {
    epoll_event events[64];
    while (outstanding > 0 && errors == 0) {
      int n = ::epoll_wait(ep, events, 64, 10);
      for (int i = 0; i < n; ++i) {
        Conn& c = conns[events[i].data.u64];
        bool alive = ReadSome(c.fd, &c.in);
        uint64_t now = NowNs();
        int phase = window.phase().load(std::memory_order_acquire);
        for (int64_t len;
             (len = FrameLength(c.in)) >= 0 && c.in.Size() >= 4 + static_cast<size_t>(len);) {
          uint64_t idx = 0;
          if (len >= 8) std::memcpy(&idx, c.in.Data() + 4, 8);
          if (static_cast<size_t>(len) != size || idx >= c.slots.size() ||
              std::memcmp(c.in.Data() + 4, c.slots[idx].frame.data(), size) != 0) {
            if (errors++ == 0) std::fprintf(stderr, "reply does not check out\n");
            c.in.Consume(4 + static_cast<size_t>(len));
            --outstanding;
            continue;
          }
          c.in.Consume(4 + size);
          Slot& s = c.slots[idx];
          if (phase == kMeasure) histogram.Record(now - s.start_ns);
          if (phase == kStop) {
            --outstanding;
          } else {
            send(c, s);
          }
        }
        if (alive) alive = Flush(c.fd, &c.out);
        if (!alive) {
          if (errors++ == 0) std::fprintf(stderr, "connection lost\n");
          outstanding = 0;
          break;
        }
        bool want_out = c.out.Size() > 0;
        if (want_out != c.want_out) {
          c.want_out = want_out;
          epoll_event ev{};
          ev.events = EPOLLIN | (want_out ? uint32_t{EPOLLOUT} : 0u);
          ev.data.u64 = events[i].data.u64;
          ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
    }
  });
  window.Run();
  driver.join();
  for (Conn& c : conns) ::close(c.fd);
  return window.Report(histogram, errors);
}

}  // namespace
}  // namespace netrpc::bench

int main(int argc, char** argv) {
  netrpc::bench::ClientFlags flags = netrpc::bench::ParseClientFlags(argc, argv);
  if (flags.system == "?") flags.system = "raw-tcp";
  return netrpc::bench::Run(flags);
}
