// Numerically stable softmax along rows, in place.
#ifndef ATTNSERVE_CORE_OPS_SOFTMAX_H_
#define ATTNSERVE_CORE_OPS_SOFTMAX_H_

#include <cstdint>

namespace attnserve::core {

// x[i] = exp(x[i] - max) / sum_j exp(x[j] - max) over one row of `n` floats. exp is a
// vectorized Cephes-style polynomial (max relative error ~2e-7 on the range used here).
void SoftmaxRow(float* x, int64_t n);

// exp(x) for x <= 0 by the same polynomial, exposed for tests.
float ExpNonPositive(float x);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_OPS_SOFTMAX_H_
