// ThreadPool: a few named threads running posted tasks in FIFO order, with a bounded queue.
// Used for tokenization (the request layer), so that a slow tokenizer or a long text never holds
// a front end's threads (gRPC callback threads, HTTP workers): text-embeddings-inference does the
// same with its tokenization workers.
//
// Thread-safety: thread-safe. Post() never blocks: over `max_queued` tasks it refuses. The
// destructor runs every task already posted, then joins the threads.
#ifndef ATTNSERVE_CORE_UTIL_THREAD_POOL_H_
#define ATTNSERVE_CORE_UTIL_THREAD_POOL_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

#include "core/util/mutex.h"

namespace attnserve::core {

class ThreadPool {
 public:
  struct Options {
    int threads = 1;            // >= 1
    size_t max_queued = 4096;   // tasks waiting for a thread; >= 1
    std::string name = "attn-pool";  // thread name (15 characters at most are kept)
  };
  using Task = absl::AnyInvocable<void() &&>;

  static absl::StatusOr<std::unique_ptr<ThreadPool>> Create(const Options& options);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`; false (and `task` is dropped unrun) when max_queued tasks are waiting or the
  // pool is shutting down.
  bool Post(Task task);

  int threads() const { return static_cast<int>(threads_.size()); }
  size_t queued() const;

 private:
  explicit ThreadPool(const Options& options) : options_(options) {}
  void Loop();
  bool HasTaskOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !tasks_.empty() || stopping_;
  }

  const Options options_;
  std::vector<std::thread> threads_;
  mutable Mutex mu_;
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_UTIL_THREAD_POOL_H_
