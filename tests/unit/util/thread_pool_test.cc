#include "core/util/thread_pool.h"

#include <atomic>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/mutex.h"

namespace attnserve::core {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskOnItsOwnNamedThreads) {
  auto pool = ThreadPool::Create({.threads = 2, .max_queued = 1000, .name = "attn-test-pool"});
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::atomic<int> ran{0};
  BlockingCounter done(100);
  Mutex mu;
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE((*pool)->Post([&] {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      {
        MutexLock lock(&mu);
        names.emplace_back(name);
      }
      ran.fetch_add(1);
      done.DecrementCount();
    }));
  }
  done.Wait();
  EXPECT_EQ(ran.load(), 100);
  MutexLock lock(&mu);
  for (const std::string& n : names) EXPECT_EQ(n, "attn-test-pool");
}

TEST(ThreadPoolTest, RefusesWhenFullAndRunsWhatWasQueuedBeforeItStops) {
  auto pool = ThreadPool::Create({.threads = 1, .max_queued = 2, .name = "attn-test"});
  ASSERT_TRUE(pool.ok());
  Notification release;
  Notification started;
  std::atomic<int> ran{0};
  ASSERT_TRUE((*pool)->Post([&] {
    started.Notify();
    release.WaitForNotification();
    ran.fetch_add(1);
  }));
  started.WaitForNotification();  // the thread is busy: what follows waits in the queue
  EXPECT_TRUE((*pool)->Post([&] { ran.fetch_add(1); }));
  EXPECT_TRUE((*pool)->Post([&] { ran.fetch_add(1); }));
  EXPECT_EQ((*pool)->queued(), 2u);
  EXPECT_FALSE((*pool)->Post([&] { ran.fetch_add(100); }));  // full: dropped, never run
  release.Notify();
  pool->reset();  // runs the two queued tasks, then joins
  EXPECT_EQ(ran.load(), 3);
}

TEST(ThreadPoolTest, OptionsAreChecked) {
  EXPECT_THAT(ThreadPool::Create({.threads = 0}).status().message(),
              ::testing::HasSubstr("threads must be >= 1; was 0"));
  EXPECT_THAT(ThreadPool::Create({.threads = 1, .max_queued = 0}).status().message(),
              ::testing::HasSubstr("max_queued must be >= 1"));
}

}  // namespace
}  // namespace attnserve::core
