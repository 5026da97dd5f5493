#include "core/layers/rms_norm.h"

#include <cmath>

#include "core/ops/multiversion.h"

namespace attnserve::core {
namespace {

ATTN_MULTIVERSION
void RmsNormVector(float* x, int64_t n, const float* gamma, float eps) {
  // The sum of squares in double: n is up to a few thousand and the reference's is float64.
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const auto inv =
      static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + static_cast<double>(eps)));
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) x[i] = gamma[i] * (x[i] * inv);
}

}  // namespace

void RmsNormRows(float* x, int64_t rows, int64_t cols, int64_t ld, const float* gamma,
                 float eps) {
#pragma omp parallel for schedule(static) if (rows * cols >= (1 << 15))
  for (int64_t r = 0; r < rows; ++r) RmsNormVector(x + r * ld, cols, gamma, eps);
}

void RmsNormHeads(float* x, int64_t rows, int64_t ld, int first_head, int num_heads,
                  int head_dim, const float* gamma, float eps) {
#pragma omp parallel for schedule(static) if (rows * num_heads * head_dim >= (1 << 15))
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * ld + static_cast<int64_t>(first_head) * head_dim;
    for (int h = 0; h < num_heads; ++h) {
      RmsNormVector(row + static_cast<int64_t>(h) * head_dim, head_dim, gamma, eps);
    }
  }
}

}  // namespace attnserve::core
