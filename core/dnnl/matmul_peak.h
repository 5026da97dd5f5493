// Measures what fp32 matmul reaches on this machine, so throughput can be reported as a share of
// a peak measured in the same run (these machines are shared and their clocks vary).
#ifndef ATTNSERVE_CORE_DNNL_MATMUL_PEAK_H_
#define ATTNSERVE_CORE_DNNL_MATMUL_PEAK_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace attnserve::core {

// GFLOP/s of the best of several runs of an exact-M fp32 [m, k] x [k, n] oneDNN matmul with
// pre-packed weights, for about `seconds` in all. Uses the calling thread's OpenMP team.
absl::StatusOr<double> MeasureMatmulGflops(int64_t m, int64_t k, int64_t n, double seconds);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_DNNL_MATMUL_PEAK_H_
