// EmbedJob: one client request travelling through the batcher — its tokenized inputs, the outputs
// it asked for, its deadline, and the callback that answers it.
//
// The inputs of one job may be computed in different batches; the job is answered when its last
// input is done, or earlier when it is cancelled, times out or fails. Finish() runs the callback
// exactly once, whichever thread gets there first.
//
// Thread-safety: the worker records outputs (each index exactly once, from the worker thread);
// Cancel() may be called from any thread at any time; Finish() is safe to race.
#ifndef ATTNSERVE_CORE_BATCHING_EMBED_JOB_H_
#define ATTNSERVE_CORE_BATCHING_EMBED_JOB_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "core/heads/embed_outputs.h"

namespace attnserve::core {

// One input of a job, ready for the encoder.
struct SequenceInput {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;  // empty = all 0
  bool truncated = false;         // cut to the maximum input length
  // Leading tokens left out of pooling (PoolingOptions::skip_tokens): the prompt's, when the
  // model's Pooling has include_prompt false; < ids.size().
  int pool_skip = 0;
};

class EmbedJob {
 public:
  // Runs once with the final status; on OK every outputs()[i] is filled. Must not block for long:
  // it runs on the batcher's responder thread.
  using Callback = std::function<void(const absl::Status& status, EmbedJob& job)>;

  EmbedJob(std::vector<SequenceInput> inputs, OutputSpec spec, absl::Time deadline,
           Callback callback);
  // A job whose inputs are not known yet (the request is still being tokenized): SetInputs()
  // gives them before the job is queued. Until then it can be cancelled and finished.
  EmbedJob(absl::Time deadline, Callback callback);
  EmbedJob(const EmbedJob&) = delete;
  EmbedJob& operator=(const EmbedJob&) = delete;

  // Sets the inputs of a job created without them. Call once, before the job is queued.
  void SetInputs(std::vector<SequenceInput> inputs, OutputSpec spec);

  int num_sequences() const { return static_cast<int>(inputs_.size()); }
  int64_t num_tokens() const { return num_tokens_; }
  const SequenceInput& input(int i) const { return inputs_[static_cast<size_t>(i)]; }
  const OutputSpec& spec() const { return spec_; }
  absl::Time deadline() const { return deadline_; }

  // The client went away: if not computed yet, the job is dropped before compute and answered
  // CANCELLED.
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }

  // Worker side. Stores output `i`; true when it was the last missing one.
  bool SetOutput(int i, SequenceOutput output);
  std::vector<SequenceOutput>& outputs() { return outputs_; }
  const std::vector<SequenceOutput>& outputs() const { return outputs_; }

  // Calls the callback with `status` unless the job was finished before; returns whether this call
  // finished it.
  bool Finish(const absl::Status& status);

  // Timestamps (steady clock), set by the batcher.
  absl::Time enqueued_at;            // accepted into the queue
  absl::Time first_batch_start;      // the first batch holding one of its inputs started
  absl::Time last_batch_end;         // the batch holding its last input ended
  std::atomic<bool> started{false};  // first_batch_start is set

 private:
  std::vector<SequenceInput> inputs_;
  OutputSpec spec_;
  absl::Time deadline_;
  Callback callback_;
  int64_t num_tokens_ = 0;
  std::vector<SequenceOutput> outputs_;
  std::atomic<int> remaining_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> finished_{false};
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_BATCHING_EMBED_JOB_H_
