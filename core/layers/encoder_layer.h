// The post-norm Transformer encoder layer of BERT and its descendants (RoBERTa, XLM-R, CamemBERT,
// DistilBERT), on a packed batch:
//
//   a = LayerNorm(x + Dense_o(SelfAttention(Dense_qkv(x))))
//   y = LayerNorm(a + Dense_2(act(Dense_1(a))))
//
// EncoderLayerWeights is one layer's weights, prepared for compute (immutable, shareable).
// EncoderLayerStack runs a stack of such layers: it owns the per-thread state (the dense
// kernels, bound to the thread that created them, and the workspace). Not thread-safe; one per
// session.
#ifndef ATTNSERVE_CORE_LAYERS_ENCODER_LAYER_H_
#define ATTNSERVE_CORE_LAYERS_ENCODER_LAYER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/layers/self_attention.h"
#include "core/tensor/aligned_buffer.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

struct EncoderLayerWeights {
  PackedDense qkv;       // H -> 3H, columns Q | K | V
  PackedDense attn_out;  // H -> H, + residual
  PackedDense ffn_in;    // H -> I, + activation
  PackedDense ffn_out;   // I -> H, + residual
  Tensor attn_norm_gamma, attn_norm_beta;
  Tensor ffn_norm_gamma, ffn_norm_beta;

  // Bytes held (packed weights, biases, norms).
  int64_t bytes() const;
};

// The sizes and settings every layer of a stack shares.
struct EncoderLayerShape {
  int64_t hidden = 0;
  int num_heads = 0;
  int64_t intermediate = 0;
  float norm_eps = 1e-12f;
  DensePostOp activation = DensePostOp::kGeluErf;

  int head_dim() const { return static_cast<int>(hidden / num_heads); }
};

// One layer's tensors as a checkpoint has them: torch.nn.Linear layout (weights [out, in], biases
// [out]), LayerNorm gamma and beta [H].
struct EncoderLayerTensors {
  Tensor query_weight, query_bias, key_weight, key_bias, value_weight, value_bias;
  Tensor attention_output_weight, attention_output_bias;
  Tensor attention_norm_gamma, attention_norm_beta;
  Tensor ffn_in_weight, ffn_in_bias, ffn_out_weight, ffn_out_bias;
  Tensor ffn_norm_gamma, ffn_norm_beta;
};

// Prepares `t` for compute: Q, K and V fused into one [3H, H] projection, every dense layer
// packed for oneDNN on `engine` in `dtype` (kF32 or kInt8; the norms stay fp32).
absl::StatusOr<EncoderLayerWeights> PackEncoderLayer(const dnnl::engine& engine,
                                                     EncoderLayerTensors t,
                                                     DType dtype = DType::kF32);

class EncoderLayerStack {
 public:
  // Kernels for layers shaped like `first` (every layer of the stack has its shapes and dtype),
  // created on `engine`, on the calling thread.
  static absl::StatusOr<std::unique_ptr<EncoderLayerStack>> Create(
      const dnnl::engine& engine, const EncoderLayerShape& shape, const EncoderLayerWeights& first);

  // Makes room for `padded_rows` rows (a multiple of kRowGranularity) and sequences of up to
  // `max_length` tokens.
  void Reserve(int64_t padded_rows, int64_t max_length);

  // Runs `layers` in order over `hidden` [RoundUpRows(T), H] in place, T = offsets.back(); the
  // rows past T must be finite on entry. Sequence s is rows [offsets[s], offsets[s + 1]).
  // `bias` (optional, borrowed) is added to every layer's attention scores. Throws dnnl::error
  // (the caller turns it into a Status).
  void Forward(dnnl::stream& stream, std::span<const EncoderLayerWeights> layers,
               std::span<const int64_t> offsets, int64_t max_length, float* hidden,
               const RelativeScoreBias* bias = nullptr);

  int num_primitives() const;
  // oneDNN implementation of each dense shape, e.g. "qkv=brg:avx512_core ...".
  std::string ImplSummary() const;

 private:
  EncoderLayerStack() = default;

  EncoderLayerShape shape_;
  std::unique_ptr<DenseKernel> qkv_, attn_out_, ffn_in_, ffn_out_;
  AttentionScratch attention_scratch_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> qkv_buf_, ctx_, inter_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_ENCODER_LAYER_H_
