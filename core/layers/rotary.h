// Rotary position embeddings (RoPE, Su et al.) in the "rotate half" layout of GPT-NeoX, Llama,
// ModernBERT and Qwen3 as Hugging Face transformers applies them (apply_rotary_pos_emb): for a
// head vector x of even size d at position p, and i < d/2,
//
//   x'[i]       = x[i]       cos(p w_i) - x[i + d/2] sin(p w_i)
//   x'[i + d/2] = x[i + d/2] cos(p w_i) + x[i]       sin(p w_i),   w_i = theta^(-2i/d)
//
// applied to the queries and keys of every head before attention ("default" rope_type: no
// scaling). Positions count from 0 at each sequence's first token of the packed batch.
#ifndef ATTNSERVE_CORE_LAYERS_ROTARY_H_
#define ATTNSERVE_CORE_LAYERS_ROTARY_H_

#include <cstdint>
#include <span>

#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

// cos(p w_i) and sin(p w_i) for positions [0, max_positions) and i < head_dim / 2, computed once.
// Immutable after construction; may be read from any thread.
class RotaryTable {
 public:
  RotaryTable() = default;
  // `head_dim` must be even and > 0, `theta` > 0, `max_positions` >= 0.
  RotaryTable(int head_dim, double theta, int64_t max_positions);

  int head_dim() const { return head_dim_; }
  double theta() const { return theta_; }
  int64_t max_positions() const { return max_positions_; }
  // head_dim / 2 values each, for position `p` < max_positions().
  const float* cos(int64_t p) const { return cos_.data() + p * (head_dim_ / 2); }
  const float* sin(int64_t p) const { return sin_.data() + p * (head_dim_ / 2); }
  // Bytes held.
  int64_t bytes() const;

 private:
  int head_dim_ = 0;
  double theta_ = 0.0;
  int64_t max_positions_ = 0;
  AlignedBuffer<float> cos_, sin_;
};

// Rotates, in place, the query and key heads of the fused projection `qkv` (rows of 3H floats:
// Q | K | V, head h at h * head_dim, H = num_heads * head_dim) of the packed batch `offsets`
// (sequence s is rows [offsets[s], offsets[s + 1])). Every sequence must be at most
// table.max_positions() long and table.head_dim() must be head_dim. V is left alone.
void ApplyRotaryToQueryKey(float* qkv, std::span<const int64_t> offsets, int num_heads,
                           int head_dim, const RotaryTable& table);

// The same for any row layout: rotates, in place, heads [0, num_rotated) of each row of `x`
// (rows `ld` floats apart, head h at h * head_dim), e.g. the Q and K heads of a grouped-query
// projection Q [heads] | K [kv_heads] | V [kv_heads]: num_rotated = heads + kv_heads.
void ApplyRotaryToHeads(float* x, int64_t ld, std::span<const int64_t> offsets, int num_rotated,
                        int head_dim, const RotaryTable& table);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_ROTARY_H_
