#include "core/layers/sliding_window_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "core/ops/softmax.h"
#include "core/util/check.h"

namespace attnserve::core {

void SlidingWindowAttentionForward(const float* qkv, std::span<const int64_t> offsets,
                                   int num_heads, int head_dim, int64_t half_window, float* ctx,
                                   AttentionScratch& scratch) {
  ATTN_CHECK(half_window >= 0);
  const int64_t hidden = static_cast<int64_t>(num_heads) * head_dim;
  const int64_t ld_qkv = 3 * hidden;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t num_seqs = static_cast<int64_t>(offsets.size()) - 1;
  const int64_t tasks = num_seqs * num_heads;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t s = task / num_heads;
    const int64_t h = task % num_heads;
    const int64_t begin = offsets[static_cast<size_t>(s)];
    const int64_t len = offsets[static_cast<size_t>(s) + 1] - begin;
    float* scores = scratch.ForThread(omp_get_thread_num());
    const float* q = qkv + begin * ld_qkv + h * head_dim;
    const float* k = q + hidden;
    const float* v = q + 2 * hidden;
    float* out = ctx + begin * hidden + h * head_dim;
    for (int64_t r0 = 0; r0 < len; r0 += kSlidingWindowBlock) {
      const int64_t r1 = std::min(len, r0 + kSlidingWindowBlock);
      // Keys any row of [r0, r1) sees: [k0, k1), at most len wide: the block fits the
      // scratch's min(L, kAttentionRowBlock) x L floats.
      const int64_t k0 = std::max<int64_t>(0, r0 - half_window);
      const int64_t k1 = std::min(len, r1 + half_window);
      const int64_t rows = r1 - r0, cols = k1 - k0;
      dnnl_status_t st = dnnl_sgemm('N', 'T', rows, cols, head_dim, scale, q + r0 * ld_qkv,
                                    ld_qkv, k + k0 * ld_qkv, ld_qkv, 0.0f, scores, cols);
      ATTN_CHECK(st == dnnl_success);
      for (int64_t r = r0; r < r1; ++r) {
        // Row r keeps keys [lo, hi): a contiguous run; the rest of its row weighs nothing.
        float* row = scores + (r - r0) * cols;
        const int64_t lo = std::max<int64_t>(0, r - half_window) - k0;
        const int64_t hi = std::min(len, r + half_window + 1) - k0;
        std::fill(row, row + lo, 0.0f);
        SoftmaxRow(row + lo, hi - lo);
        std::fill(row + hi, row + cols, 0.0f);
      }
      st = dnnl_sgemm('N', 'N', rows, head_dim, cols, 1.0f, scores, cols, v + k0 * ld_qkv, ld_qkv,
                      0.0f, out + r0 * hidden, hidden);
      ATTN_CHECK(st == dnnl_success);
    }
  }
}

int64_t SlidingWindowPairs(int64_t len, int64_t half_window) {
  // Row i keeps min(len, i + w + 1) - max(0, i - w) keys.
  int64_t pairs = 0;
  for (int64_t i = 0; i < len; ++i) {
    pairs += std::min(len, i + half_window + 1) - std::max<int64_t>(0, i - half_window);
  }
  return pairs;
}

}  // namespace attnserve::core
