// Qwen3Model: the Model of the Qwen3 family (Qwen/Qwen3-Embedding-*), as transformers'
// Qwen3Model computes the last hidden state:
//
//   x = embed_tokens[ids]                                   no position table
//   for each layer:
//     q, k, v = q_proj, k_proj, v_proj(RMSNorm_in(x))        fused into one matmul
//     q, k = RMSNorm_q(q), RMSNorm_k(k)                      per head, over head_dim
//     q, k = rotary(q, k)                                    positions from 0 per sequence
//     x = x + o_proj(CausalAttention(q, k, v))               grouped-query: kv_heads K/V heads
//     x = x + down_proj(silu(gate_proj(h)) * up_proj(h)),    h = RMSNorm_post(x)
//   y = RMSNorm_final(x)
//
// head_dim comes from the config (not necessarily hidden / heads); biases only on q/k/v/o and
// only with attention_bias. The LM head (tied or not) is not read: this is an encoder here.
//
// Immutable after FromWeights(); safe to share between threads. Its sessions (one per compute
// thread) hold the kernels and workspace; the attention workspace per thread is linear in the
// sequence length (core/layers/sliding_window_attention.h's block attention).
#ifndef ATTNSERVE_CORE_MODEL_QWEN3_QWEN3_MODEL_H_
#define ATTNSERVE_CORE_MODEL_QWEN3_QWEN3_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/layers/glu_mlp.h"
#include "core/layers/rotary.h"
#include "core/model/model.h"
#include "core/model/weights_reader.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

struct Qwen3Arch {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;  // divides num_heads
  int head_dim = 0;      // even (rotary)
  int intermediate_size = 0;
  int max_positions = 0;  // the longest sequence taken (rotary table rows)
  float rms_norm_eps = 1e-6f;
  double rope_theta = 10000.0;
  bool attention_bias = false;

  int64_t q_width() const { return static_cast<int64_t>(num_heads) * head_dim; }
  int64_t kv_width() const { return static_cast<int64_t>(num_kv_heads) * head_dim; }
  // The fused projection's columns: Q | K | V.
  int64_t qkv_width() const { return q_width() + 2 * kv_width(); }
};

struct Qwen3LayerWeights {
  Tensor input_norm;  // [H]
  PackedDense qkv;    // H -> q_width + 2 kv_width
  Tensor q_norm, k_norm;  // [head_dim]
  PackedDense o;      // q_width -> H, + residual
  Tensor post_norm;   // [H]
  GluMlpWeights mlp;  // SwiGLU: gate_proj (SiLU), up_proj, down_proj (+ residual)

  int64_t bytes() const;
};

class Qwen3Model final : public Model, public std::enable_shared_from_this<Qwen3Model> {
 public:
  // Reads every tensor of `arch` from `weights`, bare (Qwen3Model) or under "model."
  // (Qwen3ForCausalLM and the like); other tensors (lm_head) are ignored. A missing tensor or
  // a shape that disagrees with `arch` is an error naming the source and the tensor.
  static absl::StatusOr<std::unique_ptr<const Qwen3Model>> FromWeights(const Qwen3Arch& arch,
                                                                        WeightsReader& weights,
                                                                        ModelSpec spec);

  const Qwen3Arch& arch() const { return arch_; }
  const Tensor& embed_tokens() const { return embed_; }
  const Tensor& final_norm() const { return final_norm_; }
  const std::vector<Qwen3LayerWeights>& layers() const { return layers_; }
  const RotaryTable& rotary() const { return rotary_; }

  // Model
  const ModelSpec& spec() const override { return spec_; }
  absl::StatusOr<std::unique_ptr<Session>> CreateSession() const override;
  int64_t bytes() const override;
  // Causal attention: a sequence of n tokens has n (n + 1) / 2 (query, key) pairs.
  double ForwardFlops(const PackedBatch& batch) const override;

 private:
  Qwen3Model() = default;

  Qwen3Arch arch_;
  ModelSpec spec_;
  Tensor embed_, final_norm_;
  std::vector<Qwen3LayerWeights> layers_;
  RotaryTable rotary_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_QWEN3_QWEN3_MODEL_H_
