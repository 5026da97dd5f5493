// BatchQueue: the bounded queue between gRPC handlers and the inference worker, with continuous,
// token-budgeted batching (the text-embeddings-inference idea, for packed execution):
//
// - Enqueue() never blocks: over `max_queued_tokens` it fails at once with RESOURCE_EXHAUSTED,
//   after Close() with UNAVAILABLE.
// - TakeBatch() (worker) takes queued sequences in arrival order while the batch stays within
//   `max_batch_tokens` and `max_batch_size`. A job's inputs may span several batches.
//   `max_queue_delay` > 0 lets a small batch wait that long for company.
// - Jobs whose client cancelled or whose deadline passed are dropped before compute and answered
//   CANCELLED / DEADLINE_EXCEEDED.
//
// Thread-safety: thread-safe. One worker calls TakeBatch(); any thread may Enqueue() or Close().
#ifndef ATTNSERVE_CORE_BATCHING_BATCH_QUEUE_H_
#define ATTNSERVE_CORE_BATCHING_BATCH_QUEUE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "core/batching/embed_job.h"
#include "core/util/mutex.h"

namespace attnserve::core {

struct BatchingOptions {
  // Tokens (real tokens, no padding) in one forward pass. Default 16384.
  int64_t max_batch_tokens = 16384;
  // Sequences in one forward pass. Default 1024.
  int max_batch_size = 1024;
  // How long a batch smaller than the limits may wait for more work. Default 0: run at once.
  absl::Duration max_queue_delay = absl::ZeroDuration();
  // Tokens waiting in the queue, beyond which Enqueue() refuses work. Default 2 x 16384: the
  // queue bounds the latency of admitted work to about max_queued_tokens / throughput.
  int64_t max_queued_tokens = 32768;
  // Longest sequence the queue accepts (tokens); must fit in a batch. Default 512.
  int64_t max_sequence_tokens = 512;
  // Threads of the compute thread's OpenMP team; 0 = the OpenMP default (OMP_NUM_THREADS, else
  // one per core). Applied on the compute thread itself (SetComputeThreadsOnThisThread): set on
  // another thread, e.g. the main thread, it would not reach it.
  int compute_threads = 0;
  // Nice value of the compute thread and of the oneDNN/OpenMP threads it starts (0..19). Above
  // 0, the threads that take requests in, refuse them and send answers preempt the compute on a
  // busy machine: measured with MiniLM at 4x overload on 2 cores, nice 10 cut the slowest
  // refusal from ~14 ms to ~9 ms but cost ~10 % of throughput and ~1 ms of single-call latency
  // when the load generator shares the cores. Default 0.
  int compute_nice = 0;

  // InvalidArgument naming the first bad field ("max_batch_size must be > 0; was 0").
  absl::Status Validate() const;
};

// The flush decision, pure so it can be tested with explicit times: take a batch now when the
// queue already fills one, or when its oldest item has waited `max_queue_delay`.
bool ShouldFlush(absl::Time now, absl::Time oldest_enqueued, int64_t queued_tokens,
                 int queued_sequences, const BatchingOptions& options);

struct BatchItem {
  std::shared_ptr<EmbedJob> job;
  int index;  // which input of the job
};

struct Batch {
  std::vector<BatchItem> items;
  int64_t tokens = 0;
  bool empty() const { return items.empty(); }
};

// Told about queue depth under the queue's lock: implementations must only store numbers
// (e.g. set gauges) and never call back into the queue.
class QueueObserver {
 public:
  virtual ~QueueObserver() = default;
  virtual void OnQueueDepth(int sequences, int64_t tokens) = 0;
};

class BatchQueue {
 public:
  // `observer` may be null; it must outlive the queue.
  static absl::StatusOr<std::unique_ptr<BatchQueue>> Create(const BatchingOptions& options,
                                                            QueueObserver* observer = nullptr);

  // Queues every input of `job`. Never blocks. ResourceExhausted when the queued tokens would
  // exceed max_queued_tokens, Unavailable after Close(), InvalidArgument for an input longer than
  // max_sequence_tokens or a job without inputs. On error nothing was queued and the job is not
  // finished (the caller answers it).
  absl::Status Enqueue(std::shared_ptr<EmbedJob> job);

  // Blocks until a batch is due (see ShouldFlush), then returns it. Returns an empty batch only
  // once the queue is closed and drained. Cancelled and expired jobs met on the way are finished
  // here (CANCELLED / DEADLINE_EXCEEDED) and skipped.
  Batch TakeBatch();

  // Refuses new work; TakeBatch() keeps returning what is queued, then an empty batch.
  void Close();

  int queued_sequences() const;
  int64_t queued_tokens() const;
  const BatchingOptions& options() const { return options_; }

 private:
  struct Entry {
    BatchItem item;
    int64_t tokens;
    absl::Time enqueued_at;
  };

  BatchQueue(const BatchingOptions& options, QueueObserver* observer)
      : options_(options), observer_(observer) {}
  bool HasWorkOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !queue_.empty();
  }
  bool BatchIsFullOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportDepthLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves due entries into `batch` in arrival order, and entries of cancelled or expired jobs into
  // `dropped`, until the batch is full or the queue empty.
  void FillBatchLocked(absl::Time now, Batch& batch,
                       std::vector<std::pair<std::shared_ptr<EmbedJob>, absl::Status>>& dropped)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const BatchingOptions options_;
  QueueObserver* const observer_;
  mutable Mutex mu_;
  std::deque<Entry> queue_ ABSL_GUARDED_BY(mu_);
  int64_t queued_tokens_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_BATCHING_BATCH_QUEUE_H_
