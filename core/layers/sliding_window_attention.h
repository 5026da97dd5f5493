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
//
// BlockAttentionForward is the general form: an asymmetric window (token i sees
// [i - left, i + right]; causal attention is left = kUnboundedWindow, right = 0) and
// grouped-query attention (num_kv_heads key/value heads, each shared by num_heads / num_kv_heads
// consecutive query heads, as transformers' repeat_kv), on any row layout. Its scratch holds
// min(kSlidingWindowBlock, L) x L floats per thread: linear in the length.
#ifndef ATTNSERVE_CORE_LAYERS_SLIDING_WINDOW_ATTENTION_H_
#define ATTNSERVE_CORE_LAYERS_SLIDING_WINDOW_ATTENTION_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/layers/self_attention.h"
#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

inline constexpr int64_t kSlidingWindowBlock = 64;
static_assert(kSlidingWindowBlock <= kAttentionRowBlock, "a block must fit AttentionScratch");
// A window side longer than any sequence.
inline constexpr int64_t kUnboundedWindow = int64_t{1} << 40;

// Token i of a sequence attends to tokens [i - left, i + right] of it (clipped to the sequence).
struct AttentionWindow {
  int64_t left = kUnboundedWindow;
  int64_t right = kUnboundedWindow;
};
inline constexpr AttentionWindow kCausalWindow{kUnboundedWindow, 0};

// Where the heads are: row t of Q at q + t * ld_q (head h at h * head_dim), of K and V at
// k / v + t * ld_kv (num_kv_heads heads), of the output at ctx + t * ld_ctx (num_heads heads).
struct BlockAttentionLayout {
  const float* q = nullptr;
  int64_t ld_q = 0;
  const float* k = nullptr;
  const float* v = nullptr;
  int64_t ld_kv = 0;
  float* ctx = nullptr;
  int64_t ld_ctx = 0;
  int num_heads = 0;
  int num_kv_heads = 0;  // divides num_heads
  int head_dim = 0;
};

// Per-thread score blocks of BlockAttentionForward.
class BlockAttentionScratch {
 public:
  // Makes room for sequences up to `max_len` tokens on up to `threads` threads.
  void Reserve(int threads, int64_t max_len);
  float* ForThread(int thread) { return blocks_[static_cast<size_t>(thread)].data(); }

 private:
  std::vector<AlignedBuffer<float>> blocks_;
};

// ctx_h[i] = softmax_{j in window(i)}(q_i k_{kv(h),j}ᵀ / sqrt(d)) V_{kv(h)}[j] for every sequence
// of the packed batch `offsets`, head h and token i. `scratch` reserved for the longest sequence
// and omp_get_max_threads() threads.
void BlockAttentionForward(const BlockAttentionLayout& layout, std::span<const int64_t> offsets,
                           AttentionWindow window, BlockAttentionScratch& scratch);

// The (query, key) pairs `window` keeps in a sequence of `len` tokens (for FLOP counts).
int64_t WindowPairs(int64_t len, AttentionWindow window);

// `half_window` >= 0. `scratch` must have been reserved for the longest sequence and
// omp_get_max_threads() threads (AttentionScratch::Reserve: a block of kSlidingWindowBlock
// rows uses at most kSlidingWindowBlock x L floats).
void SlidingWindowAttentionForward(const float* qkv, std::span<const int64_t> offsets,
                                   int num_heads, int head_dim, int64_t half_window, float* ctx,
                                   AttentionScratch& scratch);

// The (query, key) pairs the window keeps in a sequence of `len` tokens (for FLOP counts).
int64_t SlidingWindowPairs(int64_t len, int64_t half_window);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_SLIDING_WINDOW_ATTENTION_H_
