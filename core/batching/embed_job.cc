#include "core/batching/embed_job.h"

#include <utility>

#include "core/util/check.h"

namespace attnserve::core {

EmbedJob::EmbedJob(std::vector<SequenceInput> inputs, OutputSpec spec, absl::Time deadline,
                   Callback callback)
    : inputs_(std::move(inputs)),
      spec_(spec),
      deadline_(deadline),
      callback_(std::move(callback)),
      outputs_(inputs_.size()),
      remaining_(static_cast<int>(inputs_.size())) {
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
