// pending_calls_test.cc: the client's table of calls in flight, without a socket: each call is
// taken exactly once, by a reply, a deadline or TakeAll, and deadlines come out in order. And
// the calls it holds: one allocation each.
#include "client/pending_calls.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "client/call_state.h"

// Counts allocations so that a test can check that a reused node costs none. Every other
// test in this program runs through these too; they only count. The sanitizers bring their
// own operator new, so under them the count stays off and that test is skipped.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NETRPC_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NETRPC_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef NETRPC_COUNT_ALLOCATIONS
#define NETRPC_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<size_t> allocations{0};
}  // namespace

#if NETRPC_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

using namespace std::chrono_literals;
using netrpc::Call;
using netrpc::client::Clock;
using netrpc::client::PendingCalls;

constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

// NewCall is the one place that constructs a Call. Call's constructor is private; CallState
// (src/client/call_state.h) is how the client makes one, so the test makes them the same way.
std::shared_ptr<Call> NewCall(std::string service_method) {
  return netrpc::detail::CallState::New(std::move(service_method), netrpc::Value{}, nullptr);
}

// Methods lists the calls' names in the order given, to compare with EXPECT_EQ.
std::vector<std::string> Methods(const std::vector<std::shared_ptr<Call>>& calls) {
  std::vector<std::string> out;
  for (const auto& c : calls) out.push_back(c ? c->ServiceMethod() : "<null>");
  return out;
}

TEST(PendingCalls, EmptyTableHasNoCallsAndNoDeadline) {
  PendingCalls pending;
  EXPECT_EQ(pending.Size(), 0u);
  EXPECT_EQ(pending.NextDeadline(), kNoDeadline);
  EXPECT_EQ(pending.Find(1), nullptr);
  EXPECT_EQ(pending.Take(1), nullptr);
  EXPECT_TRUE(pending.TakeExpired(Clock::now()).empty());
  EXPECT_TRUE(pending.TakeAll().empty());
}

TEST(PendingCalls, FindLooksWithoutTaking) {
  PendingCalls pending;
  auto call = NewCall("Arith.Multiply");
  pending.Add(7, call, kNoDeadline);
  EXPECT_EQ(pending.Find(7), call.get());
  EXPECT_EQ(pending.Find(7), call.get());
  EXPECT_EQ(pending.Find(8), nullptr);
  EXPECT_EQ(pending.Size(), 1u);
  EXPECT_EQ(pending.Take(7), call);
}

TEST(PendingCalls, TakeReturnsTheCallOnceThenNothing) {
  PendingCalls pending;
  auto a = NewCall("A.M"), b = NewCall("B.M");
  pending.Add(1, a, kNoDeadline);
  pending.Add(2, b, kNoDeadline);
  EXPECT_EQ(pending.Take(1), a);
  EXPECT_EQ(pending.Size(), 1u);
  EXPECT_EQ(pending.Take(1), nullptr);  // a late reply to seq 1 finds nothing
  EXPECT_EQ(pending.Find(1), nullptr);
  EXPECT_EQ(pending.Find(2), b.get());
  EXPECT_EQ(pending.Take(2), b);
  EXPECT_EQ(pending.Size(), 0u);
}

TEST(PendingCalls, NoDeadlineIsTimePointMaxAndNeverExpires) {
  PendingCalls pending;
  pending.Add(1, NewCall("A.M"), kNoDeadline);
  EXPECT_EQ(pending.NextDeadline(), kNoDeadline);
  EXPECT_TRUE(pending.TakeExpired(Clock::time_point::max()).empty());
  EXPECT_EQ(pending.Size(), 1u);
}

TEST(PendingCalls, NextDeadlineIsTheEarliestWhateverTheOrderOfAdds) {
  PendingCalls pending;
  const Clock::time_point t0 = Clock::now();
  pending.Add(1, NewCall("Late.M"), t0 + 30s);
  pending.Add(2, NewCall("Never.M"), kNoDeadline);
  pending.Add(3, NewCall("Early.M"), t0 + 10s);
  pending.Add(4, NewCall("Middle.M"), t0 + 20s);
  EXPECT_EQ(pending.NextDeadline(), t0 + 10s);
  pending.Take(3);
  EXPECT_EQ(pending.NextDeadline(), t0 + 20s);
  pending.Take(4);
  EXPECT_EQ(pending.NextDeadline(), t0 + 30s);
  pending.Take(1);
  EXPECT_EQ(pending.NextDeadline(), kNoDeadline);  // seq 2 has none
  EXPECT_EQ(pending.Size(), 1u);
}

TEST(PendingCalls, TakeExpiredReturnsDueCallsInDeadlineOrder) {
  PendingCalls pending;
  const Clock::time_point t0 = Clock::now();
  pending.Add(1, NewCall("Third.M"), t0 + 3s);
  pending.Add(2, NewCall("First.M"), t0 + 1s);
  pending.Add(3, NewCall("Later.M"), t0 + 9s);
  pending.Add(4, NewCall("Second.M"), t0 + 2s);
  pending.Add(5, NewCall("Never.M"), kNoDeadline);
  EXPECT_EQ(Methods(pending.TakeExpired(t0 + 5s)),
            (std::vector<std::string>{"First.M", "Second.M", "Third.M"}));
  EXPECT_EQ(pending.Size(), 2u);
  EXPECT_EQ(pending.NextDeadline(), t0 + 9s);
  EXPECT_EQ(pending.Find(1), nullptr);
  EXPECT_NE(pending.Find(3), nullptr);
  EXPECT_NE(pending.Find(5), nullptr);
}

TEST(PendingCalls, TakeExpiredTakesACallAtExactlyItsDeadline) {
  PendingCalls pending;
  const Clock::time_point deadline = Clock::now() + 1s;
  pending.Add(1, NewCall("A.M"), deadline);
  EXPECT_TRUE(pending.TakeExpired(deadline - 1ns).empty());
  EXPECT_EQ(Methods(pending.TakeExpired(deadline)), std::vector<std::string>{"A.M"});
  EXPECT_EQ(pending.Size(), 0u);
}

TEST(PendingCalls, EqualDeadlinesAllExpireInTheOrderAdded) {
  PendingCalls pending;
  const Clock::time_point deadline = Clock::now() + 1s;
  pending.Add(30, NewCall("A.M"), deadline);
  pending.Add(10, NewCall("B.M"), deadline);
  pending.Add(20, NewCall("C.M"), deadline);
  EXPECT_EQ(pending.NextDeadline(), deadline);
  EXPECT_EQ(Methods(pending.TakeExpired(deadline)),
            (std::vector<std::string>{"A.M", "B.M", "C.M"}));
  EXPECT_EQ(pending.Size(), 0u);
}

TEST(PendingCalls, TakingOneOfEqualDeadlinesLeavesTheOthersDeadline) {
  PendingCalls pending;
  const Clock::time_point deadline = Clock::now() + 1s;
  pending.Add(1, NewCall("A.M"), deadline);
  pending.Add(2, NewCall("B.M"), deadline);
  ASSERT_NE(pending.Take(1), nullptr);  // removes seq 1's deadline entry, not seq 2's
  EXPECT_EQ(pending.NextDeadline(), deadline);
  EXPECT_EQ(Methods(pending.TakeExpired(deadline)), std::vector<std::string>{"B.M"});
}

TEST(PendingCalls, ACallTakenByAReplyDoesNotExpireLater) {
  PendingCalls pending;
  const Clock::time_point deadline = Clock::now() + 1s;
  auto call = NewCall("A.M");
  pending.Add(1, call, deadline);
  EXPECT_EQ(pending.Take(1), call);
  EXPECT_EQ(pending.NextDeadline(), kNoDeadline);
  EXPECT_TRUE(pending.TakeExpired(deadline + 1h).empty());
}

TEST(PendingCalls, AnExpiredCallIsNotTakenAgainByAReplyOrTakeAll) {
  PendingCalls pending;
  const Clock::time_point deadline = Clock::now() + 1s;
  auto call = NewCall("A.M");
  pending.Add(1, call, deadline);
  auto expired = pending.TakeExpired(deadline);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], call);
  EXPECT_EQ(pending.Take(1), nullptr);
  EXPECT_TRUE(pending.TakeExpired(deadline + 1h).empty());
  EXPECT_TRUE(pending.TakeAll().empty());
}

TEST(PendingCalls, TakeAllEmptiesTableAndDeadlines) {
  PendingCalls pending;
  const Clock::time_point t0 = Clock::now();
  pending.Add(1, NewCall("A.M"), t0 + 1s);
  pending.Add(2, NewCall("B.M"), kNoDeadline);
  pending.Add(3, NewCall("C.M"), t0 + 2s);
  std::vector<std::string> taken = Methods(pending.TakeAll());
  std::sort(taken.begin(), taken.end());  // TakeAll promises no order
  EXPECT_EQ(taken, (std::vector<std::string>{"A.M", "B.M", "C.M"}));
  EXPECT_EQ(pending.Size(), 0u);
  EXPECT_EQ(pending.NextDeadline(), kNoDeadline);
  EXPECT_EQ(pending.Take(1), nullptr);
  EXPECT_TRUE(pending.TakeExpired(t0 + 1h).empty());
  EXPECT_TRUE(pending.TakeAll().empty());
}

TEST(PendingCalls, TableIsUsableAfterTakeAll) {
  PendingCalls pending;
  const Clock::time_point t0 = Clock::now();
  pending.Add(1, NewCall("A.M"), t0 + 1s);
  pending.TakeAll();
  auto call = NewCall("B.M");
  pending.Add(1, call, t0 + 2s);  // the same seq again: a reconnected client starts over
  EXPECT_EQ(pending.Find(1), call.get());
  EXPECT_EQ(pending.NextDeadline(), t0 + 2s);
  EXPECT_EQ(Methods(pending.TakeExpired(t0 + 2s)), std::vector<std::string>{"B.M"});
}

TEST(PendingCalls, AReusedNodeHoldsOnlyItsNewCallAndDeadline) {
  PendingCalls pending;
  const Clock::time_point t0 = Clock::now();
  pending.Add(1, NewCall("Old.M"), t0 + 1s);
  ASSERT_NE(pending.Take(1), nullptr);  // seq 1's node is kept for the next call
  auto call = NewCall("New.M");
  pending.Add(2, call, kNoDeadline);
  EXPECT_EQ(pending.Find(1), nullptr);
  EXPECT_EQ(pending.Find(2), call.get());
  EXPECT_EQ(pending.NextDeadline(), kNoDeadline);  // not seq 1's deadline
  EXPECT_TRUE(pending.TakeExpired(t0 + 1h).empty());

  ASSERT_EQ(pending.Take(2), call);  // and back: a node without a deadline gets one
  pending.Add(3, NewCall("Timed.M"), t0 + 5s);
  EXPECT_EQ(pending.NextDeadline(), t0 + 5s);
  EXPECT_EQ(Methods(pending.TakeExpired(t0 + 5s)), std::vector<std::string>{"Timed.M"});
}

TEST(PendingCalls, ManyCallsInFlightAreEachFoundAfterNodesAreReused) {
  constexpr uint64_t kCalls = 3000;  // more than the spare nodes kept
  PendingCalls pending;
  std::vector<std::shared_ptr<Call>> calls;
  for (uint64_t i = 0; i < 2 * kCalls; ++i) calls.push_back(NewCall("S.M" + std::to_string(i)));
  for (uint64_t seq = 0; seq < kCalls; ++seq) pending.Add(seq, calls[seq], kNoDeadline);
  for (uint64_t seq = 0; seq < kCalls; ++seq) ASSERT_EQ(pending.Take(seq), calls[seq]);
  for (uint64_t seq = kCalls; seq < 2 * kCalls; ++seq) pending.Add(seq, calls[seq], kNoDeadline);
  EXPECT_EQ(pending.Size(), kCalls);
  for (uint64_t seq = 0; seq < kCalls; ++seq) EXPECT_EQ(pending.Find(seq), nullptr);
  for (uint64_t seq = kCalls; seq < 2 * kCalls; ++seq) {
    ASSERT_EQ(pending.Find(seq), calls[seq].get()) << seq;
  }
}

TEST(PendingCalls, SteadyStateWithoutDeadlinesAllocatesNothing) {
  if (!NETRPC_COUNT_ALLOCATIONS) GTEST_SKIP() << "the sanitizer's operator new is not counted";
  PendingCalls pending;
  std::vector<std::shared_ptr<Call>> calls;
  for (int i = 0; i < 100; ++i) calls.push_back(NewCall("S.M"));
  size_t before = allocations.load();
  pending.Add(0, calls[0], kNoDeadline);
  EXPECT_GT(allocations.load() - before, 0u);  // the first call needs a node
  pending.Take(0);                             // which is kept for the next

  before = allocations.load();
  for (uint64_t seq = 1; seq < 100; ++seq) {  // one call in flight at a time, as in ping-pong
    pending.Add(seq, calls[seq], kNoDeadline);
    pending.Take(seq);
  }
  EXPECT_EQ(allocations.load() - before, 0u);
}

// A Call is made once per call on the hot path; its lock and outcome (CallState) live in the
// same allocation, and a short method name in the string's own buffer.
TEST(PendingCalls, CallIsOneAllocation) {
  if (!NETRPC_COUNT_ALLOCATIONS) GTEST_SKIP() << "the sanitizer's operator new is not counted";
  size_t before = allocations.load();
  auto call = NewCall("S.M");
  EXPECT_EQ(allocations.load() - before, 1u);
}

}  // namespace
