// BertConfig: the architecture hyper-parameters of a BERT encoder, as in a Hugging Face
// config.json (BertModel keys; RobertaModel and its kin use the same ones).
#ifndef ATTNSERVE_CORE_MODEL_BERT_BERT_CONFIG_H_
#define ATTNSERVE_CORE_MODEL_BERT_BERT_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/model/config_json.h"

namespace attnserve::core {

struct BertConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  Activation hidden_act = Activation::kGeluErf;
  int pad_token_id = 0;

  int head_dim() const { return hidden_size / num_attention_heads; }

  // Checks the values are positive, heads divide hidden, and the sizes are sane; errors name
  // `source` ("config.json") and the key.
  absl::Status Validate(absl::string_view source) const;

  // Parses config.json text. Unknown keys are ignored; a missing required key, a model_type other
  // than `model_type`, an unsupported hidden_act or position_embedding_type is an error naming
  // `source`. (The RoBERTa family's configs have the same keys, under their own model_type.)
  static absl::StatusOr<BertConfig> FromJson(absl::string_view json_text, absl::string_view source,
                                             absl::string_view model_type = "bert");
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_BERT_BERT_CONFIG_H_
