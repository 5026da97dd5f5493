#include "core/layers/token_embeddings.h"

#include <cstring>

#include "core/ops/layer_norm.h"

namespace attnserve::core {

void TokenEmbeddingsForward(std::span<const int32_t> ids, const float* word, const float* gamma,
                            const float* beta, int64_t hidden, float eps, float* out) {
  const int64_t n = static_cast<int64_t>(ids.size());
#pragma omp parallel for schedule(static) if (n * hidden >= 16384)
  for (int64_t t = 0; t < n; ++t) {
    float* row = out + t * hidden;
    std::memcpy(row, word + ids[static_cast<size_t>(t)] * hidden,
                static_cast<size_t>(hidden) * sizeof(float));
    LayerNormRow(row, hidden, gamma, beta, eps);
  }
}

}  // namespace attnserve::core
