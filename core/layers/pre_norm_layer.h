// The pre-norm Transformer encoder layer of ModernBERT, on a packed batch, with rotary positions
// and a GLU feed-forward block:
//
//   q, k, v = Dense_qkv(LN_attn(x));  q, k = rotary(q, k)
//   x = x + Dense_o(Attention(q, k, v))           global, or a sliding window (local layers)
//   y = x + GluMlp(LN_mlp(x))
//
// A layer's attention norm may be absent (ModernBERT's first layer: nn.Identity, since the
// embeddings end in a LayerNorm). A LayerNorm without bias (norm_bias=false) has a zero beta,
// a dense layer without bias a zero bias.
//
// PreNormLayerWeights is one layer's weights, prepared (immutable, shareable). PreNormLayerStack
// runs a stack of them: it owns the per-thread state (dense kernels bound to the thread that
// created them, workspace). Not thread-safe; one per session.
#ifndef ATTNSERVE_CORE_LAYERS_PRE_NORM_LAYER_H_
#define ATTNSERVE_CORE_LAYERS_PRE_NORM_LAYER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/layers/glu_mlp.h"
#include "core/layers/rotary.h"
#include "core/layers/self_attention.h"
#include "core/tensor/aligned_buffer.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

struct PreNormLayerWeights {
  // Attention norm; gamma empty: none (the identity).
  Tensor attn_norm_gamma, attn_norm_beta;
  PackedDense qkv;       // H -> 3H, columns Q | K | V
  PackedDense attn_out;  // H -> H, + residual
  Tensor mlp_norm_gamma, mlp_norm_beta;
  GluMlpWeights mlp;
  // Sliding-window attention with the local rotary table; otherwise global attention with the
  // global one.
  bool local = false;

  int64_t bytes() const;
};

// The sizes and settings every layer of a stack shares.
struct PreNormLayerShape {
  int64_t hidden = 0;
  int num_heads = 0;
  int64_t intermediate = 0;
  float norm_eps = 1e-5f;
  DensePostOp activation = DensePostOp::kGeluErf;  // of the GLU's input half
  int64_t half_window = 0;                         // local layers: |i - j| <= half_window

  int head_dim() const { return static_cast<int>(hidden / num_heads); }
};

// The rotary tables of the two kinds of layers (borrowed; they outlive the call).
struct RotaryTables {
  const RotaryTable* global = nullptr;
  const RotaryTable* local = nullptr;
};

class PreNormLayerStack {
 public:
  // Kernels for layers shaped like `first` (every layer of the stack has its shapes and dtype),
  // created on `engine`, on the calling thread.
  static absl::StatusOr<std::unique_ptr<PreNormLayerStack>> Create(
      const dnnl::engine& engine, const PreNormLayerShape& shape, const PreNormLayerWeights& first);

  // Makes room for `padded_rows` rows (a multiple of kRowGranularity) and sequences of up to
  // `max_length` tokens.
  void Reserve(int64_t padded_rows, int64_t max_length);

  // Runs `layers` in order over `hidden` [RoundUpRows(T), H] in place, T = offsets.back(); the
  // rows past T must be finite on entry. Sequence s is rows [offsets[s], offsets[s + 1]), at
  // most the rotary tables' max_positions() long. Throws dnnl::error.
  void Forward(dnnl::stream& stream, std::span<const PreNormLayerWeights> layers,
               const RotaryTables& rotary, std::span<const int64_t> offsets, int64_t max_length,
               float* hidden);

  int num_primitives() const;
  std::string ImplSummary() const;

 private:
  PreNormLayerStack() = default;

  PreNormLayerShape shape_;
  std::unique_ptr<DenseKernel> qkv_, attn_out_;
  std::unique_ptr<GluMlp> mlp_;
  AttentionScratch attention_scratch_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> normed_, qkv_buf_, ctx_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_PRE_NORM_LAYER_H_
