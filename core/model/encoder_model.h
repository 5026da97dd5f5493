// EncoderModel: the Model of the BERT-style encoder families — embeddings (word + position
// [+ token type], LayerNorm) followed by a stack of post-norm layers (core/layers/encoder_layer.h).
// BERT, RoBERTa / XLM-R / CamemBERT and DistilBERT are this model with their own EncoderArch
// (how positions are numbered, whether there are token types) and EncoderTensorNames (their
// checkpoint's spelling); each family folder only parses its config.json into those.
//
// Immutable after FromWeights(); safe to share between threads (std::shared_ptr<const
// EncoderModel>). Its sessions (one per compute thread) hold the kernels and workspace.
#ifndef ATTNSERVE_CORE_MODEL_ENCODER_MODEL_H_
#define ATTNSERVE_CORE_MODEL_ENCODER_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "core/heads/classifier.h"
#include "core/layers/embeddings.h"
#include "core/layers/encoder_layer.h"
#include "core/model/family.h"
#include "core/model/model.h"
#include "core/model/weights_reader.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

struct EncoderArch {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int position_table_size = 0;  // rows of the position table (max_position_embeddings)
  int type_vocab_size = 0;      // rows of the token-type table; 0: the model has none
  float norm_eps = 1e-12f;
  DensePostOp activation = DensePostOp::kGeluErf;
  PositionIds positions = PositionIds::kFromZero;
  int padding_idx = 0;  // for PositionIds::kAfterPadding
  // Relative position bias shared by all layers (MPNet): a [relative_bias_rows, num_heads]
  // table, of which the first relative_bias_buckets rows are used (RelativePositionBucket in
  // core/layers/relative_position_bias.h). 0 rows: no bias.
  int relative_bias_rows = 0;
  int relative_bias_buckets = 32;
  int relative_bias_max_distance = 128;

  EncoderLayerShape layer_shape() const;
  // The longest sequence the position table takes: position_table_size, less the padding_idx + 1
  // rows in front of the first position with kAfterPadding (514 rows, pad 1 -> 512 tokens).
  int max_tokens() const;
};

// Where a checkpoint keeps each tensor. Every name is a stem: ".weight" and ".bias" are
// appended. A tensor is looked up bare first, then under each of `prefixes` (the base-model
// prefix that the *For* task heads save it under), and a LayerNorm's weight/bias also as the
// TF-era gamma/beta.
struct EncoderTensorNames {
  std::vector<std::string> prefixes;  // "bert."
  std::string word_embeddings;        // "embeddings.word_embeddings"
  std::string position_embeddings;
  std::string token_type_embeddings;  // empty: none
  std::string embeddings_norm;
  std::string layer;  // "encoder.layer." (the layer's index and "." follow)
  std::string query, key, value, attention_output, attention_norm;
  std::string ffn_in, ffn_out, ffn_norm;
  std::string relative_attention_bias;  // with arch.relative_bias_rows > 0: the shared table
  // The *ForSequenceClassification head, loaded when its `out` tensor is present.
  ClassifierTensorNames classifier;
};

class EncoderModel final : public Model, public std::enable_shared_from_this<EncoderModel> {
 public:
  // Reads every tensor of `arch` from `weights` (tensors it does not use — position_ids, pooler,
  // other heads — are ignored), and the classification head of `names.classifier` when the
  // checkpoint has its output tensor: spec.classifier's labels must then match its rows (LABEL_<i>
  // when spec.classifier has none); without the head, spec.classifier is cleared. A missing
  // tensor or a shape that disagrees with `arch` is an error
  // naming the source and the tensor. `spec` is what the model reports.
  static absl::StatusOr<std::unique_ptr<const EncoderModel>> FromWeights(
      const EncoderArch& arch, const EncoderTensorNames& names, WeightsReader& weights,
      ModelSpec spec);

  const EncoderArch& arch() const { return arch_; }
  EmbeddingTables embedding_tables() const;
  const std::vector<EncoderLayerWeights>& layers() const { return layers_; }
  // The attention score bias every layer adds; nullptr when the architecture has none.
  const RelativeScoreBias* relative_bias() const {
    return relative_bias_.by_distance != nullptr ? &relative_bias_ : nullptr;
  }

  // Model
  const ModelSpec& spec() const override { return spec_; }
  const SequenceClassifier* classifier() const override { return classifier_.get(); }
  // The model must be owned by a std::shared_ptr (the session keeps it alive).
  absl::StatusOr<std::unique_ptr<Session>> CreateSession() const override;
  int64_t bytes() const override;
  double ForwardFlops(const PackedBatch& batch) const override;

 private:
  EncoderModel() = default;

  EncoderArch arch_;
  ModelSpec spec_;
  Tensor word_, position_, token_type_, emb_norm_gamma_, emb_norm_beta_;
  std::vector<EncoderLayerWeights> layers_;
  std::vector<float> relative_bias_by_distance_;  // [heads, 2 * max_tokens - 1]
  RelativeScoreBias relative_bias_;               // views relative_bias_by_distance_
  std::unique_ptr<const SequenceClassifier> classifier_;
};

// The architecture part of the ModelSpec of `arch` (sizes, vocabularies, fp32 compute, max
// positions = arch.max_tokens(); at least one token type, the one a model without a table adds
// nothing for), reported as `architecture` (config.json's model_type).
ModelSpec EncoderSpec(const EncoderArch& arch, absl::string_view architecture);

// A family whose models are EncoderModels: ParseConfig returns an EncoderFamilyConfig, and Build
// is shared.
struct EncoderFamilyConfig final : FamilyConfig {
  EncoderArch arch;
  EncoderTensorNames names;
};

class EncoderFamily : public ModelFamily {
 public:
  absl::StatusOr<std::shared_ptr<const Model>> Build(const FamilyConfig& config, ModelSpec spec,
                                                     WeightsReader& weights) const final;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_ENCODER_MODEL_H_
