// Bidirectional sliding-window ("local") self-attention on a packed batch: token i of a sequence
// attends to the tokens j of its own sequence with |i - j| <= half_window, as ModernBERT's local
// layers (local_attention = 2 * half_window; transformers' sliding_window_bidirectional_overlay):
//
//   for each sequence s, head h and token i:
//     ctx_h[i] = softmax_{j : |i-j| <= w}(q_i k_jᵀ / sqrt(d)) V_h[j]
//
// Same layout as SelfAttentionForward (core/layers/self_attention.h): read from the fused QKV
// projection [T, 3H], written into ctx [T, H]. The queries go in blocks of kSlidingWindowBlock
// rows, each against only the keys its rows can see, so the work grows as L * (block + 2w)
// rather than L^2, and a window as wide as the sequence is plain attention.
#ifndef ATTNSERVE_CORE_LAYERS_SLIDING_WINDOW_ATTENTION_H_
#define ATTNSERVE_CORE_LAYERS_SLIDING_WINDOW_ATTENTION_H_

#include <cstdint>
#include <span>

#include "core/layers/self_attention.h"

namespace attnserve::core {

inline constexpr int64_t kSlidingWindowBlock = 64;
static_assert(kSlidingWindowBlock <= kAttentionRowBlock, "a block must fit AttentionScratch");

// `half_window` >= 0. `scratch` must have been reserved for the longest sequence and
// omp_get_max_threads() threads (AttentionScratch::Reserve: a block of kSlidingWindowBlock rows
// uses at most kSlidingWindowBlock x L floats).
void SlidingWindowAttentionForward(const float* qkv, std::span<const int64_t> offsets,
                                   int num_heads, int head_dim, int64_t half_window, float* ctx,
                                   AttentionScratch& scratch);

// The (query, key) pairs the window keeps in a sequence of `len` tokens (for FLOP counts).
int64_t SlidingWindowPairs(int64_t len, int64_t half_window);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_SLIDING_WINDOW_ATTENTION_H_
