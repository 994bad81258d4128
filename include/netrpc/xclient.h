// xclient.h: XClient, a client of many servers (GeeRPC's and rpcx's XClient): discovery,
// balancing, fail modes, Broadcast and Fork, over pooled netrpc Clients. No Asio here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "netrpc/netrpc.h"
#include "netrpc/tls.h"

namespace netrpc {

// Endpoint is one server as discovery lists it. address is written proto@addr, as GeeRPC's
// XDial takes it: "tcp@127.0.0.1:8001" (also tcp4@, tcp6@), "unix@/run/app.sock", or
// "http@127.0.0.1:8001" (GeeRPC's HTTP transport: "CONNECT /_geeprc_", its answer
// "200 Connected to Gee RPC", then its JSON Option and gob, so GeeRPC's servers and netrpc's
// both answer it), or "tls@127.0.0.1:8443" (netrpc's extension of GeeRPC's list: TCP, then TLS
// as XClientOptions::tls says, then the native protocol; a server's ListenTLS answers it).
// weight is for SelectMode::kWeightedRoundRobin (0 counts as 1).
struct Endpoint {
  Endpoint() = default;
  Endpoint(std::string address, uint32_t weight = 1)  // NOLINT: a string is an endpoint
      : address(std::move(address)), weight(weight) {}
  Endpoint(const char* address) : address(address) {}  // NOLINT
  std::string address;
  uint32_t weight = 1;
  std::map<std::string, std::string> metadata;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// ParseEndpoint splits "proto@addr" into the network Dial takes ("tcp", "tcp4", "tcp6",
// "unix"; http@ and tls@ dial "tcp") and the address. Errors (kUsage): no '@', an empty
// address, an unknown scheme.
struct EndpointAddress {
  std::string network;
  std::string address;
  bool gee_http = false;  // http@: GeeRPC's CONNECT handshake first
  bool tls = false;       // tls@: a TLS handshake first (XClientOptions::tls)
};
Result<EndpointAddress> ParseEndpoint(std::string_view endpoint);

// Discovery is where an XClient learns its servers (GeeRPC's and rpcx's Discovery). Endpoints
// is a snapshot; Version changes whenever the snapshot does, and is how an XClient notices a
// change (it reads it, one atomic load, at the start of every call, and then Endpoints under
// its lock, so Endpoints should answer from memory). Implementations must be safe to use from
// any thread.
class Discovery {
 public:
  virtual ~Discovery() = default;
  virtual Result<std::vector<Endpoint>> Endpoints() = 0;
  virtual uint64_t Version() const = 0;
};

// StaticDiscovery is a list the program gives (GeeRPC's MultiServersDiscovery), changed with
// Update. Update checks every address with ParseEndpoint and keeps the old list on an error.
class StaticDiscovery final : public Discovery {
 public:
  StaticDiscovery() = default;
  Error Update(std::vector<Endpoint> endpoints);
  Result<std::vector<Endpoint>> Endpoints() override;
  uint64_t Version() const override { return version_.load(std::memory_order_acquire); }

 private:
  std::mutex mu_;  // guards endpoints_
  std::vector<Endpoint> endpoints_;
  std::atomic<uint64_t> version_{0};
};

// SelectMode picks the endpoint of a call (rpcx's SelectMode; least-outstanding is brpc's
// idea of sending where the fewest calls wait).
enum class SelectMode : uint8_t {
  kRandom,              // uniform
  kRoundRobin,          // in the discovery's order
  kWeightedRoundRobin,  // nginx's smooth weighted round-robin: weights 5,1,1 give a a b a c a a
  kConsistentHash,      // by XCallOptions::hash_key on a ring of 160 points per endpoint
  kLeastOutstanding,    // the endpoint with the fewest calls in flight from this XClient
};

// FailMode says what a failed call does next (rpcx's FailMode names). An error "before the
// request was sent" is a failed dial or a connection found gone before writing; an answer from
// the server's handler (kServerError) is never retried, as rpcx does not retry ServiceError.
enum class FailMode : uint8_t {
  kFailfast,    // return the first error
  kFailover,    // try the next endpoint, up to retries more: for errors before the request was
                // sent, and for any error of an idempotent method
  kFailtry,     // the same endpoint again, up to retries more, after retry_backoff, doubled
                // each time; the same errors as kFailover
  kFailbackup,  // brpc's backup request: no reply after backup_delay sends a second copy to
                // another endpoint; the first reply wins and the other is canceled. Use it
                // for idempotent methods only: both copies may run.
};

struct XClientOptions {
  SelectMode select = SelectMode::kRandom;
  FailMode fail = FailMode::kFailfast;
  int retries = 2;                              // kFailover, kFailtry: attempts after the first
  std::chrono::milliseconds retry_backoff{10};  // kFailtry: before the first retry
  std::chrono::milliseconds backup_delay{20};   // kFailbackup
  // Methods ("Service.Method") that may run twice without harm; kFailover and kFailtry
  // retry them after any error but a handler's.
  std::vector<std::string> idempotent_methods{};
  // Connections per endpoint, each a multiplexed Client, dialed as calls need them and reused
  // in turn; a dead one is dropped and dialed again.
  size_t connections_per_endpoint = 1;
  // An endpoint that fails to dial is set aside (not selected) for this long, then tried
  // again; if every endpoint is set aside, calls try them anyway.
  std::chrono::milliseconds set_aside{1000};
  // dial is used for every endpoint. Unset protocol: kNative for tcp@ and unix@; http@ always
  // speaks GeeRPC's Option with gob (or kJson if asked). loop: if unset, the XClient runs one
  // EventLoop thread of its own for all its connections.
  DialOptions dial{};
  // tls is how tls@ endpoints are dialed (DialTLS's options: the CAs, the server name, a
  // client certificate). Unset, a call that selects a tls@ endpoint fails with kUsage.
  std::optional<TlsDialOptions> tls{};
};

struct XCallOptions {
  // timeout bounds the whole call, every retry, backoff, backup and dial included (0: none).
  std::chrono::milliseconds timeout{0};
  // hash_key is for SelectMode::kConsistentHash: calls with one key go to one endpoint (an
  // empty key is a key like any other).
  std::string hash_key{};
};

// EndpointError is one endpoint's outcome in a Broadcast or Fork.
struct EndpointError {
  std::string endpoint;
  Error error;
};

namespace detail {
class XClientCore;
// ReplyMaker lets the untyped core give concurrent attempts replies of their own (Broadcast,
// Fork, backup requests), then move the winner into the caller's.
struct ReplyMaker {
  const TypeInfo* type;
  void* user;
  std::shared_ptr<void> (*make)();
  void (*commit)(void* from, void* to);
};
// HeldArgs is Go's own copy of its args, as Client's Call would send them (SentArgs): a string
// literal, const char* or std::string_view as a std::string, a pointer as what it points to.
// A null pointer gives a null object, which the call refuses with kUsage.
struct HeldArgs {
  std::shared_ptr<const void> owner;
  ConstValue value;
};
template <class A>
HeldArgs HoldArgs(const A& args) {
  SentArgs<A> sent(args);  // its static_asserts stop what cannot travel
  ConstValue value = sent.value();
  if (value.object == nullptr) return {nullptr, value};
  if constexpr ((std::is_array_v<A> && kIsChar<std::remove_extent_t<A>>) ||
                std::is_same_v<A, std::string_view> ||
                (std::is_pointer_v<A> && kIsChar<std::remove_pointer_t<A>>)) {
    auto held =
        std::make_shared<const std::string>(*static_cast<const std::string_view*>(value.object));
    return {held, {TypeOf<std::string>(), held.get()}};
  } else if constexpr (std::is_pointer_v<A>) {
    auto held = std::make_shared<const std::remove_cv_t<std::remove_pointer_t<A>>>(*args);
    return {held, {value.type, held.get()}};
  } else {
    auto held = std::make_shared<const A>(args);
    return {held, {value.type, held.get()}};
  }
}

// AwaitCall is what XClient::AsyncCall awaits: the Call's end, as Client::AsyncCall awaits
// its own (src/xclient/xclient.cc; netrpc/asio.h completes the awaitable type).
boost::asio::awaitable<Error, boost::asio::any_io_executor> AwaitCall(std::shared_ptr<Call> call);
// ErrorAwaitable<T> is that awaitable, named through T so that its type need be complete only
// where AsyncCall is used.
template <class T>
struct ErrorAwaitable {
  using type = boost::asio::awaitable<Error, boost::asio::any_io_executor>;
};

template <class Reply>
ReplyMaker MakerFor(Reply* reply) {
  return {TypeOf<Reply>(), reply, [] { return std::shared_ptr<void>(std::make_shared<Reply>()); },
          [](void* from, void* to) {
            *static_cast<Reply*>(to) = std::move(*static_cast<Reply*>(from));
          }};
}
}  // namespace detail

// XClient calls one service on many servers. Every method is safe from any thread; those that
// block (all but Go and AsyncCall) return kUsage errors instead of deadlocking on the threads of
// its EventLoop. The discovery must outlive the XClient. A server that leaves discovery gets no new
// calls; its calls in flight finish, then its connections close (drained, as brpc does).
class XClient {
 public:
  XClient(Discovery& discovery, XClientOptions options = {});
  ~XClient();  // Close()
  XClient(const XClient&) = delete;
  XClient& operator=(const XClient&) = delete;

  // Call makes one call on an endpoint the SelectMode picks, as the FailMode says. args are
  // as Client::Call's: a value, a pointer to one (as Go's &args), or a string literal.
  template <class Args, class Reply>
  Error Call(std::string_view service_method, const Args& args, Reply* reply,
             XCallOptions options = {}) {
    detail::SentArgs<Args> sent(args);
    return Invoke(service_method, sent.value(), detail::MakerFor(reply), options);
  }
  // Go starts Call and returns at once, as Client::Go: the returned Call's Done, Wait, error
  // and Cancel work as a Client's (Cancel stops every attempt; Wait on the XClient's EventLoop
  // threads is a kUsage error), and done, if given, runs once when the call completes, on the
  // XClient's EventLoop (or on the caller's thread, for an error found before anything was
  // sent, and for Cancel and Close). The fail mode, retries and options.timeout apply as for
  // Call; the timeout counts from Go. *reply must live until the call is done; args are copied
  // (a retry sends them again; a string literal or pointer as what Call would send), so they
  // need not live and must be copyable.
  template <class Args, class Reply>
  std::shared_ptr<netrpc::Call> Go(std::string_view service_method, const Args& args, Reply* reply,
                                   XCallOptions options = {},
                                   std::function<void(netrpc::Call&)> done = {}) {
    detail::HeldArgs held = detail::HoldArgs(args);
    return Start(service_method, held.value, std::move(held.owner), detail::MakerFor(reply),
                 options, std::move(done));
  }
  // AsyncCall is Go for asio coroutines, as Client::AsyncCall: it resumes the coroutine on
  // its executor when the call ends, and cancelling the awaiting operation cancels the call.
  // `co_await xc.AsyncCall(...)` needs #include <netrpc/asio.h>.
  // With g++ 12, give options as a named variable, not a temporary inside the co_await
  // expression: g++ 12 moves such a temporary bitwise, which breaks its std::string.
  template <detail::AsyncCallArgs Args, class Reply>
  typename detail::ErrorAwaitable<Args>::type AsyncCall(std::string_view service_method,
                                                        const Args& args, Reply* reply,
                                                        const XCallOptions& options) {
    return detail::AwaitCall(Go(service_method, args, reply, options));
  }
  template <detail::AsyncCallArgs Args, class Reply>
  typename detail::ErrorAwaitable<Args>::type AsyncCall(std::string_view service_method,
                                                        const Args& args, Reply* reply) {
    return detail::AwaitCall(Go(service_method, args, reply));
  }
  // Broadcast calls every endpoint at once (GeeRPC's Broadcast), dialing them concurrently,
  // so one slow or unreachable endpoint delays no other; all must succeed. The reply
  // is the first successful endpoint's; the error names each endpoint that failed, and
  // outcomes, if given, gets every endpoint's outcome. No endpoint: an error.
  template <class Args, class Reply>
  Error Broadcast(std::string_view service_method, const Args& args, Reply* reply,
                  XCallOptions options = {}, std::vector<EndpointError>* outcomes = nullptr) {
    detail::SentArgs<Args> sent(args);
    return Spread(false, service_method, sent.value(), detail::MakerFor(reply), options, outcomes);
  }
  // Fork calls every endpoint at once, dialing them concurrently (rpcx's Fork); the first success's
  // reply wins and the other calls are canceled. The error, when every endpoint failed, names each.
  template <class Args, class Reply>
  Error Fork(std::string_view service_method, const Args& args, Reply* reply,
             XCallOptions options = {}, std::vector<EndpointError>* outcomes = nullptr) {
    detail::SentArgs<Args> sent(args);
    return Spread(true, service_method, sent.value(), detail::MakerFor(reply), options, outcomes);
  }

  // Close fails calls in flight with ErrShutdown and closes every connection; later calls get
  // ErrShutdown.
  void Close();
  // Dials counts connections dialed so far, failed dials included; Connections counts those
  // open now. For tests and monitoring.
  uint64_t Dials() const;
  size_t Connections() const;

 private:
  Error Invoke(std::string_view service_method, ConstValue args, detail::ReplyMaker reply,
               const XCallOptions& options);
  std::shared_ptr<netrpc::Call> Start(std::string_view service_method, ConstValue args,
                                      std::shared_ptr<const void> held_args,
                                      detail::ReplyMaker reply, const XCallOptions& options,
                                      std::function<void(netrpc::Call&)> done);
  Error Spread(bool fork, std::string_view service_method, ConstValue args,
               detail::ReplyMaker reply, const XCallOptions& options,
               std::vector<EndpointError>* outcomes);
  std::shared_ptr<detail::XClientCore> core_;
};

}  // namespace netrpc
