// LayerNorm over the last dimension, in place: x = (x - mean) / sqrt(var + eps) * gamma + beta,
// with the biased variance, as torch.nn.LayerNorm.
#ifndef ATTNSERVE_CORE_OPS_LAYER_NORM_H_
#define ATTNSERVE_CORE_OPS_LAYER_NORM_H_

#include <cstdint>

namespace attnserve::core {

// One row of `cols` floats.
void LayerNormRow(float* x, int64_t cols, const float* gamma, const float* beta, float eps);

// `rows` consecutive rows of `cols` floats, spread over the OpenMP team when large enough.
void LayerNormRows(float* x, int64_t rows, int64_t cols, const float* gamma, const float* beta,
                   float eps);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_OPS_LAYER_NORM_H_
