// context: handlers that take a netrpc::Context, see the caller's metadata and deadline, and
// stop when the caller gives up. The README's Context snippet; ctest runs it.
#include <netrpc/asio.h>
#include <netrpc/netrpc.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Query {
  std::string word;
  int64_t limit = 0;
};
NETRPC_STRUCT(Query, word, limit);

struct Search {
  // Find works in 20 ms steps until it has `limit` hits, or its context is canceled.
  netrpc::Error Find(netrpc::Context& ctx, const Query& q, std::vector<std::string>* hits) {
    std::cout << "request " << ctx.MetadataValue("request-id") << " from " << ctx.GetPeer().address
              << '\n';
    for (int64_t i = 0; i < q.limit; ++i) {
      if (ctx.WaitFor(20ms)) return ctx.Err();  // the caller is gone: stop working
      hits->push_back(q.word + std::to_string(i));
    }
    return {};
  }
  // Sleep is a coroutine: a cancel ends its timer wait with operation_aborted.
  asio::awaitable<netrpc::Result<std::string>> Sleep(netrpc::Context& ctx, int64_t ms) {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) std::cout << "Sleep stopped: " << ctx.Err() << '\n';
    co_return std::string("slept");
  }
};
NETRPC_SERVICE(Search, Find, Sleep);

int main() {
  Search search;
  netrpc::Server server;
  if (server.Register(search) || server.Listen("tcp", "127.0.0.1:0")) return 1;
  auto client = netrpc::Dial("tcp", server.Address());
  if (!client) return 1;

  std::vector<std::string> hits;
  netrpc::CallOptions options{.timeout = 5s, .metadata = {{"request-id", "1"}}};
  netrpc::Error err = client->Call("Search.Find", Query{"go", 3}, &hits, options);
  std::cout << hits.size() << " hits: " << err << '\n';  // 3 hits: ok

  // The deadline passes first: the caller gets "rpc: call timeout" on time, the handler's
  // context is canceled ("context deadline exceeded"), and its late result is dropped.
  options = {.timeout = 100ms, .metadata = {{"request-id", "2"}}};
  std::vector<std::string> more;
  netrpc::Error late = client->Call("Search.Find", Query{"go", 1000}, &more, options);
  std::cout << "request 2: " << late << '\n';

  std::string slept;
  auto call = client->Go("Search.Sleep", int64_t{60000}, &slept, {.timeout = 60s});
  std::this_thread::sleep_for(50ms);
  call->Cancel();  // the server cancels the coroutine's context, and so its timer
  std::cout << "Sleep: " << call->Wait() << '\n';  // rpc: call canceled
  // The cancel leaves before this call: closing the client at once could drop it (the handler
  // would then learn that the connection closed instead).
  netrpc::Error last =
      client->Call("Search.Find", Query{"go", 0}, &more, {.metadata = {{"request-id", "3"}}});
  return err || last || hits.size() != 3 || late != netrpc::ErrTimeout ? 1 : 0;
}
