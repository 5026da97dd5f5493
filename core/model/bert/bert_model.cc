#include "core/model/bert/bert_model.h"

#include "core/util/status_macros.h"

namespace attnserve::core {

EncoderArch BertArch(const BertConfig& config) {
  EncoderArch a;
  a.vocab_size = config.vocab_size;
  a.hidden_size = config.hidden_size;
  a.num_layers = config.num_hidden_layers;
  a.num_heads = config.num_attention_heads;
  a.intermediate_size = config.intermediate_size;
  a.position_table_size = config.max_position_embeddings;
  a.type_vocab_size = config.type_vocab_size;
  a.norm_eps = config.layer_norm_eps;
  a.activation = ActivationPostOp(config.hidden_act);
  a.positions = PositionIds::kFromZero;
  a.padding_idx = config.pad_token_id;
  return a;
}

EncoderTensorNames BertTensorNames() {
  EncoderTensorNames n;
  n.prefixes = {"bert."};
  n.word_embeddings = "embeddings.word_embeddings";
  n.position_embeddings = "embeddings.position_embeddings";
  n.token_type_embeddings = "embeddings.token_type_embeddings";
  n.embeddings_norm = "embeddings.LayerNorm";
  n.layer = "encoder.layer.";
  n.query = "attention.self.query";
  n.key = "attention.self.key";
  n.value = "attention.self.value";
  n.attention_output = "attention.output.dense";
  n.attention_norm = "attention.output.LayerNorm";
  n.ffn_in = "intermediate.dense";
  n.ffn_out = "output.dense";
  n.ffn_norm = "output.LayerNorm";
  // BertForSequenceClassification: the pooler (dense + tanh on [CLS]), then the classifier.
  n.classifier = {"pooler.dense", "classifier", ClassifierActivation::kTanh};
  return n;
}

ModelSpec BertSpec(const BertConfig& config) { return EncoderSpec(BertArch(config), "bert"); }

absl::StatusOr<std::unique_ptr<const EncoderModel>> LoadBertModel(const BertConfig& config,
                                                                  WeightsReader& weights) {
  return LoadBertModel(config, weights, BertSpec(config));
}

absl::StatusOr<std::unique_ptr<const EncoderModel>> LoadBertModel(const BertConfig& config,
                                                                  WeightsReader& weights,
                                                                  ModelSpec spec) {
  ATTN_RETURN_IF_ERROR(config.Validate("config"));
  return EncoderModel::FromWeights(BertArch(config), BertTensorNames(), weights, std::move(spec));
}

}  // namespace attnserve::core
