// ModernBertModel: the Model of the ModernBERT family (answerdotai/ModernBERT-*, gte-modernbert,
// modernbert-embed, ...), as transformers' ModernBertModel computes it:
//
//   x = LayerNorm(tok_embeddings[ids])                      no position table
//   x = PreNormLayer_i(x) for each layer                    core/layers/pre_norm_layer.h
//   y = LayerNorm_final(x)
//
// Layer i is global (full attention, rotary theta global_rope_theta) or local (attention within
// +-local_attention/2 tokens, theta local_rope_theta); layer 0 has no attention norm. Norms and
// dense layers may have no bias (norm_bias, attention_bias, mlp_bias: false by default).
//
// Immutable after FromWeights(); safe to share between threads (std::shared_ptr<const ...>). Its
// sessions (one per compute thread) hold the kernels and workspace.
#ifndef ATTNSERVE_CORE_MODEL_MODERNBERT_MODERNBERT_MODEL_H_
#define ATTNSERVE_CORE_MODEL_MODERNBERT_MODERNBERT_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/layers/pre_norm_layer.h"
#include "core/layers/rotary.h"
#include "core/model/model.h"
#include "core/model/weights_reader.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

struct ModernBertArch {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_positions = 0;  // max_position_embeddings: the longest sequence (rotary table rows)
  float norm_eps = 1e-5f;
  bool norm_bias = false;
  bool attention_bias = false;
  bool mlp_bias = false;
  DensePostOp activation = DensePostOp::kGeluErf;
  int half_window = 64;             // local_attention / 2
  std::vector<bool> local_layers;   // num_layers entries: sliding-window attention
  double global_rope_theta = 160000.0;
  double local_rope_theta = 10000.0;

  int head_dim() const { return hidden_size / num_heads; }
  PreNormLayerShape layer_shape() const;
};

class ModernBertModel final : public Model,
                              public std::enable_shared_from_this<ModernBertModel> {
 public:
  // Reads every tensor of `arch` from `weights`, bare or under "model." (ModernBertFor*'s
  // prefix); tensors it does not use (heads, decoder) are ignored. A missing tensor or a shape
  // that disagrees with `arch` is an error naming the source and the tensor.
  static absl::StatusOr<std::unique_ptr<const ModernBertModel>> FromWeights(
      const ModernBertArch& arch, WeightsReader& weights, ModelSpec spec);

  const ModernBertArch& arch() const { return arch_; }
  const Tensor& word_embeddings() const { return word_; }
  const Tensor& embeddings_norm_gamma() const { return emb_norm_gamma_; }
  const Tensor& embeddings_norm_beta() const { return emb_norm_beta_; }
  const Tensor& final_norm_gamma() const { return final_norm_gamma_; }
  const Tensor& final_norm_beta() const { return final_norm_beta_; }
  const std::vector<PreNormLayerWeights>& layers() const { return layers_; }
  RotaryTables rotary_tables() const { return {&global_rotary_, &local_rotary_}; }

  // Model
  const ModelSpec& spec() const override { return spec_; }
  // The model must be owned by a std::shared_ptr (the session keeps it alive).
  absl::StatusOr<std::unique_ptr<Session>> CreateSession() const override;
  int64_t bytes() const override;
  // Counts the attention of local layers over the pairs their window keeps.
  double ForwardFlops(const PackedBatch& batch) const override;

 private:
  ModernBertModel() = default;

  ModernBertArch arch_;
  ModelSpec spec_;
  Tensor word_, emb_norm_gamma_, emb_norm_beta_, final_norm_gamma_, final_norm_beta_;
  std::vector<PreNormLayerWeights> layers_;
  RotaryTable global_rotary_, local_rotary_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_MODERNBERT_MODERNBERT_MODEL_H_
