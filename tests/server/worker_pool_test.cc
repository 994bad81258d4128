// worker_pool_test.cc: the pool that runs blocking handlers grows when every worker is busy
// and shrinks when idle; end to end, no call waits behind other calls' blocked handlers.
#include "server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "server/stats.h"
#include "test_service.h"

namespace {

using namespace std::chrono_literals;

// Gate blocks whoever Waits until Open; it counts who is waiting.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  // AwaitWaiting waits (bounded) until n are blocked; false if they never were.
  bool AwaitWaiting(int n, std::chrono::seconds limit = 30s) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit, [&] { return waiting_ >= n; });
  }
  int Waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

// EventuallyEq polls f until it returns want (bounded).
template <class F>
bool EventuallyEq(F f, size_t want) {
  for (int i = 0; i < 2000; ++i) {
    if (f() == want) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(WorkerPool, GrowsWhenEveryWorkerIsBusyAndShrinksWhenIdle) {
  netrpc::server::WorkerPool pool(2, 64, 50ms);
  EXPECT_EQ(pool.Threads(), 2u);
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) {
    pool.Post([&] {
      gate.Wait();
      ++done;
    });
  }
  ASSERT_TRUE(gate.AwaitWaiting(10));  // all ten run at once, on ten threads
  EXPECT_EQ(pool.Threads(), 10u);
  EXPECT_EQ(pool.Busy(), 10u);
  gate.Open();
  EXPECT_TRUE(EventuallyEq([&] { return static_cast<size_t>(done.load()); }, 10));
  EXPECT_TRUE(EventuallyEq([&] { return pool.Threads(); }, 2));  // back to the minimum
  // A quick task after the shrink runs on a kept thread.
  std::atomic<bool> ran{false};
  pool.Post([&] { ran = true; });
  EXPECT_TRUE(EventuallyEq([&] { return static_cast<size_t>(ran.load()); }, 1));
}

TEST(WorkerPool, CapQueuesTheRestUntilAWorkerIsFree) {
  netrpc::server::WorkerPool pool(1, 4, 10s);
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i) {
    pool.Post([&] {
      gate.Wait();
      ++done;
    });
  }
  ASSERT_TRUE(gate.AwaitWaiting(4));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(gate.Waiting(), 4);  // the cap
  EXPECT_EQ(pool.Threads(), 4u);
  gate.Open();
  EXPECT_TRUE(EventuallyEq([&] { return static_cast<size_t>(done.load()); }, 6));
}

TEST(WorkerPool, JoinRunsWhatIsQueuedAndTakesMoveOnlyTasks) {
  std::atomic<int> done{0};
  {
    netrpc::server::WorkerPool pool(1, 1, 10s);
    for (int i = 0; i < 100; ++i) {
      pool.Post([p = std::make_unique<int>(i), &done] { done += *p >= 0 ? 1 : 0; });
    }
  }  // ~WorkerPool joins
  EXPECT_EQ(done.load(), 100);
}

// The blocking service of the end-to-end test.
Gate* blocking_gate = nullptr;
struct Blocking {
  netrpc::Error Block(const int64_t& in, int64_t* out) {
    blocking_gate->Wait();
    *out = in;
    return {};
  }
  netrpc::Error Quick(const int64_t& in, int64_t* out) {
    *out = in + 1;
    return {};
  }
};
NETRPC_SERVICE(Blocking, Block, Quick);

// 64 calls whose handlers block, over 3 connections, with default ServerOptions: a quick call
// on a fourth connection is answered while all 64 are still blocked, as with Go's goroutine
// per call. The order of events is asserted, not a time.
TEST(WorkerPool, NoCallWaitsBehindBlockedHandlers) {
  Gate gate;
  blocking_gate = &gate;
  Blocking service;
  netrpc::Server server;
  ASSERT_FALSE(server.Register(service));
  ASSERT_FALSE(server.Listen("tcp", "127.0.0.1:0"));
  std::vector<std::unique_ptr<netrpc::Client>> conns;
  for (int i = 0; i < 3; ++i) conns.push_back(testsvc::MustDial(server.Address()));
  std::vector<int64_t> replies(64);
  std::vector<std::shared_ptr<netrpc::Call>> calls;
  for (int i = 0; i < 64; ++i) {
    calls.push_back(conns[i % 3]->Go("Blocking.Block", int64_t{i}, &replies[i]));
  }
  ASSERT_TRUE(gate.AwaitWaiting(64));
  auto quick = testsvc::MustDial(server.Address());
  int64_t r = 0;
  ASSERT_FALSE(quick->Call("Blocking.Quick", int64_t{41}, &r));
  EXPECT_EQ(r, 42);
  EXPECT_EQ(gate.Waiting(), 64);  // answered while every blocked handler still waits
  for (auto& c : calls) EXPECT_FALSE(c->Done());
  gate.Open();
  for (int i = 0; i < 64; ++i) {
    ASSERT_FALSE(calls[i]->Wait());
    EXPECT_EQ(replies[i], i);
  }
}

// Under a light steady load after a burst, the workers beyond the minimum leave: the one woken
// is the last to have gone idle, so the others stay idle long enough.
TEST(WorkerPool, ShrinksUnderALightSteadyLoad) {
  netrpc::server::WorkerPool pool(2, 64, 200ms);
  Gate gate;
  for (int i = 0; i < 20; ++i) pool.Post([&] { gate.Wait(); });
  ASSERT_TRUE(gate.AwaitWaiting(20));
  gate.Open();
  std::atomic<int> done{0};
  for (int i = 0; i < 75; ++i) {  // 1.5 s of one quick task every 20 ms
    pool.Post([&] { ++done; });
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(EventuallyEq([&] { return static_cast<size_t>(done.load()); }, 75));
  EXPECT_LE(pool.Threads(), 3u);
}

TEST(LatencyHistogram, NearestRankQuantiles) {
  netrpc::server::LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.5), 0);
  h.Record(1'000'000);    // 1 ms
  h.Record(300'000'000);  // 300 ms
  EXPECT_GE(h.Quantile(0.5), 1'000'000);
  EXPECT_LE(h.Quantile(0.5), 1'125'000);
  EXPECT_GE(h.Quantile(0.99), 300'000'000);
  EXPECT_LE(h.Quantile(0.99), 337'500'000);
  h.Record(int64_t{100} * 1'000'000'000);  // 100 s: within range now
  EXPECT_GE(h.Quantile(1.0), int64_t{100} * 1'000'000'000);
  EXPECT_LE(h.Quantile(1.0), int64_t{113} * 1'000'000'000);
}

}  // namespace
