#include "core/util/thread_pool.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace attnserve::core {

absl::StatusOr<std::unique_ptr<ThreadPool>> ThreadPool::Create(const Options& options) {
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads must be >= 1; was ", options.threads));
  }
  if (options.max_queued < 1) {
    return absl::InvalidArgumentError("max_queued must be >= 1; was 0");
  }
  std::unique_ptr<ThreadPool> pool(new ThreadPool(options));
  const std::string name = options.name.substr(0, 15);  // the kernel keeps 15 characters
  for (int i = 0; i < options.threads; ++i) {
    std::thread& t = pool->threads_.emplace_back([p = pool.get()] { p->Loop(); });
    // Named here rather than by the thread itself: named before Create returns.
    pthread_setname_np(t.native_handle(), name.c_str());
  }
  return pool;
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool ThreadPool::Post(Task task) {
  MutexLock lock(&mu_);
  if (stopping_ || tasks_.size() >= options_.max_queued) return false;
  tasks_.push_back(std::move(task));
  return true;
}

size_t ThreadPool::queued() const {
  MutexLock lock(&mu_);
  return tasks_.size();
}

void ThreadPool::Loop() {
  while (true) {
    Task task;
    {
      MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ThreadPool::HasTaskOrStopping));
      if (tasks_.empty()) return;  // stopping, and everything posted has run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace attnserve::core
