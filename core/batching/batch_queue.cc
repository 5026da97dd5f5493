#include "core/batching/batch_queue.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "core/util/error_detail.h"

namespace attnserve::core {

absl::Status BatchingOptions::Validate() const {
  if (max_batch_tokens <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch_tokens must be > 0; was ", max_batch_tokens));
  }
  if (max_batch_size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch_size must be > 0; was ", max_batch_size));
  }
  if (max_queue_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_queue_delay must be >= 0; was ", absl::FormatDuration(max_queue_delay)));
  }
  if (max_sequence_tokens <= 0 || max_sequence_tokens > max_batch_tokens) {
    return absl::InvalidArgumentError(absl::StrCat("max_batch_tokens (", max_batch_tokens,
                                                   ") must hold the longest input (",
                                                   max_sequence_tokens, " tokens)"));
  }
  if (max_queued_tokens < max_sequence_tokens) {
    return absl::InvalidArgumentError(absl::StrCat("max_queued_tokens (", max_queued_tokens,
                                                   ") must hold the longest input (",
                                                   max_sequence_tokens, " tokens)"));
  }
  if (compute_threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("compute_threads must be >= 0; was ", compute_threads));
  }
  if (compute_nice < 0 || compute_nice > 19) {
    return absl::InvalidArgumentError(
        absl::StrCat("compute_nice must be in [0, 19]; was ", compute_nice));
  }
  return absl::OkStatus();
}

bool ShouldFlush(absl::Time now, absl::Time oldest_enqueued, int64_t queued_tokens,
                 int queued_sequences, const BatchingOptions& options) {
  if (queued_sequences == 0) return false;
  if (queued_tokens >= options.max_batch_tokens) return true;
  if (queued_sequences >= options.max_batch_size) return true;
  return now - oldest_enqueued >= options.max_queue_delay;
}

absl::StatusOr<std::unique_ptr<BatchQueue>> BatchQueue::Create(const BatchingOptions& options,
                                                               QueueObserver* observer) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<BatchQueue>(new BatchQueue(options, observer));
}

absl::Status BatchQueue::Enqueue(std::shared_ptr<EmbedJob> job) {
  if (job->num_sequences() == 0) return absl::InvalidArgumentError("the request has no inputs");
  for (int i = 0; i < job->num_sequences(); ++i) {
    const int64_t n = static_cast<int64_t>(job->input(i).ids.size());
    if (n > options_.max_sequence_tokens) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input ", i, " has ", n, " tokens; the maximum is ", options_.max_sequence_tokens));
    }
  }
  if (job->num_tokens() > options_.max_queued_tokens) {
    // Not "full, retry later": no amount of waiting makes room for it.
    return WithDetail(
        absl::InvalidArgumentError(absl::StrCat(
            "the request has ", job->num_tokens(), " tokens, more than the whole queue holds (",
            options_.max_queued_tokens,
            ", --max-queued-tokens): it can never be served; send fewer or shorter inputs")),
        {.kind = ErrorKind::kExceedsQueue,
         .value = job->num_tokens(),
         .limit = options_.max_queued_tokens});
  }
  const absl::Time now = absl::Now();
  MutexLock lock(&mu_);
  if (closed_) return absl::UnavailableError("the server is shutting down");
  if (queued_tokens_ + job->num_tokens() > options_.max_queued_tokens) {
    return WithDetail(
        absl::ResourceExhaustedError(absl::StrCat(
            "the queue is full: ", queued_tokens_, " tokens waiting, the request has ",
            job->num_tokens(), ", the limit is ", options_.max_queued_tokens,
            " (--max-queued-tokens); retry later")),
        {.kind = ErrorKind::kQueueFull,
         .value = job->num_tokens(),
         .limit = options_.max_queued_tokens - queued_tokens_});
  }
  job->enqueued_at = now;
  for (int i = 0; i < job->num_sequences(); ++i) {
    const int64_t n = static_cast<int64_t>(job->input(i).ids.size());
    queue_.push_back(Entry{BatchItem{job, i}, n, now});
  }
  queued_tokens_ += job->num_tokens();
  ReportDepthLocked();
  return absl::OkStatus();
}

bool BatchQueue::BatchIsFullOrClosed() const {
  return closed_ || queued_tokens_ >= options_.max_batch_tokens ||
         static_cast<int>(queue_.size()) >= options_.max_batch_size;
}

void BatchQueue::ReportDepthLocked() {
  if (observer_ != nullptr)
    observer_->OnQueueDepth(static_cast<int>(queue_.size()), queued_tokens_);
}

Batch BatchQueue::TakeBatch() {
  Batch batch;
  std::vector<std::pair<std::shared_ptr<EmbedJob>, absl::Status>> dropped;
  while (true) {
    bool drained = false;
    {
      MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &BatchQueue::HasWorkOrClosed));
      if (queue_.empty()) {
        drained = true;  // closed and nothing left
      } else {
        // Wait for company when allowed and worthwhile; a full batch or Close() ends the wait.
        if (!ShouldFlush(absl::Now(), queue_.front().enqueued_at, queued_tokens_,
                         static_cast<int>(queue_.size()), options_)) {
          mu_.AwaitWithDeadline(absl::Condition(this, &BatchQueue::BatchIsFullOrClosed),
                                queue_.front().enqueued_at + options_.max_queue_delay);
        }
        FillBatchLocked(absl::Now(), batch, dropped);
      }
    }
    // Answer dropped jobs outside the lock (their callbacks may take time), before waiting again.
    for (auto& [job, status] : dropped) job->Finish(status);
    dropped.clear();
    if (drained || !batch.empty()) return batch;
  }
}

void BatchQueue::FillBatchLocked(
    absl::Time now, Batch& batch,
    std::vector<std::pair<std::shared_ptr<EmbedJob>, absl::Status>>& dropped) {
  while (!queue_.empty()) {
    Entry& e = queue_.front();
    EmbedJob& job = *e.item.job;
    if (job.finished() || job.cancelled() || now >= job.deadline()) {
      if (!job.finished()) {
        dropped.emplace_back(
            e.item.job, job.cancelled() ? absl::CancelledError("the client cancelled the request")
                                        : absl::DeadlineExceededError(
                                              "the deadline passed while the request was queued"));
      }
      queued_tokens_ -= e.tokens;
      queue_.pop_front();
      continue;
    }
    if (!batch.empty() && (batch.tokens + e.tokens > options_.max_batch_tokens ||
                           static_cast<int>(batch.items.size()) >= options_.max_batch_size)) {
      break;
    }
    batch.tokens += e.tokens;
    queued_tokens_ -= e.tokens;
    batch.items.push_back(std::move(e.item));
    queue_.pop_front();
  }
  ReportDepthLocked();
}

void BatchQueue::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
}

int BatchQueue::queued_sequences() const {
  MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

int64_t BatchQueue::queued_tokens() const {
  MutexLock lock(&mu_);
  return queued_tokens_;
}

}  // namespace attnserve::core
