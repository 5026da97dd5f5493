// BertConfig: the architecture hyper-parameters of a BERT-family encoder, as in a Hugging Face
// config.json (BertModel keys), and the embedding defaults a model directory declares.
#ifndef ATTNSERVE_CORE_MODEL_CONFIG_H_
#define ATTNSERVE_CORE_MODEL_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

enum class Activation { kGeluErf, kGeluTanh, kRelu };

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
  // Number of parameters of the encoder (embeddings + layers; no pooler).
  long long NumParameters() const;

  // Checks the values are positive, heads divide hidden, and the sizes are sane; errors name
  // `source` ("config.json") and the key.
  absl::Status Validate(absl::string_view source) const;

  // Parses config.json text. Unknown keys are ignored; a missing required key, a model_type other
  // than bert, an unsupported hidden_act or position_embedding_type is an error naming `source`.
  static absl::StatusOr<BertConfig> FromJson(absl::string_view json_text, absl::string_view source);
};

absl::string_view ActivationName(Activation act);

enum class Pooling { kCls, kMean, kMax };

absl::string_view PoolingName(Pooling pooling);  // "cls" | "mean" | "max"
bool ParsePooling(absl::string_view name, Pooling* pooling);

// What a model directory says about producing sentence embeddings (sentence-transformers files),
// with the defaults used when it says nothing.
struct EmbeddingDefaults {
  // sentence-transformers creates MEAN pooling for a plain Hugging Face model; so do we.
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
  // Longest input, in tokens including [CLS]/[SEP]; min(max_seq_length, max_position_embeddings).
  int max_seq_length = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_CONFIG_H_
