// raw_server.cc: the machine's limit: one epoll thread echoing length-prefixed frames, with
// every reply of one read batched into one write. Usage: raw_server [--addr host:port].
#include <sys/epoll.h>

#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

#include "load.h"
#include "raw_tcp.h"

namespace netrpc::bench {
namespace {

struct Conn {
  int fd = -1;
  ByteQueue in, out;
  bool want_out = false;
};

int Serve(const std::string& addr) {
  std::string host;
  int port = 0;
  size_t colon = addr.rfind(':');
  host = addr.substr(0, colon);
  port = std::atoi(addr.c_str() + colon + 1);
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = MakeAddr(host, port);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 128) != 0) {
    std::perror("listen");
    return 1;
  }
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("listening %s:%d\n", host.c_str(), ntohs(a.sin_port));
  std::fflush(stdout);

  int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  epoll_event events[64];
  for (;;) {
    int n = ::epoll_wait(ep, events, 64, -1);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int cfd = ::accept(lfd, nullptr, nullptr);
        if (cfd < 0) continue;
        SetNonBlocking(cfd);
        auto c = std::make_unique<Conn>();
        c->fd = cfd;
        ev.events = EPOLLIN;
        ev.data.fd = cfd;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
        conns[cfd] = std::move(c);
        continue;
      }
      Conn& c = *conns[fd];
      bool alive = true;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        alive = ReadSome(fd, &c.in);
        for (int64_t len;
             (len = FrameLength(c.in)) >= 0 && c.in.Size() >= 4 + static_cast<size_t>(len);) {
          c.out.Append(c.in.Data(), 4 + static_cast<size_t>(len));  // the frame, as it came
          c.in.Consume(4 + static_cast<size_t>(len));
        }
      }
      if (alive) alive = Flush(fd, &c.out);
      if (!alive) {
        ::close(fd);
        conns.erase(fd);
        continue;
      }
      bool want_out = c.out.Size() > 0;
      if (want_out != c.want_out) {
        c.want_out = want_out;
        ev.events = EPOLLIN | (want_out ? uint32_t{EPOLLOUT} : 0u);
        ev.data.fd = fd;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
      }
    }
  }
}

}  // namespace
}  // namespace netrpc::bench

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:7003";
  if (argc == 3 && std::string(argv[1]) == "--addr") addr = argv[2];
  return netrpc::bench::Serve(addr);
}
