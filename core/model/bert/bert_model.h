// BertModel: the weights of a BERT encoder, checked against its config and prepared for compute
// (QKV fused into one [H, 3H] matmul, every dense layer packed for oneDNN). The BERT family's
// Model (core/model/model.h).
//
// Immutable after FromWeights(); safe to share between threads and sessions
// (std::shared_ptr<const BertModel>). Compute lives in BertEncoder, one per thread.
#ifndef ATTNSERVE_CORE_MODEL_BERT_BERT_MODEL_H_
#define ATTNSERVE_CORE_MODEL_BERT_BERT_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/layers/embeddings.h"
#include "core/model/bert/bert_config.h"
#include "core/model/model.h"
#include "core/model/weights_reader.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

class BertModel final : public Model, public std::enable_shared_from_this<BertModel> {
 public:
  struct Layer {
    PackedDense qkv;       // H -> 3H, columns Q | K | V
    PackedDense attn_out;  // H -> H, + residual
    PackedDense ffn_in;    // H -> I, + activation
    PackedDense ffn_out;   // I -> H, + residual
    Tensor attn_ln_gamma, attn_ln_beta;
    Tensor ffn_ln_gamma, ffn_ln_beta;
  };

  // Reads every tensor of a Hugging Face BertModel checkpoint from `weights`, accepting names with
  // or without the "bert." prefix and LayerNorm "gamma"/"beta" for "weight"/"bias". Tensors the
  // encoder does not use (position_ids, pooler.*, heads) are ignored. A missing tensor or a shape
  // that disagrees with `config` is an error naming the source and the tensor.
  // `spec` is what the model reports; by default SpecOf(config).
  static absl::StatusOr<std::unique_ptr<const BertModel>> FromWeights(const BertConfig& config,
                                                                      WeightsReader& weights);
  static absl::StatusOr<std::unique_ptr<const BertModel>> FromWeights(const BertConfig& config,
                                                                      WeightsReader& weights,
                                                                      ModelSpec spec);
  // The architecture part of the description of a model with `config` (architecture "bert",
  // sizes, vocabularies, fp32 compute; defaults: mean pooling, max_seq_length = positions).
  static ModelSpec SpecOf(const BertConfig& config);

  const BertConfig& config() const { return config_; }
  EmbeddingTables embedding_tables() const;
  const std::vector<Layer>& layers() const { return layers_; }

  // Model
  const ModelSpec& spec() const override { return spec_; }
  // A BertEncoder. The model must be owned by a std::shared_ptr (the session keeps it alive).
  absl::StatusOr<std::unique_ptr<Session>> CreateSession() const override;
  int64_t bytes() const override;
  double ForwardFlops(const PackedBatch& batch) const override;

 private:
  BertModel() = default;

  BertConfig config_;
  ModelSpec spec_;
  Tensor word_, position_, token_type_, emb_ln_gamma_, emb_ln_beta_;
  std::vector<Layer> layers_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_BERT_BERT_MODEL_H_
