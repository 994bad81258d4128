// xclient.cc: XClient's core: the endpoint table kept in step with discovery, each endpoint's
// pool of connections, and the fail modes, Broadcast and Fork, run on the caller's thread.
#include <algorithm>
#include <condition_variable>
#include <thread>
#include <unordered_set>

#include "client/client_core.h"
#include "types/log.h"
#include "xclient/balancer.h"

namespace netrpc {
namespace detail {

using Clock = std::chrono::steady_clock;

namespace {

// EndpointState is one endpoint of the current list, or one draining after it left.
struct EndpointState {
  Endpoint endpoint;
  EndpointAddress where;
  std::vector<std::shared_ptr<ClientCore>> pool;  // XClientCore::mu_ guards pool and below
  size_t next = 0;
  Clock::time_point set_aside_until{};
  bool draining = false;
  std::atomic<int64_t> outstanding{0};  // calls in flight; the done callbacks lower it
};

// Waker is what a caller sleeps on while its attempts run: every done callback bumps it.
struct Waker {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t events = 0;
  void Notify() {
    {
      std::lock_guard lock(mu);
      ++events;
    }
    cv.notify_all();
  }
};

// Attempt is one copy of a call on one endpoint.
struct Attempt {
  std::shared_ptr<EndpointState> endpoint;
  std::shared_ptr<ClientCore> core;  // held until the call is done: its pending table is there
  std::shared_ptr<Call> call;
  std::shared_ptr<void> slot;  // the attempt's own reply, or null for the caller's
  Error unsent;                // a failed dial: no call was made
  bool Done() const { return call == nullptr || call->Done(); }
  Error Outcome() const { return call == nullptr ? unsent : call->error(); }
};

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) return std::chrono::milliseconds(0);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));  // 0 would mean no deadline
}

bool Expired(Clock::time_point deadline) { return Clock::now() >= deadline; }

// BeforeSend is an error that left the request unsent: a failed dial, or a connection found
// gone (or whose write failed) before the request went out.
bool BeforeSend(const Error& err) {
  return err.code() == ErrorCode::kConnect || err.code() == ErrorCode::kShutdown;
}

// Retryable: what kFailover and kFailtry try again. A handler's answer, the deadline, the
// caller's cancel and errors of the call itself (encoding, size, misuse) are final.
bool Retryable(const Error& err, bool idempotent) {
  if (BeforeSend(err)) return true;
  if (!idempotent) return false;
  switch (err.code()) {
    case ErrorCode::kUnexpectedEof:
    case ErrorCode::kIo:
    case ErrorCode::kProtocol:
      return true;
    default:
      return false;
  }
}

const Error kOnLoop(ErrorCode::kUsage,
                    "netrpc: an XClient call on its EventLoop's thread would deadlock");

Error TimedOut(int attempts, const Error& last) {
  std::string text = "rpc: call timeout (xclient: deadline passed after " +
                     std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s");
  if (last) text += "; last error: " + last.message();
  return Error(ErrorCode::kTimeout, text + ")");
}

}  // namespace

class XClientCore {
 public:
  XClientCore(Discovery& discovery, XClientOptions options)
      : discovery_(discovery),
        options_(std::move(options)),
        own_loop_(options_.dial.loop ? nullptr : std::make_unique<EventLoop>(1)),
        loop_(options_.dial.loop ? options_.dial.loop : own_loop_.get()),
        balancer_(options_.select),
        idempotent_(options_.idempotent_methods.begin(), options_.idempotent_methods.end()) {
    if (options_.connections_per_endpoint == 0) options_.connections_per_endpoint = 1;
    if (options_.retries < 0) options_.retries = 0;
  }
  ~XClientCore() { Close(); }  // the cores go before own_loop_, declared first

  Error Invoke(std::string_view method, ConstValue args, ReplyMaker reply,
               const XCallOptions& options);
  Error Spread(bool fork, std::string_view method, ConstValue args, ReplyMaker reply,
               const XCallOptions& options, std::vector<EndpointError>* outcomes);

  void Close() {
    std::vector<std::shared_ptr<ClientCore>> cores;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      for (auto* list : {&endpoints_, &draining_}) {
        for (auto& e : *list) {
          for (auto& c : e->pool) cores.push_back(std::move(c));
          e->pool.clear();
        }
      }
    }
    for (auto& c : cores) c->Shutdown();  // fails their calls with ErrShutdown
  }
  uint64_t Dials() const { return dials_.load(); }
  size_t Connections() {
    std::lock_guard lock(mu_);
    Sweep();
    size_t n = 0;
    for (auto* list : {&endpoints_, &draining_}) {
      for (auto& e : *list) {
        for (auto& c : e->pool) n += c->Alive() ? 1 : 0;
      }
    }
    return n;
  }

 private:
  // Refresh brings the endpoint table in step with discovery if its version moved. Endpoints
  // that left go to draining_: no new calls, their connections close once idle (Sweep).
  Error Refresh();
  void Sweep();
  // Select picks an endpoint that is not in tried and not set aside (unless all are).
  std::shared_ptr<EndpointState> Select(std::string_view key,
                                        const std::vector<EndpointState*>& tried);
  Result<std::shared_ptr<ClientCore>> Acquire(const std::shared_ptr<EndpointState>& e,
                                              Clock::time_point deadline);
  Attempt Start(const std::shared_ptr<EndpointState>& e, std::string_view method, ConstValue args,
                Value reply, std::shared_ptr<void> slot, Clock::time_point deadline,
                const std::shared_ptr<Waker>& waker);
  bool Idempotent(std::string_view method) const {
    return idempotent_.count(std::string(method)) != 0;
  }
  static Value SlotValue(const ReplyMaker& reply, const std::shared_ptr<void>& slot) {
    return {reply.type, slot.get()};
  }

  Discovery& discovery_;
  XClientOptions options_;
  std::unique_ptr<EventLoop> own_loop_;  // first: it outlives every connection below
  EventLoop* loop_;
  std::atomic<uint64_t> dials_{0};

  std::mutex mu_;  // guards everything below, and every EndpointState's guarded fields
  bool closed_ = false;
  bool listed_ = false;  // discovery has been read once
  uint64_t version_ = 0;
  std::vector<std::shared_ptr<EndpointState>> endpoints_;  // discovery's order
  std::vector<std::shared_ptr<EndpointState>> draining_;
  xclient::Balancer balancer_;
  const std::unordered_set<std::string> idempotent_;
};

Error XClientCore::Refresh() {
  std::lock_guard lock(mu_);
  if (closed_) return ErrShutdown;
  Sweep();
  uint64_t version = discovery_.Version();  // before the list: a later change is seen next time
  if (listed_ && version == version_) return {};
  auto list = discovery_.Endpoints();
  if (!list.ok()) {
    if (listed_) {  // keep serving the last good list
      Log(LogLevel::kWarning,
          "xclient: discovery failed, keeping the last list: ", list.error().message());
      return {};
    }
    return Error(list.error().code(), "xclient: discovery: " + list.error().message());
  }
  std::vector<std::shared_ptr<EndpointState>> next;
  for (const Endpoint& endpoint : *list) {
    auto where = ParseEndpoint(endpoint.address);
    if (!where.ok()) {
      Log(LogLevel::kWarning, "xclient: skipping endpoint: ", where.error().message());
      continue;
    }
    auto same = [&](const auto& e) { return e->endpoint.address == endpoint.address; };
    if (std::any_of(next.begin(), next.end(), same)) continue;  // listed twice
    auto old = std::find_if(endpoints_.begin(), endpoints_.end(), same);
    std::shared_ptr<EndpointState> state;
    if (old != endpoints_.end()) {
      state = *old;
    } else {
      auto back = std::find_if(draining_.begin(), draining_.end(), same);  // came back
      if (back != draining_.end()) {
        state = *back;
        draining_.erase(back);
        state->draining = false;
      } else {
        state = std::make_shared<EndpointState>();
        state->where = std::move(*where);
      }
    }
    // The address never changes (callers read it unlocked); the rest may.
    if (state->endpoint.address.empty()) state->endpoint.address = endpoint.address;
    state->endpoint.weight = endpoint.weight;
    state->endpoint.metadata = endpoint.metadata;
    next.push_back(std::move(state));
  }
  for (auto& e : endpoints_) {
    auto kept = std::find(next.begin(), next.end(), e);
    if (kept == next.end()) {
      e->draining = true;
      draining_.push_back(e);
    }
  }
  endpoints_ = std::move(next);
  std::vector<std::pair<std::string, uint32_t>> entries;
  for (auto& e : endpoints_) entries.emplace_back(e->endpoint.address, e->endpoint.weight);
  balancer_.Reset(entries);
  listed_ = true;
  version_ = version;
  Sweep();
  return {};
}

void XClientCore::Sweep() {
  // Under mu_. A draining endpoint with no call in flight closes its connections. Its calls
  // still in flight keep their ClientCore alive through their Attempt.
  for (auto it = draining_.begin(); it != draining_.end();) {
    auto& e = *it;
    if (e->outstanding.load() == 0) {
      for (auto& c : e->pool) c->Close();
      it = draining_.erase(it);
    } else {
      ++it;
    }
  }
}

std::shared_ptr<EndpointState> XClientCore::Select(std::string_view key,
                                                   const std::vector<EndpointState*>& tried) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  auto untried = [&](size_t i) {
    return std::find(tried.begin(), tried.end(), endpoints_[i].get()) == tried.end();
  };
  auto outstanding = [&](size_t i) { return endpoints_[i]->outstanding.load(); };
  int i = balancer_.Pick(
      key, [&](size_t i) { return untried(i) && endpoints_[i]->set_aside_until <= now; },
      outstanding);
  if (i < 0) i = balancer_.Pick(key, untried, outstanding);  // all set aside: try them anyway
  return i < 0 ? nullptr : endpoints_[i];
}

Result<std::shared_ptr<ClientCore>> XClientCore::Acquire(const std::shared_ptr<EndpointState>& e,
                                                         Clock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return ErrShutdown;
    auto& pool = e->pool;
    pool.erase(std::remove_if(pool.begin(), pool.end(), [](auto& c) { return !c->Alive(); }),
               pool.end());
    if (pool.size() >= options_.connections_per_endpoint) return pool[e->next++ % pool.size()];
  }
  // Dial outside the lock; a dial races another only up to an extra pooled connection.
  DialOptions dial = options_.dial;
  dial.loop = loop_;
  if (deadline != Clock::time_point::max()) {
    dial.connect_timeout = std::min(dial.connect_timeout, Remaining(deadline));
  }
  if (e->where.gee_http) dial.gee_option = true;  // GeeRPC's DialHTTP sends its Option
  dial = WithProtocol(dial, dial.gee_option ? Protocol::kGob : Protocol::kNative);
  auto core = std::make_shared<ClientCore>(dial);
  dials_.fetch_add(1);
  Error err = e->where.gee_http ? core->Connect(e->where.network, e->where.address,
                                                protocol::kGeeRpcPath, protocol::kGeeConnected)
                                : core->Connect(e->where.network, e->where.address);
  if (err) {
    core->Shutdown();
    std::lock_guard lock(mu_);
    e->set_aside_until = Clock::now() + options_.set_aside;
    if (err.code() == ErrorCode::kUsage) return err;  // on the loop's thread
    return Error(ErrorCode::kConnect,
                 "xclient: dial " + e->endpoint.address + ": " + err.message());
  }
  std::lock_guard lock(mu_);
  if (closed_) {
    core->Shutdown();
    return ErrShutdown;
  }
  e->set_aside_until = {};
  if (!e->draining) e->pool.push_back(core);
  return core;
}

Attempt XClientCore::Start(const std::shared_ptr<EndpointState>& e, std::string_view method,
                           ConstValue args, Value reply, std::shared_ptr<void> slot,
                           Clock::time_point deadline, const std::shared_ptr<Waker>& waker) {
  Attempt a;
  a.endpoint = e;
  a.slot = slot;
  auto core = Acquire(e, deadline);
  if (!core.ok()) {
    a.unsent = core.error();
    waker->Notify();
    return a;
  }
  a.core = std::move(*core);
  e->outstanding.fetch_add(1);
  // The callback holds the slot, so a reply still being decoded into it after Cancel has
  // somewhere to go; it holds the endpoint weakly (the endpoint holds the connection).
  std::weak_ptr<EndpointState> weak = e;
  a.call = a.core->Start(method, args, reply, CallOptions{Remaining(deadline)},
                         [weak, waker, slot](Call&) {
                           if (auto e = weak.lock()) e->outstanding.fetch_sub(1);
                           waker->Notify();
                         });
  return a;
}

Error XClientCore::Invoke(std::string_view method, ConstValue args, ReplyMaker reply,
                          const XCallOptions& options) {
  auto deadline =
      options.timeout.count() > 0 ? Clock::now() + options.timeout : Clock::time_point::max();
  if (Error err = Refresh()) return err;
  if (LoopAccess::Of(*loop_).InLoopThread()) return kOnLoop;
  auto waker = std::make_shared<Waker>();
  std::vector<EndpointState*> tried;
  auto e = Select(options.hash_key, tried);
  if (e == nullptr) return Error(ErrorCode::kUsage, "xclient: no endpoints in discovery");
  bool idempotent = Idempotent(method);

  if (options_.fail == FailMode::kFailbackup) {
    // brpc's backup request: the first copy, then a second after backup_delay if no reply.
    std::vector<Attempt> copies;
    auto slot = reply.make();
    copies.push_back(Start(e, method, args, SlotValue(reply, slot), slot, deadline, waker));
    auto backup_at = Clock::now() + options_.backup_delay;
    bool backup_sent = false;
    for (;;) {
      uint64_t seen;
      {
        std::lock_guard lock(waker->mu);
        seen = waker->events;
      }
      for (auto& c : copies) {  // the first success wins
        if (c.Done() && c.Outcome().ok()) {
          for (auto& other : copies) {
            if (other.call && !other.Done()) other.call->Cancel();
          }
          reply.commit(c.slot.get(), reply.user);
          return {};
        }
      }
      if (std::all_of(copies.begin(), copies.end(), [](auto& c) { return c.Done(); })) {
        // Both failed, or the first failed early: then the backup goes at once, if the error
        // allows a retry (a backup request is for idempotent methods).
        Error last = copies.back().Outcome();
        if (backup_sent || !Retryable(last, true) || Expired(deadline)) return last;
      } else {
        std::unique_lock lock(waker->mu);
        auto news = [&] { return waker->events != seen; };
        if (backup_sent || Expired(deadline)) {  // the copies end by their own deadline
          waker->cv.wait(lock, news);
          continue;
        }
        if (waker->cv.wait_until(lock, std::min(backup_at, deadline), news)) continue;
        if (Clock::now() < backup_at) continue;  // the deadline came first
      }
      backup_sent = true;
      tried.push_back(e.get());
      auto second = Select(options.hash_key, tried);
      if (second == nullptr) second = e;  // the only endpoint: a second copy there
      auto slot2 = reply.make();
      copies.push_back(
          Start(second, method, args, SlotValue(reply, slot2), slot2, deadline, waker));
    }
  }

  // kFailfast, kFailover, kFailtry: one attempt at a time. The first decodes into the
  // caller's reply; a retry into a reply of its own, so a failed attempt leaves no trace.
  auto backoff = options_.retry_backoff;
  Error last;
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<void> slot = attempt == 0 ? nullptr : reply.make();
    Value target = slot ? SlotValue(reply, slot) : Value{reply.type, reply.user};
    Attempt a = Start(e, method, args, target, slot, deadline, waker);
    {
      // The waker's count, not Call::Wait: the done callback has then lowered the
      // endpoint's outstanding count too, which draining and kLeastOutstanding read.
      std::unique_lock lock(waker->mu);
      waker->cv.wait(lock, [&] { return waker->events > static_cast<uint64_t>(attempt); });
    }
    last = a.Outcome();
    if (!last) {
      if (slot) reply.commit(slot.get(), reply.user);
      return {};
    }
    if (options_.fail == FailMode::kFailfast || attempt >= options_.retries ||
        !Retryable(last, idempotent)) {
      return last;
    }
    if (Expired(deadline)) return TimedOut(attempt + 1, last);
    if (options_.fail == FailMode::kFailtry) {
      auto pause = std::chrono::duration_cast<Clock::duration>(backoff);
      if (deadline != Clock::time_point::max() && Clock::now() + pause >= deadline) {
        std::this_thread::sleep_until(deadline);
        return TimedOut(attempt + 1, last);
      }
      std::this_thread::sleep_for(pause);
      backoff *= 2;
      continue;  // the same endpoint
    }
    tried.push_back(e.get());
    auto next = Select(options.hash_key, tried);
    if (next == nullptr) return last;  // every endpoint tried
    e = std::move(next);
  }
}

Error XClientCore::Spread(bool fork, std::string_view method, ConstValue args, ReplyMaker reply,
                          const XCallOptions& options, std::vector<EndpointError>* outcomes) {
  auto deadline =
      options.timeout.count() > 0 ? Clock::now() + options.timeout : Clock::time_point::max();
  if (Error err = Refresh()) return err;
  std::vector<std::shared_ptr<EndpointState>> all;
  {
    std::lock_guard lock(mu_);
    all = endpoints_;
  }
  if (all.empty()) return Error(ErrorCode::kUsage, "xclient: no endpoints in discovery");
  if (LoopAccess::Of(*loop_).InLoopThread()) return kOnLoop;
  auto waker = std::make_shared<Waker>();
  std::vector<Attempt> attempts;
  for (auto& e : all) {
    auto slot = reply.make();
    attempts.push_back(Start(e, method, args, SlotValue(reply, slot), slot, deadline, waker));
  }
  // Replies are taken in the order they complete: the first success is the reply.
  std::vector<bool> seen(attempts.size(), false);
  int winner = -1;
  for (;;) {
    std::unique_lock lock(waker->mu);
    uint64_t events = waker->events;
    lock.unlock();
    bool all_done = true;
    for (size_t i = 0; i < attempts.size(); ++i) {
      if (!attempts[i].Done()) {
        all_done = false;
      } else if (!seen[i]) {
        seen[i] = true;
        if (winner < 0 && attempts[i].Outcome().ok()) winner = static_cast<int>(i);
      }
    }
    if (all_done || (fork && winner >= 0)) break;
    lock.lock();
    waker->cv.wait(lock, [&] { return waker->events != events; });
  }
  if (fork && winner >= 0) {
    for (auto& a : attempts) {
      if (a.call && !a.Done()) a.call->Cancel();
    }
  }
  std::string failures;
  Error first_failure;
  int failed = 0;
  for (size_t i = 0; i < attempts.size(); ++i) {
    Error err = attempts[i].Done() ? attempts[i].Outcome() : ErrCanceled;
    if (outcomes) outcomes->push_back({all[i]->endpoint.address, err});
    if (err && !(fork && winner >= 0)) {
      if (!first_failure) first_failure = err;
      ++failed;
      failures += (failures.empty() ? "" : "; ") + all[i]->endpoint.address + ": " + err.message();
    }
  }
  if (fork && winner >= 0) {
    reply.commit(attempts[winner].slot.get(), reply.user);
    return {};
  }
  if (failed > 0) {
    return Error(first_failure.code(), std::string("xclient: ") + (fork ? "fork" : "broadcast") +
                                           ": " + std::to_string(failed) + " of " +
                                           std::to_string(attempts.size()) +
                                           " endpoints failed: " + failures);
  }
  reply.commit(attempts[winner].slot.get(), reply.user);
  return {};
}

}  // namespace detail

XClient::XClient(Discovery& discovery, XClientOptions options)
    : core_(std::make_shared<detail::XClientCore>(discovery, std::move(options))) {}
XClient::~XClient() { Close(); }
void XClient::Close() { core_->Close(); }
uint64_t XClient::Dials() const { return core_->Dials(); }
size_t XClient::Connections() const { return core_->Connections(); }

Error XClient::Invoke(std::string_view service_method, ConstValue args, detail::ReplyMaker reply,
                      const XCallOptions& options) {
  return core_->Invoke(service_method, args, reply, options);
}

Error XClient::Spread(bool fork, std::string_view service_method, ConstValue args,
                      detail::ReplyMaker reply, const XCallOptions& options,
                      std::vector<EndpointError>* outcomes) {
  return core_->Spread(fork, service_method, args, reply, options, outcomes);
}

}  // namespace netrpc
