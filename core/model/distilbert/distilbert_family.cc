#include "core/model/distilbert/distilbert_family.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/config_json.h"
#include "core/model/encoder_model.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

EncoderTensorNames DistilBertTensorNames() {
  EncoderTensorNames n;
  n.prefixes = {"distilbert."};
  n.word_embeddings = "embeddings.word_embeddings";
  n.position_embeddings = "embeddings.position_embeddings";
  n.embeddings_norm = "embeddings.LayerNorm";
  n.layer = "transformer.layer.";
  n.query = "attention.q_lin";
  n.key = "attention.k_lin";
  n.value = "attention.v_lin";
  n.attention_output = "attention.out_lin";
  n.attention_norm = "sa_layer_norm";
  n.ffn_in = "ffn.lin1";
  n.ffn_out = "ffn.lin2";
  n.ffn_norm = "output_layer_norm";
  // DistilBertForSequenceClassification: pre_classifier + ReLU on [CLS], then the classifier.
  n.classifier = {"pre_classifier", "classifier", ClassifierActivation::kRelu};
  return n;
}

class DistilBert final : public EncoderFamily {
 public:
  std::vector<std::string> model_types() const override { return {"distilbert"}; }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
    ATTN_RETURN_IF_ERROR(CheckConfigModelType(j, source, "distilbert"));
    if (const auto it = j.find("sinusoidal_pos_embds");
        it != j.end() && it->is_boolean() && it->get<bool>()) {
      return ConfigError(source,
                         "sinusoidal_pos_embds=true is not supported (only learned position "
                         "embeddings, sinusoidal_pos_embds=false)");
    }
    auto config = std::make_unique<EncoderFamilyConfig>();
    EncoderArch& a = config->arch;
    // transformers' DistilBertConfig defaults, where config.json omits a key.
    a.vocab_size = 30522;
    a.hidden_size = 768;
    a.num_layers = 6;
    a.num_heads = 12;
    a.intermediate_size = 3072;
    a.position_table_size = 512;
    Activation activation = Activation::kGeluErf;
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "vocab_size", false, &a.vocab_size));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "dim", false, &a.hidden_size));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "n_layers", false, &a.num_layers));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "n_heads", false, &a.num_heads));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "hidden_dim", false, &a.intermediate_size));
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "max_position_embeddings", false, &a.position_table_size));
    ATTN_RETURN_IF_ERROR(ReadConfigActivation(j, source, "activation", &activation));
    // The same bounds as BERT's, under DistilBERT's keys.
    ATTN_RETURN_IF_ERROR(
        CheckConfigRanges(source, {{"vocab_size", a.vocab_size, 4'000'000},
                                   {"dim", a.hidden_size, 16384},
                                   {"n_layers", a.num_layers, 256},
                                   {"n_heads", a.num_heads, 1024},
                                   {"hidden_dim", a.intermediate_size, 65536},
                                   {"max_position_embeddings", a.position_table_size, 65536}}));
    if (a.hidden_size % a.num_heads != 0) {
      return ConfigError(source, absl::StrCat("n_heads (", a.num_heads, ") does not divide dim (",
                                              a.hidden_size, ")"));
    }
    a.type_vocab_size = 0;  // no token-type table
    a.norm_eps = 1e-12f;    // fixed in DistilBertModel, not a config key
    a.activation = ActivationPostOp(activation);
    a.positions = PositionIds::kFromZero;
    config->names = DistilBertTensorNames();
    config->spec = EncoderSpec(a, "distilbert");
    config->spec.tokenizer_type_ids = false;
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }
};

}  // namespace

const ModelFamily& DistilBertFamily() {
  static const DistilBert* const family = new DistilBert();
  return *family;
}

}  // namespace attnserve::core
