#include "core/batching/embed_job.h"

#include <utility>

#include "core/util/check.h"

namespace attnserve::core {

EmbedJob::EmbedJob(std::vector<SequenceInput> inputs, OutputSpec spec, absl::Time deadline,
                   Callback callback)
    : EmbedJob(deadline, std::move(callback)) {
  SetInputs(std::move(inputs), spec);
}

EmbedJob::EmbedJob(absl::Time deadline, Callback callback)
    : deadline_(deadline), callback_(std::move(callback)), remaining_(0) {}

void EmbedJob::SetInputs(std::vector<SequenceInput> inputs, OutputSpec spec) {
  ATTN_CHECK_MSG(inputs_.empty(), "EmbedJob::SetInputs called twice");
  inputs_ = std::move(inputs);
  spec_ = spec;
  outputs_.resize(inputs_.size());
  remaining_.store(static_cast<int>(inputs_.size()), std::memory_order_relaxed);
  num_tokens_ = 0;
  for (const SequenceInput& in : inputs_) num_tokens_ += static_cast<int64_t>(in.ids.size());
}

bool EmbedJob::SetOutput(int i, SequenceOutput output) {
  outputs_[static_cast<size_t>(i)] = std::move(output);
  const int left = remaining_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  ATTN_CHECK(left >= 0);
  return left == 0;
}

bool EmbedJob::Finish(const absl::Status& status) {
  if (finished_.exchange(true, std::memory_order_acq_rel)) return false;
  Callback cb = std::move(callback_);
  cb(status, *this);
  return true;
}

}  // namespace attnserve::core
