// RMSNorm (Zhang & Sennrich, "Root Mean Square Layer Normalization"), as transformers' Llama /
// Qwen3 RMSNorm computes it: for a vector x of n values and a learned gain g,
//
//   y = g * x / sqrt(mean(x^2) + eps)
//
// No centring and no bias. Applied to whole rows (the hidden state) or to each head of a row
// (Qwen3's q_norm / k_norm, over head_dim).
#ifndef ATTNSERVE_CORE_LAYERS_RMS_NORM_H_
#define ATTNSERVE_CORE_LAYERS_RMS_NORM_H_

#include <cstdint>

namespace attnserve::core {

// Normalizes, in place, `rows` rows of `cols` floats, `ld` floats apart, with gain `gamma`
// [cols]. Parallel over rows (OpenMP) when large.
void RmsNormRows(float* x, int64_t rows, int64_t cols, int64_t ld, const float* gamma, float eps);

// Normalizes, in place, heads [first_head, first_head + num_heads) (each `head_dim` floats, head
// h at h * head_dim) of `rows` rows `ld` floats apart, every head with the same gain `gamma`
// [head_dim].
void RmsNormHeads(float* x, int64_t rows, int64_t ld, int first_head, int num_heads,
                  int head_dim, const float* gamma, float eps);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_RMS_NORM_H_
