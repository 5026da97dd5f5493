// Multi-head scaled dot-product self-attention on a packed batch:
//   for each sequence s and head h:  ctx_h = softmax(Q_h K_hᵀ / sqrt(d)) V_h
// read directly from the fused QKV projection [T, 3H] (columns: Q | K | V, head h at h*d) and
// written into ctx [T, H] at the head's columns. Sequences never see each other's tokens, and no
// work is spent on padding: the packed layout has none.
#ifndef ATTNSERVE_CORE_LAYERS_SELF_ATTENTION_H_
#define ATTNSERVE_CORE_LAYERS_SELF_ATTENTION_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

// Queries are attended in blocks of at most this many rows, so a thread's scores block is at most
// kAttentionRowBlock x L floats: memory grows linearly with the length (8192 tokens: 8 MiB per
// thread rather than the 256 MiB of an L x L block). Sequences up to this long are one block.
inline constexpr int64_t kAttentionRowBlock = 256;

// Scores scratch, one block of min(L, kAttentionRowBlock) x L floats per OpenMP thread. Not
// thread-safe; one per encoder session.
class AttentionScratch {
 public:
  // Makes room for sequences up to `max_len` tokens on up to `threads` threads.
  void Reserve(int threads, int64_t max_len);
  float* ForThread(int thread) { return blocks_[static_cast<size_t>(thread)].data(); }

 private:
  std::vector<AlignedBuffer<float>> blocks_;
};

// An additive per-head bias on the scores that depends only on the key-minus-query distance
// (relative position buckets: core/layers/relative_position_bias.h):
//   scores(h, i, j) += by_distance[h * (2 * max_len - 1) + (j - i) + max_len - 1]
// for sequences of up to `max_len` tokens. Borrowed, not owned.
struct RelativeScoreBias {
  const float* by_distance = nullptr;  // [num_heads, 2 * max_len - 1]
  int64_t max_len = 0;
};

// `offsets` has one entry per sequence plus the end: sequence s is rows [offsets[s], offsets[s+1]).
// `scratch` must have been reserved for the longest sequence and omp_get_max_threads() threads.
// `bias` (optional) is added to the scaled scores before the softmax; no sequence may be longer
// than bias->max_len.
void SelfAttentionForward(const float* qkv, std::span<const int64_t> offsets, int num_heads,
                          int head_dim, float* ctx, AttentionScratch& scratch,
                          const RelativeScoreBias* bias = nullptr);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_SELF_ATTENTION_H_
