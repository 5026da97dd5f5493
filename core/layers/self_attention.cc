#include "core/layers/self_attention.h"

#include <algorithm>
#include <cmath>

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "core/ops/softmax.h"
#include "core/util/check.h"

namespace attnserve::core {

void AttentionScratch::Reserve(int threads, int64_t max_len) {
  if (static_cast<int>(blocks_.size()) < threads) blocks_.resize(static_cast<size_t>(threads));
  const int64_t rows = std::min(max_len, kAttentionRowBlock);
  for (auto& b : blocks_) b.EnsureSize(static_cast<size_t>(rows * max_len));
}

void SelfAttentionForward(const float* qkv, std::span<const int64_t> offsets, int num_heads,
                          int head_dim, float* ctx, AttentionScratch& scratch,
                          const RelativeScoreBias* bias) {
  const int64_t hidden = static_cast<int64_t>(num_heads) * head_dim;
  const int64_t ld_qkv = 3 * hidden;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int64_t num_seqs = static_cast<int64_t>(offsets.size()) - 1;
  const int64_t tasks = num_seqs * num_heads;
  // One (sequence, head) pair per task; dynamic scheduling balances mixed lengths. Inside the
  // parallel region dnnl_sgemm runs single-threaded on the calling thread.
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
    const float* head_bias = nullptr;
    if (bias != nullptr) {
      ATTN_CHECK(len <= bias->max_len);
      head_bias = bias->by_distance + h * (2 * bias->max_len - 1) + bias->max_len - 1;
    }
    // Rows [r0, r1) of the queries against every key: exact softmax rows, no online rescaling,
    // and for len <= kAttentionRowBlock a single block (two GEMMs per head, as unblocked).
    for (int64_t r0 = 0; r0 < len; r0 += kAttentionRowBlock) {
      const int64_t rows = std::min(kAttentionRowBlock, len - r0);
      // scores[rows, len] = scale * Q[r0:r1] Kᵀ
      dnnl_status_t st = dnnl_sgemm('N', 'T', rows, len, head_dim, scale, q + r0 * ld_qkv, ld_qkv,
                                    k, ld_qkv, 0.0f, scores, len);
      ATTN_CHECK(st == dnnl_success);
      if (head_bias != nullptr) {
        // Query r takes the distances -r .. len-1-r: a contiguous slice of the head's row.
        for (int64_t r = r0; r < r0 + rows; ++r) {
          float* row = scores + (r - r0) * len;
          const float* b = head_bias - r;
          for (int64_t c = 0; c < len; ++c) row[c] += b[c];
        }
      }
      for (int64_t r = 0; r < rows; ++r) SoftmaxRow(scores + r * len, len);
      // ctx[r0:r1, d] (row stride H) = P V
      st = dnnl_sgemm('N', 'N', rows, head_dim, len, 1.0f, scores, len, v, ld_qkv, 0.0f,
                      ctx + (begin + r0) * hidden + h * head_dim, hidden);
      ATTN_CHECK(st == dnnl_success);
    }
  }
}

}  // namespace attnserve::core
