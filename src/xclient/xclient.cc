// xclient.cc: XClient's core: the endpoint table kept in step with discovery, each endpoint's
// pool of connections, and Operation, which runs a call's fail mode, Broadcast and Fork on
// completion callbacks, so Go blocks nothing and Broadcast's dials run side by side.
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <unordered_map>
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

class Operation;

class XClientCore : public std::enable_shared_from_this<XClientCore> {
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
    if (options_.tls) {
      auto context = transport::TlsClientContext::Make(*options_.tls);
      if (context.ok()) {
        tls_ = std::move(*context);
      } else {
        tls_error_ =
            Error(ErrorCode::kUsage, "xclient: XClientOptions::tls: " + context.error().message());
      }
    }
  }
  ~XClientCore() { Close(); }  // the cores go before own_loop_, declared first

  // Start begins an Operation: one call as the FailMode says (spread 0), or Broadcast (1) or
  // Fork (2). Errors found before anything was sent complete the returned Call at once.
  std::shared_ptr<Call> Start(int spread, std::string_view method, ConstValue args,
                              std::shared_ptr<const void> held_args, ReplyMaker reply,
                              const XCallOptions& options, std::vector<EndpointError>* outcomes,
                              std::function<void(Call&)> done);
  bool InLoopThread() { return LoopAccess::Of(*loop_).InLoopThread(); }

  // Close fails calls in flight with ErrShutdown and closes every connection.
  void Close();
  // StopLoop ends the XClient's own loop thread, if it has one (~XClient, after Close): a
  // completion still queued there is dropped, and none can later run on it.
  void StopLoop() {
    if (own_loop_) LoopAccess::Of(*own_loop_).Stop();
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

  // For Operation. Select picks an endpoint that is not in tried and not set aside (unless
  // all are). Endpoints is the current list, for Broadcast and Fork.
  std::shared_ptr<EndpointState> Select(std::string_view key,
                                        const std::vector<EndpointState*>& tried);
  std::vector<std::shared_ptr<EndpointState>> Endpoints() {
    std::lock_guard lock(mu_);
    return endpoints_;
  }
  using Dialed = std::function<void(Result<std::shared_ptr<ClientCore>>)>;
  // Acquire returns a pooled connection of e, or an error found at once; or, when it must
  // dial, nothing, and dialed gets the outcome later on the loop, never before Acquire returns.
  std::optional<Result<std::shared_ptr<ClientCore>>> Acquire(
      const std::shared_ptr<EndpointState>& e, Clock::time_point deadline, Dialed dialed);
  const XClientOptions& options() const { return options_; }
  boost::asio::io_context& Context() { return LoopAccess::Of(*loop_).Context(); }
  bool Idempotent(std::string_view method) const {
    return idempotent_.count(std::string(method)) != 0;
  }
  void Forget(Operation* op) {
    std::lock_guard lock(mu_);
    live_.erase(op);
  }

 private:
  // Refresh brings the endpoint table in step with discovery if its version moved. Endpoints
  // that left go to draining_: no new calls, their connections close once idle (Sweep).
  Error Refresh();
  void Sweep();
  // Pool takes a dial's outcome: the connection joins e's pool, or e is set aside.
  Result<std::shared_ptr<ClientCore>> Pool(const std::shared_ptr<EndpointState>& e,
                                           std::shared_ptr<ClientCore> core, Error err);

  Discovery& discovery_;
  XClientOptions options_;
  std::unique_ptr<EventLoop> own_loop_;  // first: it outlives every connection below
  EventLoop* loop_;
  std::shared_ptr<transport::TlsClientContext> tls_;  // for tls@ endpoints, if options_.tls
  Error tls_error_;                                   // why options_.tls did not load
  std::atomic<uint64_t> dials_{0};

  std::mutex mu_;  // guards everything below, and every EndpointState's guarded fields
  bool closed_ = false;
  bool listed_ = false;  // discovery has been read once
  uint64_t version_ = 0;
  std::vector<std::shared_ptr<EndpointState>> endpoints_;  // discovery's order
  std::vector<std::shared_ptr<EndpointState>> draining_;
  xclient::Balancer balancer_;
  const std::unordered_set<std::string> idempotent_;
  // The operations in flight, for Close. Lock order: an Operation's lock, then this one.
  std::unordered_map<Operation*, std::weak_ptr<Operation>> live_;
};

// Attempt is one copy of a call on one endpoint: dialing (call null, not done), in flight, or
// done. Its reply is a slot of its own, moved into the caller's only if it wins, so a late or
// canceled attempt never writes into a reply the caller may already be reading.
struct Attempt {
  std::shared_ptr<EndpointState> endpoint;
  std::shared_ptr<ClientCore> core;  // held until the call is done: its pending table is there
  std::shared_ptr<Call> call;
  std::shared_ptr<void> slot;
  bool done = false;
  bool seen = false;  // Broadcast and Fork: its outcome has been taken, in completion order
  Error outcome;
};

// Operation is one XClient call in flight. Every event (a dial's end, an attempt's end, a
// backoff, backup or deadline timer, Cancel, Close) runs Advance under mu_, which starts
// what comes next or decides the outcome; the caller's Call is completed outside mu_. A
// completion callback never runs Advance inline: it posts to the loop, so that Cancel,
// which completes a call on the caller's thread, cannot re-enter mu_.
class Operation final : public CallOwner, public std::enable_shared_from_this<Operation> {
 public:
  Operation(std::shared_ptr<XClientCore> core, int spread, std::string_view method, ConstValue args,
            std::shared_ptr<const void> held_args, ReplyMaker reply, const XCallOptions& options,
            std::vector<EndpointError>* outcomes, std::function<void(Call&)> done)
      : core_(core),
        spread_(spread),
        method_(method),
        args_(args),
        held_args_(std::move(held_args)),
        reply_(reply),
        key_(options.hash_key),
        deadline_(options.timeout.count() > 0 ? Clock::now() + options.timeout
                                              : Clock::time_point::max()),
        idempotent_(core->Idempotent(method)),
        outcomes_(outcomes),
        user_(CallState::New(std::string(method), Value{reply.type, reply.user}, std::move(done))),
        timer_(core->Context()),
        deadline_timer_(core->Context()) {}

  std::shared_ptr<Call> call() const { return user_; }
  // Begin starts the first attempt (every endpoint's, for Broadcast and Fork).
  void Begin(std::vector<std::shared_ptr<EndpointState>> all);
  // Abort completes the call with err at once (Close: ErrShutdown).
  void Abort(const Error& err) {
    Event([&] { Decide(err); });
  }
  void CancelCall() override { Abort(ErrCanceled); }
  bool InLoopThread() const override {
    auto core = core_.lock();
    return core && core->InLoopThread();
  }

 private:
  // Event runs f and Advance under mu_, and finishes the call if they decided it.
  template <class F>
  void Event(F f);
  void Advance();
  void Decide(Error err, int winner = -1) {
    decided_ = true;
    result_ = std::move(err);
    winner_ = winner;
  }
  void Finish();
  void StartAttempt(std::shared_ptr<EndpointState> e);  // by value: attempts_ may move
  void Launch(size_t i, Result<std::shared_ptr<ClientCore>> core);
  void Arm(boost::asio::steady_timer& timer, Clock::time_point at, void (Operation::*fire)());
  void OnBackoff();
  void OnBackup();
  void OnDeadline();
  void AdvanceCall(XClientCore& core);
  void AdvanceBackup(XClientCore& core);
  void AdvanceSpread();

  const std::weak_ptr<XClientCore> core_;  // weak: a pending completion must not keep it
  const int spread_;                       // 0: Call, 1: Broadcast, 2: Fork
  const std::string method_;
  const ConstValue args_;
  const std::shared_ptr<const void> held_args_;  // Go's copy of the args
  const ReplyMaker reply_;
  const std::string key_;
  const Clock::time_point deadline_;
  const bool idempotent_;
  std::vector<EndpointError>* const outcomes_;  // Broadcast's and Fork's caller's, or null
  const std::shared_ptr<Call> user_;            // what the caller waits on

  std::mutex mu_;                             // guards everything below
  boost::asio::steady_timer timer_;           // kFailtry's backoff or kFailbackup's delay
  boost::asio::steady_timer deadline_timer_;  // XCallOptions::timeout
  std::vector<Attempt> attempts_;             // in the order started
  std::vector<EndpointState*> tried_;
  std::chrono::milliseconds backoff_{0};
  bool backing_off_ = false;
  bool backup_sent_ = false;
  int first_done_ = -1;  // Broadcast: the first success, in completion order
  bool decided_ = false;
  bool finished_ = false;
  Error result_;
  int winner_ = -1;
};

template <class F>
void Operation::Event(F f) {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    f();
    if (!decided_) Advance();
    if (!decided_) return;
    finished_ = true;
  }
  Finish();
}

void Operation::Begin(std::vector<std::shared_ptr<EndpointState>> all) {
  auto core = core_.lock();
  Event([&] {
    backoff_ = core->options().retry_backoff;
    if (deadline_ != Clock::time_point::max()) {
      Arm(deadline_timer_, deadline_, &Operation::OnDeadline);
    }
    if (spread_ != 0) {
      for (auto& e : all) StartAttempt(e);
      return;
    }
    auto e = core->Select(key_, tried_);
    if (e == nullptr) return Decide(Error(ErrorCode::kUsage, "xclient: no endpoints in discovery"));
    StartAttempt(e);
    auto backup_at = Clock::now() + core->options().backup_delay;
    if (core->options().fail == FailMode::kFailbackup && backup_at < deadline_) {
      Arm(timer_, backup_at, &Operation::OnBackup);
    }
  });
}

void Operation::StartAttempt(std::shared_ptr<EndpointState> e) {
  // Under mu_.
  size_t i = attempts_.size();
  attempts_.emplace_back();
  attempts_[i].endpoint = e;
  attempts_[i].slot = reply_.make();
  auto core = core_.lock();
  if (core == nullptr) {
    attempts_[i].done = true;
    attempts_[i].outcome = ErrShutdown;
    return;
  }
  // The endpoint counts the attempt from its selection, dial included, so kLeastOutstanding
  // sees calls that are still dialing; whichever way the attempt ends lowers it once.
  e->outstanding.fetch_add(1);
  auto got = core->Acquire(e, deadline_, [self = shared_from_this(), i, e](auto dialed) {
    bool launched = false;
    self->Event([&] {
      self->Launch(i, std::move(dialed));
      launched = true;
    });
    if (!launched) e->outstanding.fetch_sub(1);  // the call was over before its dial
  });
  if (got) Launch(i, std::move(*got));
}

void Operation::Launch(size_t i, Result<std::shared_ptr<ClientCore>> core) {
  // Under mu_.
  Attempt& a = attempts_[i];
  auto owner = core_.lock();
  if (a.done || !core.ok() || owner == nullptr) {
    a.endpoint->outstanding.fetch_sub(1);
    if (a.done) return;  // the deadline ended it while it dialed; the connection is pooled
    a.done = true;
    a.outcome = core.ok() ? ErrShutdown : core.error();
    return;
  }
  a.core = std::move(*core);
  // The callback holds the slot, so a reply still being decoded into it after Cancel has
  // somewhere to go; it holds the endpoint weakly (the endpoint holds the connection).
  std::weak_ptr<EndpointState> weak = a.endpoint;
  auto self = shared_from_this();
  auto& ctx = owner->Context();
  a.call = a.core->Start(method_, args_, Value{reply_.type, a.slot.get()},
                         CallOptions{Remaining(deadline_)},
                         [weak, self, slot = a.slot, i, &ctx](Call& call) {
                           if (auto e = weak.lock()) e->outstanding.fetch_sub(1);
                           Error outcome = call.error();
                           boost::asio::post(ctx, [self, i, outcome] {
                             self->Event([&] {
                               self->attempts_[i].done = true;
                               self->attempts_[i].outcome = outcome;
                             });
                           });
                         });
}

void Operation::Arm(boost::asio::steady_timer& timer, Clock::time_point at,
                    void (Operation::*fire)()) {
  timer.expires_at(at);
  timer.async_wait([self = shared_from_this(), fire](boost::system::error_code ec) {
    if (!ec) self->Event([&] { ((*self).*fire)(); });
  });
}

void Operation::OnBackoff() {
  backing_off_ = false;
  StartAttempt(attempts_.back().endpoint);  // kFailtry: the same endpoint
}

void Operation::OnBackup() {
  if (backup_sent_ || attempts_.size() != 1) return;
  auto core = core_.lock();
  if (core == nullptr) return;
  backup_sent_ = true;
  auto first = attempts_[0].endpoint;
  tried_.push_back(first.get());
  auto second = core->Select(key_, tried_);
  StartAttempt(second ? second : first);  // the only endpoint: a second copy there
}

void Operation::OnDeadline() {
  // A call in flight ends by its own deadline (the same instant) and says so itself; what
  // has no call to end it (a dial, a backoff) ends here.
  for (auto& a : attempts_) {
    if (!a.done && a.call == nullptr) {
      a.done = true;
      a.outcome = Error(ErrorCode::kTimeout, "rpc: call timeout (xclient: still dialing " +
                                                 a.endpoint->endpoint.address + ")");
    }
  }
  if (backing_off_) {
    backing_off_ = false;
    Decide(TimedOut(static_cast<int>(attempts_.size()), attempts_.back().outcome));
  }
}

void Operation::Advance() {
  // Under mu_.
  if (spread_ != 0) return AdvanceSpread();
  auto core = core_.lock();
  if (core == nullptr) return Decide(ErrShutdown);
  if (core->options().fail == FailMode::kFailbackup) return AdvanceBackup(*core);
  AdvanceCall(*core);
}

void Operation::AdvanceCall(XClientCore& core) {
  // kFailfast, kFailover, kFailtry: one attempt at a time.
  if (backing_off_ || attempts_.empty() || !attempts_.back().done) return;
  const Attempt& a = attempts_.back();
  int attempt = static_cast<int>(attempts_.size()) - 1;
  Error last = a.outcome;
  if (!last) return Decide({}, attempt);
  const XClientOptions& o = core.options();
  if (o.fail == FailMode::kFailfast || attempt >= o.retries || !Retryable(last, idempotent_)) {
    return Decide(last);
  }
  if (Expired(deadline_)) return Decide(TimedOut(attempt + 1, last));
  if (o.fail == FailMode::kFailtry) {
    backing_off_ = true;  // the deadline timer ends it if it comes first
    Arm(timer_, Clock::now() + std::chrono::duration_cast<Clock::duration>(backoff_),
        &Operation::OnBackoff);
    backoff_ *= 2;
    return;
  }
  tried_.push_back(a.endpoint.get());
  auto next = core.Select(key_, tried_);
  if (next == nullptr) return Decide(last);  // every endpoint tried
  StartAttempt(next);
  // A dial that failed at once completes the attempt already: look again.
  if (attempts_.back().done) AdvanceCall(core);
}

void Operation::AdvanceBackup(XClientCore&) {
  // brpc's backup request: the first success wins.
  for (size_t i = 0; i < attempts_.size(); ++i) {
    if (attempts_[i].done && !attempts_[i].outcome) return Decide({}, static_cast<int>(i));
  }
  if (!std::all_of(attempts_.begin(), attempts_.end(), [](auto& a) { return a.done; })) return;
  // Both failed, or the first failed early: then the backup goes at once, if the error
  // allows a retry (a backup request is for idempotent methods).
  Error last = attempts_.back().outcome;
  if (backup_sent_ || !Retryable(last, true) || Expired(deadline_)) return Decide(last);
  OnBackup();
  if (attempts_.back().done) AdvanceBackup(*core_.lock());
}

void Operation::AdvanceSpread() {
  // Outcomes are taken in the order they complete: the first success is the reply.
  bool all_done = true;
  for (size_t i = 0; i < attempts_.size(); ++i) {
    Attempt& a = attempts_[i];
    if (!a.done) {
      all_done = false;
    } else if (!a.seen) {
      a.seen = true;
      if (first_done_ < 0 && !a.outcome) first_done_ = static_cast<int>(i);
    }
  }
  bool fork = spread_ == 2;
  if (fork && first_done_ >= 0) return Decide({}, first_done_);
  if (!all_done) return;
  std::string failures;
  Error first_failure;
  int failed = 0;
  for (auto& a : attempts_) {
    if (!a.outcome) continue;
    if (!first_failure) first_failure = a.outcome;
    ++failed;
    failures +=
        (failures.empty() ? "" : "; ") + a.endpoint->endpoint.address + ": " + a.outcome.message();
  }
  if (failed == 0) return Decide({}, first_done_);
  Decide(Error(first_failure.code(), std::string("xclient: ") + (fork ? "fork" : "broadcast") +
                                         ": " + std::to_string(failed) + " of " +
                                         std::to_string(attempts_.size()) +
                                         " endpoints failed: " + failures));
}

void Operation::Finish() {
  // After Event set finished_: nothing else touches the attempts or the timers now but the
  // handlers, which see finished_ and return.
  std::vector<Attempt> attempts;
  {
    std::lock_guard lock(mu_);
    attempts = std::move(attempts_);
    attempts_.clear();
    timer_.cancel();
    deadline_timer_.cancel();
  }
  if (outcomes_) {
    for (auto& a : attempts) {
      Error err = a.done ? a.outcome : ErrCanceled;
      outcomes_->push_back({a.endpoint->endpoint.address, err});
    }
  }
  for (auto& a : attempts) {
    if (a.call && !a.call->Done()) a.call->Cancel();  // Fork's losers, a backup's other copy
  }
  if (!result_ && winner_ >= 0) reply_.commit(attempts[winner_].slot.get(), reply_.user);
  if (auto core = core_.lock()) core->Forget(this);
  attempts.clear();
  ClientCore::Complete(*user_, result_);
}

std::shared_ptr<Call> XClientCore::Start(int spread, std::string_view method, ConstValue args,
                                         std::shared_ptr<const void> held_args, ReplyMaker reply,
                                         const XCallOptions& options,
                                         std::vector<EndpointError>* outcomes,
                                         std::function<void(Call&)> done) {
  auto op =
      std::make_shared<Operation>(shared_from_this(), spread, method, args, std::move(held_args),
                                  reply, options, outcomes, std::move(done));
  CallState::Of(*op->call()).owner = op;
  Error err = Refresh();
  if (!err && args.object == nullptr) {  // Call's args were a null pointer (SentArgs)
    err = Error(ErrorCode::kUsage,
                "netrpc: the args of " + std::string(method) + " are a null pointer");
  }
  std::vector<std::shared_ptr<EndpointState>> all;
  if (!err) {
    std::lock_guard lock(mu_);
    if (closed_) {
      err = ErrShutdown;
    } else {
      live_[op.get()] = op;
      if (spread != 0) all = endpoints_;
    }
  }
  if (!err && spread != 0 && all.empty()) {
    err = Error(ErrorCode::kUsage, "xclient: no endpoints in discovery");
  }
  if (err) {
    Forget(op.get());
    op->Abort(err);
    return op->call();
  }
  op->Begin(std::move(all));
  return op->call();
}

void XClientCore::Close() {
  std::vector<std::shared_ptr<ClientCore>> cores;
  std::vector<std::shared_ptr<Operation>> ops;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto* list : {&endpoints_, &draining_}) {
      for (auto& e : *list) {
        for (auto& c : e->pool) cores.push_back(std::move(c));
        e->pool.clear();
      }
    }
    for (auto& [_, weak] : live_) {
      if (auto op = weak.lock()) ops.push_back(std::move(op));
    }
    live_.clear();
  }
  for (auto& op : ops) op->Abort(ErrShutdown);
  for (auto& c : cores) c->Shutdown();  // fails their calls with ErrShutdown
}
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

std::optional<Result<std::shared_ptr<ClientCore>>> XClientCore::Acquire(
    const std::shared_ptr<EndpointState>& e, Clock::time_point deadline, Dialed dialed) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return ErrShutdown;
    auto& pool = e->pool;
    pool.erase(std::remove_if(pool.begin(), pool.end(), [](auto& c) { return !c->Alive(); }),
               pool.end());
    if (pool.size() >= options_.connections_per_endpoint) return pool[e->next++ % pool.size()];
  }
  if (e->where.tls && tls_ == nullptr) {
    if (tls_error_) return tls_error_;
    return Error(ErrorCode::kUsage, "xclient: endpoint " + e->endpoint.address +
                                        " is tls@, and XClientOptions::tls is not set");
  }
  // Dial on the loop, without the lock; a dial races another only up to an extra pooled
  // connection.
  DialOptions dial = options_.dial;
  dial.loop = loop_;
  if (deadline != Clock::time_point::max()) {
    dial.connect_timeout = std::min(dial.connect_timeout, Remaining(deadline));
  }
  if (e->where.gee_http) dial.gee_option = true;  // GeeRPC's DialHTTP sends its Option
  dial = WithProtocol(dial, dial.gee_option ? Protocol::kGob : Protocol::kNative);
  auto core = std::make_shared<ClientCore>(dial);
  if (e->where.tls) core->UseTls(tls_);
  dials_.fetch_add(1);
  std::string path(e->where.gee_http ? protocol::kGeeRpcPath : std::string_view{});
  std::string connected(e->where.gee_http ? protocol::kGeeConnected : protocol::kConnected);
  std::weak_ptr<XClientCore> weak = weak_from_this();
  boost::asio::co_spawn(
      Context(), core->AsyncConnect(e->where.network, e->where.address, path, connected),
      [weak, e, core, dialed = std::move(dialed)](std::exception_ptr thrown, Error err) {
        if (thrown) err = Error(ErrorCode::kConnect, "xclient: dial threw");
        auto self = weak.lock();
        if (self == nullptr) {
          core->Shutdown();
          return dialed(ErrShutdown);
        }
        dialed(self->Pool(e, core, err));
      });
  return std::nullopt;
}

Result<std::shared_ptr<ClientCore>> XClientCore::Pool(const std::shared_ptr<EndpointState>& e,
                                                      std::shared_ptr<ClientCore> core, Error err) {
  std::lock_guard lock(mu_);
  if (err) {
    core->Shutdown();
    e->set_aside_until = Clock::now() + options_.set_aside;
    return Error(ErrorCode::kConnect,
                 "xclient: dial " + e->endpoint.address + ": " + err.message());
  }
  if (closed_) {
    core->Shutdown();
    return ErrShutdown;
  }
  e->set_aside_until = {};
  if (!e->draining) e->pool.push_back(core);
  return core;
}

boost::asio::awaitable<Error> AwaitCall(std::shared_ptr<Call> call) {
  return ClientCore::Await(std::move(call));
}

}  // namespace detail

XClient::XClient(Discovery& discovery, XClientOptions options)
    : core_(std::make_shared<detail::XClientCore>(discovery, std::move(options))) {}
XClient::~XClient() {
  Close();
  core_->StopLoop();
}
void XClient::Close() { core_->Close(); }
uint64_t XClient::Dials() const { return core_->Dials(); }
size_t XClient::Connections() const { return core_->Connections(); }

Error XClient::Invoke(std::string_view service_method, ConstValue args, detail::ReplyMaker reply,
                      const XCallOptions& options) {
  if (core_->InLoopThread()) return detail::kOnLoop;
  return core_->Start(0, service_method, args, nullptr, reply, options, nullptr, {})->Wait();
}

std::shared_ptr<Call> XClient::Start(std::string_view service_method, ConstValue args,
                                     std::shared_ptr<const void> held_args,
                                     detail::ReplyMaker reply, const XCallOptions& options,
                                     std::function<void(netrpc::Call&)> done) {
  return core_->Start(0, service_method, args, std::move(held_args), reply, options, nullptr,
                      std::move(done));
}

Error XClient::Spread(bool fork, std::string_view service_method, ConstValue args,
                      detail::ReplyMaker reply, const XCallOptions& options,
                      std::vector<EndpointError>* outcomes) {
  if (core_->InLoopThread()) return detail::kOnLoop;
  return core_->Start(fork ? 2 : 1, service_method, args, nullptr, reply, options, outcomes, {})
      ->Wait();
}

}  // namespace netrpc
