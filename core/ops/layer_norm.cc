#include "core/ops/layer_norm.h"

#include <cmath>

#include "core/ops/multiversion.h"
#include "core/ops/vec.h"

namespace attnserve::core {

ATTN_MULTIVERSION
void LayerNormRow(float* x, int64_t cols, const float* gamma, const float* beta, float eps) {
  using vec::F16;
  constexpr int64_t w = vec::kWidth;
  const int64_t body = cols / w * w;
  F16 acc = F16{};
  for (int64_t i = 0; i < body; i += w) acc += vec::Load(x + i);
  float sum = vec::ReduceAdd(acc);
  for (int64_t i = body; i < cols; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(cols);

  // Two passes (not E[x^2] - E[x]^2): no cancellation when |mean| >> std.
  const F16 vmean = vec::Splat(mean);
  acc = F16{};
  for (int64_t i = 0; i < body; i += w) {
    const F16 d = vec::Load(x + i) - vmean;
    acc += d * d;
  }
  float sq = vec::ReduceAdd(acc);
  for (int64_t i = body; i < cols; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.0f / std::sqrt(sq / static_cast<float>(cols) + eps);

  const F16 vrstd = vec::Splat(rstd);
  for (int64_t i = 0; i < body; i += w) {
    const F16 y = (vec::Load(x + i) - vmean) * vrstd * vec::Load(gamma + i) + vec::Load(beta + i);
    vec::Store(x + i, y);
  }
  for (int64_t i = body; i < cols; ++i) x[i] = (x[i] - mean) * rstd * gamma[i] + beta[i];
}

void LayerNormRows(float* x, int64_t rows, int64_t cols, const float* gamma, const float* beta,
                   float eps) {
  // A thread team costs a few microseconds: only worth it beyond a few rows.
#pragma omp parallel for schedule(static) if (rows * cols >= 16384)
  for (int64_t r = 0; r < rows; ++r) LayerNormRow(x + r * cols, cols, gamma, beta, eps);
}

}  // namespace attnserve::core
