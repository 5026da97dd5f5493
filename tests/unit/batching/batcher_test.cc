#include "core/batching/batcher.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <omp.h>

#include "core/model/bert/bert_model.h"
#include "core/model/bert/demo_model.h"
#include "core/util/mutex.h"
#include "core/util/sched_slice.h"

namespace attnserve::core {
namespace {

std::shared_ptr<const EncoderModel> DemoModel() {
  static const std::shared_ptr<const EncoderModel> model = [] {
    auto weights = MakeDemoWeights(DemoConfig());
    return std::shared_ptr<const EncoderModel>(*LoadBertModel(DemoConfig(), *weights));
  }();
  return model;
}

class CountingObserver : public BatchObserver {
 public:
  void OnQueueDepth(int, int64_t) override {}
  void OnBatch(int sequences, int64_t, absl::Duration) override {
    batches.fetch_add(1);
    sequences_total.fetch_add(sequences);
    int prev = largest.load();
    while (sequences > prev && !largest.compare_exchange_weak(prev, sequences)) {
    }
  }
  std::atomic<int> batches{0}, sequences_total{0}, largest{0};
};

BatchingOptions SmallBatches() {
  BatchingOptions o;
  o.max_batch_tokens = 256;
  o.max_batch_size = 16;
  o.max_queued_tokens = 1 << 20;
  o.max_sequence_tokens = 64;
  return o;
}

TEST(BatcherTest, ConcurrentJobsGetTheirOwnResultsAndAreBatchedTogether) {
  CountingObserver observer;
  auto batcher = Batcher::Start(DemoModel(), SmallBatches(), &observer);
  ASSERT_TRUE(batcher.ok());
  ASSERT_TRUE((*batcher)->WaitUntilReady().ok());

  // Inputs and what each gives alone, on an encoder of this thread.
  constexpr int kThreads = 6, kJobsPerThread = 12;
  struct Spec {
    std::vector<SequenceInput> inputs;
    OutputSpec out;
    std::vector<std::vector<float>> expected;
  };
  std::vector<Spec> specs;
  std::mt19937 rng(7);
  auto alone = *DemoModel()->CreateSession();
  const Pooling poolings[] = {Pooling::kCls, Pooling::kMean, Pooling::kMax};
  for (int j = 0; j < kThreads * kJobsPerThread; ++j) {
    Spec s;
    s.out.pooling = {poolings[j % 3], j % 2 == 0, j % 5 == 0 ? 16 : 0};
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      SequenceInput in;
      const int len = 1 + static_cast<int>(rng() % 64);
      for (int t = 0; t < len; ++t) in.ids.push_back(static_cast<int32_t>(rng() % 400));
      PackedBatch one;
      one.Add(in.ids);
      std::vector<SequenceOutput> out;
      const OutputSpec spec = s.out;
      EXPECT_TRUE(EmbedBatch(*alone, one, std::span<const OutputSpec>(&spec, 1), out).ok());
      s.expected.push_back(out[0].embedding);
      s.inputs.push_back(std::move(in));
    }
    specs.push_back(std::move(s));
  }

  BlockingCounter answered(kThreads * kJobsPerThread);
  std::atomic<int> mismatches{0}, errors{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      for (int j = t * kJobsPerThread; j < (t + 1) * kJobsPerThread; ++j) {
        const Spec& s = specs[static_cast<size_t>(j)];
        auto job = std::make_shared<EmbedJob>(
            s.inputs, s.out, absl::InfiniteFuture(), [&, j](const absl::Status& st, EmbedJob& jb) {
              if (!st.ok()) errors.fetch_add(1);
              for (int i = 0; st.ok() && i < jb.num_sequences(); ++i) {
                const auto& got = jb.outputs()[static_cast<size_t>(i)].embedding;
                const auto& want = specs[static_cast<size_t>(j)].expected[static_cast<size_t>(i)];
                bool same = got.size() == want.size();
                for (size_t k = 0; same && k < got.size(); ++k)
                  same = std::abs(got[k] - want[k]) <= 1e-5f;
                if (!same) mismatches.fetch_add(1);
              }
              answered.DecrementCount();
            });
        ASSERT_TRUE((*batcher)->Submit(job).ok());
      }
    });
  }
  for (auto& c : clients) c.join();
  answered.Wait();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GT(observer.largest.load(), 1) << "no batch held more than one sequence";
  (*batcher)->Shutdown();
}

TEST(BatcherTest, CancelledAndExpiredJobsAreAnsweredWithoutCompute) {
  BatchingOptions o = SmallBatches();
  o.max_queue_delay = absl::Milliseconds(100);  // the job waits in the queue long enough
  CountingObserver observer;
  auto batcher = *Batcher::Start(DemoModel(), o, &observer);
  ASSERT_TRUE(batcher->WaitUntilReady().ok());
  Notification cancelled_done, expired_done;
  absl::Status cancelled_status, expired_status;
  auto job =
      std::make_shared<EmbedJob>(std::vector<SequenceInput>{{{1, 2, 3}, {}, false}}, OutputSpec{},
                                 absl::InfiniteFuture(), [&](const absl::Status& s, EmbedJob&) {
                                   cancelled_status = s;
                                   cancelled_done.Notify();
                                 });
  auto expired = std::make_shared<EmbedJob>(std::vector<SequenceInput>{{{1, 2}, {}, false}},
                                            OutputSpec{}, absl::Now() + absl::Milliseconds(10),
                                            [&](const absl::Status& s, EmbedJob&) {
                                              expired_status = s;
                                              expired_done.Notify();
                                            });
  ASSERT_TRUE(batcher->Submit(job).ok());
  ASSERT_TRUE(batcher->Submit(expired).ok());
  job->Cancel();
  cancelled_done.WaitForNotification();
  expired_done.WaitForNotification();
  EXPECT_EQ(cancelled_status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(expired_status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(observer.sequences_total.load(), 0);  // nothing was computed
}

TEST(BatcherTest, ShutdownAnswersEverythingQueuedThenRefuses) {
  auto batcher = *Batcher::Start(DemoModel(), SmallBatches(), nullptr);
  ASSERT_TRUE(batcher->WaitUntilReady().ok());
  std::atomic<int> ok{0};
  for (int j = 0; j < 20; ++j) {
    auto job = std::make_shared<EmbedJob>(
        std::vector<SequenceInput>{{std::vector<int32_t>(30, 5), {}, false}}, OutputSpec{},
        absl::InfiniteFuture(), [&](const absl::Status& s, EmbedJob&) {
          if (s.ok()) ok.fetch_add(1);
        });
    ASSERT_TRUE(batcher->Submit(job).ok());
  }
  batcher->Shutdown();
  EXPECT_EQ(ok.load(), 20);
  auto late = std::make_shared<EmbedJob>(std::vector<SequenceInput>{{{1}, {}, false}}, OutputSpec{},
                                         absl::InfiniteFuture(), nullptr);
  EXPECT_EQ(batcher->Submit(late).code(), absl::StatusCode::kUnavailable);
}

// The contents of /proc/self/task/TID/<file> for each thread of this process.
std::vector<std::string> PerThreadProcFile(const std::string& file) {
  std::vector<std::string> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream f(task.path() / file);
    out.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return out;
}

// Names of this process's threads (comm, without its newline).
std::vector<std::string> ThreadNames() {
  std::vector<std::string> names = PerThreadProcFile("comm");
  for (std::string& n : names) n = n.substr(0, n.find('\n'));
  return names;
}

TEST(BatcherTest, ComputeThreadsSetTheTeamOnTheComputeThread) {
  // The test's main thread asks for 2 (as a --threads flag parsed there would): that must not
  // be what the compute thread gets. Not when the environment pins the team size: the TSan
  // preset sets OMP_NUM_THREADS=1, since TSan cannot see into the uninstrumented OpenMP runtime.
  if (std::getenv("OMP_NUM_THREADS") == nullptr) omp_set_num_threads(2);
  BatchingOptions o = SmallBatches();
  o.compute_threads = 1;
  auto batcher = *Batcher::Start(DemoModel(), o, nullptr);
  ASSERT_TRUE(batcher->WaitUntilReady().ok());
  EXPECT_EQ(batcher->compute_threads(), 1);
  // The worker names itself attn-compute and its OpenMP threads inherit the name: one of them.
  const std::vector<std::string> names = ThreadNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), "attn-compute"), 1);
  o.compute_threads = -1;
  EXPECT_THAT(o.Validate().message(), ::testing::HasSubstr("compute_threads must be >= 0; was -1"));
}

// Nice values of this process's threads: field 19 of /proc/self/task/TID/stat.
std::vector<int> ThreadNiceValues() {
  std::vector<int> out;
  for (const std::string& stat : PerThreadProcFile("stat")) {
    const size_t paren = stat.rfind(')');  // the name may hold spaces; fields follow ')'
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 19 && rest >> field; ++i) {
      if (i == 19) out.push_back(std::stoi(field));
    }
  }
  return out;
}

TEST(BatcherTest, ComputeThreadsRunAtTheConfiguredNice) {
  BatchingOptions o = SmallBatches();
  o.compute_nice = 7;
  auto batcher = *Batcher::Start(DemoModel(), o, nullptr);
  ASSERT_TRUE(batcher->WaitUntilReady().ok());  // the warm-up ran on the compute threads
  EXPECT_THAT(ThreadNiceValues(), ::testing::Contains(7));
  EXPECT_THAT(ThreadNiceValues(), ::testing::Contains(0));  // the caller's threads are untouched
  o.compute_nice = 20;
  EXPECT_THAT(o.Validate().message(), ::testing::HasSubstr("compute_nice must be in [0, 19]"));
}

}  // namespace
}  // namespace attnserve::core

namespace attnserve::core {
namespace {

// se.slice (ns) of thread `tid` of this process, from /proc/self/task/TID/sched; -1 when the
// kernel does not show it (before EEVDF).
int64_t SliceOf(const std::string& tid) {
  std::ifstream f("/proc/self/task/" + tid + "/sched");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("se.slice", 0) == 0) return std::stoll(line.substr(line.find(':') + 1));
  }
  return -1;
}

// Overload (issue 15, item 7): the server gives its serving threads a short scheduler slice, so
// that they preempt the compute; the compute itself (and its OpenMP team) keeps the default.
TEST(BatcherTest, ComputeKeepsTheDefaultSliceWhenItsStarterHasAShortOne) {
  const int64_t default_slice = SliceOf(std::to_string(gettid()));
  if (default_slice < 0) GTEST_SKIP() << "no se.slice in /proc: not an EEVDF kernel";
  int64_t starter_slice = -1, compute_slice = -1;
  std::thread([&] {
    ASSERT_TRUE(SetSchedulerSliceOfThisThread(absl::Microseconds(200)).ok());
    starter_slice = SliceOf(std::to_string(gettid()));
    auto batcher = *Batcher::Start(DemoModel(), SmallBatches(), nullptr);
    ASSERT_TRUE(batcher->WaitUntilReady().ok());
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name == "attn-compute") compute_slice = SliceOf(task.path().filename());
    }
  }).join();
  if (starter_slice == default_slice) GTEST_SKIP() << "the kernel ignores sched_runtime (< 6.12)";
  EXPECT_EQ(starter_slice, 200000);
  EXPECT_EQ(compute_slice, default_slice);
}

}  // namespace
}  // namespace attnserve::core
