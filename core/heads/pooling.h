// Sentence vectors from token vectors: the pooling modes of sentence-transformers (Pooling in
// core/model/model_spec.h), then Matryoshka truncation to
// the first `dimensions` values, then optional L2 normalization (torch.nn.functional.normalize,
// eps 1e-12). Truncating before normalizing gives unit vectors of the requested size, which is
// what Matryoshka models are trained for.
#ifndef ATTNSERVE_CORE_HEADS_POOLING_H_
#define ATTNSERVE_CORE_HEADS_POOLING_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"

#include "core/model/model_spec.h"

namespace attnserve::core {

struct PoolingOptions {
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
  // Keep the first `dimensions` values of the pooled vector; 0 keeps all `hidden`.
  int dimensions = 0;
  // Leading tokens left out of pooling: the prompt's, when the model's Pooling has
  // include_prompt false (sentence-transformers zeroes their attention mask before pooling, so
  // cls takes the first token after them). Must be < the sequence's length.
  int skip_tokens = 0;
};

// InvalidArgument when dimensions is negative or larger than `hidden`.
absl::Status ValidatePoolingOptions(const PoolingOptions& options, int hidden);
// Length of the vector PoolTokens writes.
int PooledDims(const PoolingOptions& options, int hidden);

// Pools `rows` >= 1 token vectors of `hidden` floats (row-major, e.g. one sequence of the
// encoder's output) into `out`, which holds PooledDims(options, hidden) floats.
void PoolTokens(const float* tokens, int64_t rows, int hidden, const PoolingOptions& options,
                std::span<float> out);

// v /= max(||v||_2, 1e-12), in place (torch.nn.functional.normalize).
void NormalizeL2(std::span<float> v);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_HEADS_POOLING_H_
