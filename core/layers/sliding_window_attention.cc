#include "core/layers/sliding_window_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "core/ops/softmax.h"
#include "core/util/check.h"

namespace attnserve::core {
namespace {

// The block attention itself; `buffer(thread)` is that thread's score block (at least
// min(kSlidingWindowBlock, L) x L floats for the longest sequence L).
template <typename Buffer>
void BlockAttention(const BlockAttentionLayout& a, std::span<const int64_t> offsets,
                    AttentionWindow window, Buffer buffer) {
  ATTN_CHECK(window.left >= 0 && window.right >= 0);
  ATTN_CHECK(a.num_heads > 0 && a.num_kv_heads > 0 && a.num_heads % a.num_kv_heads == 0);
  const int group = a.num_heads / a.num_kv_heads;
  const int64_t d = a.head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const int64_t num_seqs = static_cast<int64_t>(offsets.size()) - 1;
  const int64_t tasks = num_seqs * a.num_heads;
  // Clamped so that r - left and r + right + 1 cannot overflow.
  const int64_t left = std::min<int64_t>(window.left, kUnboundedWindow);
  const int64_t right = std::min<int64_t>(window.right, kUnboundedWindow);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t task = 0; task < tasks; ++task) {
    const int64_t s = task / a.num_heads;
    const int64_t h = task % a.num_heads;
    const int64_t kv = h / group;  // query head h reads key/value head h / group
    const int64_t begin = offsets[static_cast<size_t>(s)];
    const int64_t len = offsets[static_cast<size_t>(s) + 1] - begin;
    float* scores = buffer(omp_get_thread_num());
    const float* q = a.q + begin * a.ld_q + h * d;
    const float* k = a.k + begin * a.ld_kv + kv * d;
    const float* v = a.v + begin * a.ld_kv + kv * d;
    float* out = a.ctx + begin * a.ld_ctx + h * d;
    for (int64_t r0 = 0; r0 < len; r0 += kSlidingWindowBlock) {
      const int64_t r1 = std::min(len, r0 + kSlidingWindowBlock);
      // Keys any row of [r0, r1) sees: [k0, k1), at most len wide.
      const int64_t k0 = std::max<int64_t>(0, r0 - left);
      const int64_t k1 = std::min(len, r1 + right);
      const int64_t rows = r1 - r0, cols = k1 - k0;
      dnnl_status_t st = dnnl_sgemm('N', 'T', rows, cols, d, scale, q + r0 * a.ld_q, a.ld_q,
                                    k + k0 * a.ld_kv, a.ld_kv, 0.0f, scores, cols);
      ATTN_CHECK(st == dnnl_success);
      for (int64_t r = r0; r < r1; ++r) {
        // Row r keeps keys [lo, hi): a contiguous run; the rest of its row weighs nothing.
        float* row = scores + (r - r0) * cols;
        const int64_t lo = std::max<int64_t>(0, r - left) - k0;
        const int64_t hi = std::min(len, r + right + 1) - k0;
        std::fill(row, row + lo, 0.0f);
        SoftmaxRow(row + lo, hi - lo);
        std::fill(row + hi, row + cols, 0.0f);
      }
      st = dnnl_sgemm('N', 'N', rows, d, cols, 1.0f, scores, cols, v + k0 * a.ld_kv, a.ld_kv,
                      0.0f, out + r0 * a.ld_ctx, a.ld_ctx);
      ATTN_CHECK(st == dnnl_success);
    }
  }
}

}  // namespace

void BlockAttentionScratch::Reserve(int threads, int64_t max_len) {
  if (static_cast<int>(blocks_.size()) < threads) blocks_.resize(static_cast<size_t>(threads));
  const int64_t rows = std::min(kSlidingWindowBlock, max_len);
  for (auto& b : blocks_) b.EnsureSize(static_cast<size_t>(rows * max_len));
}

void BlockAttentionForward(const BlockAttentionLayout& layout, std::span<const int64_t> offsets,
                           AttentionWindow window, BlockAttentionScratch& scratch) {
  BlockAttention(layout, offsets, window, [&](int t) { return scratch.ForThread(t); });
}

void SlidingWindowAttentionForward(const float* qkv, std::span<const int64_t> offsets,
                                   int num_heads, int head_dim, int64_t half_window, float* ctx,
                                   AttentionScratch& scratch) {
  ATTN_CHECK(half_window >= 0);
  const int64_t hidden = static_cast<int64_t>(num_heads) * head_dim;
  BlockAttentionLayout a;
  a.q = qkv;
  a.ld_q = 3 * hidden;
  a.k = qkv + hidden;
  a.v = qkv + 2 * hidden;
  a.ld_kv = 3 * hidden;
  a.ctx = ctx;
  a.ld_ctx = hidden;
  a.num_heads = num_heads;
  a.num_kv_heads = num_heads;
  a.head_dim = head_dim;
  BlockAttention(a, offsets, AttentionWindow{half_window, half_window},
                 [&](int t) { return scratch.ForThread(t); });
}

int64_t SlidingWindowPairs(int64_t len, int64_t half_window) {
  return WindowPairs(len, AttentionWindow{half_window, half_window});
}

int64_t WindowPairs(int64_t len, AttentionWindow window) {
  // Row i keeps min(len, i + right + 1) - max(0, i - left) keys.
  const int64_t left = std::min<int64_t>(window.left, kUnboundedWindow);
  const int64_t right = std::min<int64_t>(window.right, kUnboundedWindow);
  int64_t pairs = 0;
  for (int64_t i = 0; i < len; ++i) {
    pairs += std::min(len, i + right + 1) - std::max<int64_t>(0, i - left);
  }
  return pairs;
}

}  // namespace attnserve::core
