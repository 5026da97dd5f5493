#include "core/model/roberta/roberta_family.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/bert/bert_config.h"
#include "core/model/bert/bert_model.h"
#include "core/model/config_json.h"
#include "core/model/encoder_model.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

class Roberta final : public EncoderFamily {
 public:
  std::vector<std::string> model_types() const override {
    return {"roberta", "xlm-roberta", "camembert"};
  }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
    const auto type = j.find("model_type");
    if (type == j.end() || !type->is_string()) {
      return ConfigError(source, "missing model_type (roberta, xlm-roberta or camembert)");
    }
    ATTN_ASSIGN_OR_RETURN(BertConfig bert,
                          BertConfig::FromJson(json_text, source, type->get<std::string>()));
    // transformers' RobertaConfig default where config.json says nothing.
    if (!j.contains("pad_token_id") || j["pad_token_id"].is_null()) bert.pad_token_id = 1;
    ATTN_RETURN_IF_ERROR(bert.Validate(source));
    auto config = std::make_unique<EncoderFamilyConfig>();
    config->arch = BertArch(bert);
    config->arch.positions = PositionIds::kAfterPadding;
    if (config->arch.max_tokens() <= 0) {
      return ConfigError(source,
                         absl::StrCat("max_position_embeddings (", bert.max_position_embeddings,
                                      ") leaves no position for a token: positions start after "
                                      "pad_token_id (",
                                      bert.pad_token_id, "), at ", bert.pad_token_id + 1));
    }
    config->names = BertTensorNames();
    config->names.prefixes = {"roberta."};
    // RobertaClassificationHead on <s>: dense + tanh, out_proj (no pooler).
    config->names.classifier = {"classifier.dense", "classifier.out_proj",
                                ClassifierActivation::kTanh};
    config->spec = EncoderSpec(config->arch, type->get<std::string>());
    // Hugging Face's tokenizers of this family return no token_type_ids (model_input_names is
    // input_ids and attention_mask): the model sees type 0 whatever a pair's template says.
    config->spec.tokenizer_type_ids = false;
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }
};

}  // namespace

const ModelFamily& RobertaFamily() {
  static const Roberta* const family = new Roberta();
  return *family;
}

}  // namespace attnserve::core
