#include "core/batching/batch_queue.h"

#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/error_detail.h"
#include "core/util/mutex.h"

namespace attnserve::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

BatchingOptions Options(int64_t max_tokens, int max_size) {
  BatchingOptions o;
  o.max_batch_tokens = max_tokens;
  o.max_batch_size = max_size;
  o.max_queued_tokens = 1000;
  o.max_sequence_tokens = std::min<int64_t>(max_tokens, 100);
  return o;
}

struct Answer {
  absl::Status status = absl::UnknownError("not answered");
  int calls = 0;
};

std::shared_ptr<EmbedJob> Job(std::vector<int> lengths, Answer* answer,
                              absl::Time deadline = absl::InfiniteFuture()) {
  std::vector<SequenceInput> inputs;
  for (int n : lengths)
    inputs.push_back({std::vector<int32_t>(static_cast<size_t>(n), 1), {}, false});
  return std::make_shared<EmbedJob>(std::move(inputs), OutputSpec{}, deadline,
                                    [answer](const absl::Status& s, EmbedJob&) {
                                      if (answer != nullptr) {
                                        answer->status = s;
                                        ++answer->calls;
                                      }
                                    });
}

std::vector<int> Lengths(const Batch& b) {
  std::vector<int> out;
  for (const BatchItem& i : b.items) {
    out.push_back(static_cast<int>(i.job->input(i.index).ids.size()));
  }
  return out;
}

TEST(ShouldFlushTest, FlushesFullBatchesAtOnceAndPartialOnesAfterTheDelay) {
  BatchingOptions o = Options(100, 4);
  o.max_queue_delay = absl::Milliseconds(5);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_FALSE(ShouldFlush(t0, t0, 0, 0, o));                           // nothing queued
  EXPECT_FALSE(ShouldFlush(t0 + absl::Milliseconds(4), t0, 10, 1, o));  // small, young
  EXPECT_TRUE(ShouldFlush(t0 + absl::Milliseconds(5), t0, 10, 1, o));   // waited enough
  EXPECT_TRUE(ShouldFlush(t0, t0, 100, 1, o));                          // token budget full
  EXPECT_TRUE(ShouldFlush(t0, t0, 10, 4, o));                           // size limit reached
  o.max_queue_delay = absl::ZeroDuration();
  EXPECT_TRUE(ShouldFlush(t0, t0, 1, 1, o));  // no delay: at once
}

TEST(BatchingOptionsTest, ValidatesAndNamesTheField) {
  BatchingOptions o = Options(100, 4);
  EXPECT_TRUE(o.Validate().ok());
  o.max_batch_size = 0;
  EXPECT_THAT(o.Validate().message(), HasSubstr("max_batch_size must be > 0; was 0"));
  o = Options(100, 4);
  o.max_sequence_tokens = 200;
  EXPECT_THAT(o.Validate().message(), HasSubstr("must hold the longest input"));
  EXPECT_FALSE(BatchQueue::Create(o).ok());
}

TEST(BatchQueueTest, TakesInArrivalOrderWithinTheTokenBudget) {
  auto q = *BatchQueue::Create(Options(10, 100));
  ASSERT_TRUE(q->Enqueue(Job({4, 3}, nullptr)).ok());
  ASSERT_TRUE(q->Enqueue(Job({5}, nullptr)).ok());
  ASSERT_TRUE(q->Enqueue(Job({2, 9}, nullptr)).ok());
  EXPECT_EQ(q->queued_tokens(), 23);
  EXPECT_THAT(Lengths(q->TakeBatch()), ::testing::ElementsAre(4, 3));  // 4+3+5 > 10
  EXPECT_THAT(Lengths(q->TakeBatch()), ::testing::ElementsAre(5, 2));
  EXPECT_THAT(Lengths(q->TakeBatch()), ::testing::ElementsAre(9));
  EXPECT_EQ(q->queued_tokens(), 0);
  EXPECT_EQ(q->queued_sequences(), 0);
}

TEST(BatchQueueTest, RespectsMaxBatchSize) {
  auto q = *BatchQueue::Create(Options(100, 2));
  ASSERT_TRUE(q->Enqueue(Job({1, 1, 1, 1, 1}, nullptr)).ok());
  EXPECT_EQ(q->TakeBatch().items.size(), 2u);
  EXPECT_EQ(q->TakeBatch().items.size(), 2u);
  EXPECT_EQ(q->TakeBatch().items.size(), 1u);
}

TEST(BatchQueueTest, FullQueueIsResourceExhaustedAtOnceAndQueuesNothing) {
  auto q = *BatchQueue::Create(Options(100, 100));  // max_queued_tokens 1000
  ASSERT_TRUE(q->Enqueue(Job({100, 100, 100, 100, 100, 100, 100, 100, 100}, nullptr)).ok());
  const absl::Status s = q->Enqueue(Job({50, 51}, nullptr));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(s.message(), HasSubstr("900 tokens waiting, the request has 101, the limit is 1000"));
  EXPECT_EQ(q->queued_tokens(), 900);
  EXPECT_TRUE(q->Enqueue(Job({100}, nullptr)).ok());  // exactly at the limit
}

// A request larger than the whole queue budget can never be served: not "full, retry later".
TEST(BatchQueueTest, ARequestLargerThanTheWholeQueueSaysItCanNeverFit) {
  auto q = *BatchQueue::Create(Options(100, 100));  // max_queued_tokens 1000
  const absl::Status s = q->Enqueue(Job(std::vector<int>(11, 100), nullptr));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("the request has 1100 tokens, more than the whole queue "
                                     "holds (1000, --max-queued-tokens): it can never be served"));
  EXPECT_THAT(s.message(), Not(HasSubstr("retry")));
  const auto detail = GetErrorDetail(s);
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->kind, ErrorKind::kExceedsQueue);
  EXPECT_EQ(detail->value, 1100);
  EXPECT_EQ(detail->limit, 1000);
  EXPECT_EQ(q->queued_tokens(), 0);
  // Even with the queue empty; while one that fits but finds it busy is told to retry.
  ASSERT_TRUE(q->Enqueue(Job(std::vector<int>(9, 100), nullptr)).ok());
  const absl::Status busy = q->Enqueue(Job({100, 100}, nullptr));
  EXPECT_EQ(busy.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(GetErrorDetail(busy)->kind, ErrorKind::kQueueFull);
}

TEST(BatchQueueTest, RejectsOverlongSequencesAndEmptyJobs) {
  auto q = *BatchQueue::Create(Options(100, 100));
  EXPECT_THAT(q->Enqueue(Job({5, 101}, nullptr)).message(),
              HasSubstr("input 1 has 101 tokens; the maximum is 100"));
  EXPECT_EQ(q->Enqueue(Job({}, nullptr)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(q->queued_sequences(), 0);
}

TEST(BatchQueueTest, DropsCancelledAndExpiredJobsBeforeCompute) {
  auto q = *BatchQueue::Create(Options(100, 100));
  Answer cancelled, expired, live;
  auto a = Job({3, 3}, &cancelled);
  auto b = Job({4}, &expired, absl::Now() - absl::Seconds(1));
  auto c = Job({5}, &live);
  ASSERT_TRUE(q->Enqueue(a).ok());
  ASSERT_TRUE(q->Enqueue(b).ok());
  ASSERT_TRUE(q->Enqueue(c).ok());
  a->Cancel();
  const Batch batch = q->TakeBatch();
  EXPECT_THAT(Lengths(batch), ::testing::ElementsAre(5));
  EXPECT_EQ(cancelled.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(cancelled.calls, 1);  // two inputs dropped, one answer
  EXPECT_EQ(expired.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(live.calls, 0);
  EXPECT_EQ(q->queued_tokens(), 0);
}

TEST(BatchQueueTest, CloseRefusesNewWorkAndDrainsTheRest) {
  auto q = *BatchQueue::Create(Options(100, 100));
  ASSERT_TRUE(q->Enqueue(Job({7}, nullptr)).ok());
  q->Close();
  EXPECT_EQ(q->Enqueue(Job({1}, nullptr)).code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Lengths(q->TakeBatch()), ::testing::ElementsAre(7));
  EXPECT_TRUE(q->TakeBatch().empty());
}

TEST(BatchQueueTest, CloseWakesABlockedTaker) {
  auto q = *BatchQueue::Create(Options(100, 100));
  Notification done;
  std::thread taker([&] {
    EXPECT_TRUE(q->TakeBatch().empty());
    done.Notify();
  });
  q->Close();
  done.WaitForNotification();
  taker.join();
}

TEST(BatchQueueTest, FlushesPartialBatchAfterMaxDelay) {
  BatchingOptions o = Options(100, 100);
  o.max_queue_delay = absl::Milliseconds(50);
  auto q = *BatchQueue::Create(o);
  const absl::Time start = absl::Now();
  ASSERT_TRUE(q->Enqueue(Job({3}, nullptr)).ok());
  const Batch b = q->TakeBatch();
  EXPECT_EQ(b.items.size(), 1u);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST(BatchQueueTest, WaitingBatchLeavesAsSoonAsItIsFull) {
  BatchingOptions o = Options(10, 100);
  o.max_queue_delay = absl::Hours(1);  // the test would time out if it waited for the delay
  auto q = *BatchQueue::Create(o);
  ASSERT_TRUE(q->Enqueue(Job({4}, nullptr)).ok());
  std::thread producer([&] { ASSERT_TRUE(q->Enqueue(Job({6, 2}, nullptr)).ok()); });
  const Batch b = q->TakeBatch();
  producer.join();
  EXPECT_THAT(Lengths(b), ::testing::ElementsAre(4, 6));
}

TEST(BatchQueueTest, ConcurrentProducersLoseNothing) {
  auto q = *BatchQueue::Create(Options(64, 16));
  constexpr int kProducers = 4, kJobs = 200;
  std::atomic<int> refused{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int j = 0; j < kJobs; ++j) {
        if (!q->Enqueue(Job({1 + (p + j) % 5}, nullptr)).ok()) refused.fetch_add(1);
      }
    });
  }
  int taken = 0;
  std::thread consumer([&] {
    for (Batch b = q->TakeBatch(); !b.empty(); b = q->TakeBatch()) {
      EXPECT_LE(b.tokens, 64);
      EXPECT_LE(b.items.size(), 16u);
      taken += static_cast<int>(b.items.size());
    }
  });
  for (auto& t : producers) t.join();
  q->Close();
  consumer.join();
  EXPECT_EQ(taken + refused.load(), kProducers * kJobs);
}

}  // namespace
}  // namespace attnserve::core
