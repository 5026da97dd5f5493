// Batcher: the inference side of the server, for any Model (core/model/model.h). Owns the
// BatchQueue, one worker thread that owns the model's Session (and so every oneDNN object:
// primitives must run on the thread that created them), and
// one responder thread that answers finished jobs, so building responses never delays the next
// forward pass.
//
// Thread-safety: thread-safe. Submit() from any thread; Shutdown() once, from one thread.
#ifndef ATTNSERVE_CORE_BATCHING_BATCHER_H_
#define ATTNSERVE_CORE_BATCHING_BATCHER_H_

#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "core/batching/batch_queue.h"
#include "core/model/model.h"
#include "core/util/mutex.h"

namespace attnserve::core {

// Hooks for metrics. OnBatch runs on the worker thread after each forward pass; keep it cheap.
class BatchObserver : public QueueObserver {
 public:
  virtual void OnBatch(int sequences, int64_t tokens, absl::Duration inference) = 0;
};

class Batcher {
 public:
  // Starts the threads. The worker creates the model's session on itself, reserves its workspace
  // for full batches and runs warm-up passes; WaitUntilReady() tells when that is done. `observer`
  // may be null and must outlive the batcher.
  static absl::StatusOr<std::unique_ptr<Batcher>> Start(std::shared_ptr<const Model> model,
                                                        const BatchingOptions& options,
                                                        BatchObserver* observer);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Blocks until warm-up finished: OK, or the error that stopped the worker.
  absl::Status WaitUntilReady();

  // Queues `job` (see BatchQueue::Enqueue). On error the job was not queued and not finished.
  absl::Status Submit(std::shared_ptr<EmbedJob> job) { return queue_->Enqueue(std::move(job)); }

  // Refuses new jobs, computes and answers everything queued, joins the threads. Idempotent.
  void Shutdown();

  const BatchQueue& queue() const { return *queue_; }

  // The size of the compute thread's OpenMP team; valid once WaitUntilReady() returned.
  int compute_threads() const { return compute_threads_; }

 private:
  Batcher(std::shared_ptr<const Model> model, std::unique_ptr<BatchQueue> queue,
          BatchObserver* observer)
      : model_(std::move(model)), queue_(std::move(queue)), observer_(observer) {}
  void WorkerLoop();
  void ResponderLoop();
  // Hands a finished job to the responder thread.
  void Respond(std::shared_ptr<EmbedJob> job, absl::Status status);
  bool HasResponsesOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(responses_mu_) {
    return !responses_.empty() || responder_stop_;
  }

  std::shared_ptr<const Model> model_;
  std::unique_ptr<BatchQueue> queue_;
  BatchObserver* observer_;
  Notification ready_;
  absl::Status startup_status_;  // written by the worker before ready_ is notified
  int compute_threads_ = 0;       // likewise
  std::thread worker_;
  std::thread responder_;
  bool shut_down_ = false;

  Mutex responses_mu_;
  std::deque<std::pair<std::shared_ptr<EmbedJob>, absl::Status>> responses_
      ABSL_GUARDED_BY(responses_mu_);
  bool responder_stop_ ABSL_GUARDED_BY(responses_mu_) = false;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_BATCHING_BATCHER_H_
