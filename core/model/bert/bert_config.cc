#include "core/model/bert/bert_config.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "core/util/status_macros.h"

namespace attnserve::core {

absl::Status BertConfig::Validate(absl::string_view source) const {
  // The bounds are far above any BERT-family checkpoint (BERT-large: hidden 1024, 24 layers,
  // intermediate 4096).
  ATTN_RETURN_IF_ERROR(
      CheckConfigRanges(source, {
                                    {"vocab_size", vocab_size, 4'000'000},
                                    {"hidden_size", hidden_size, 16384},
                                    {"num_hidden_layers", num_hidden_layers, 256},
                                    {"num_attention_heads", num_attention_heads, 1024},
                                    {"intermediate_size", intermediate_size, 65536},
                                    {"max_position_embeddings", max_position_embeddings, 65536},
                                    {"type_vocab_size", type_vocab_size, 1024},
                                }));
  if (hidden_size % num_attention_heads != 0) {
    return ConfigError(source, absl::StrCat("num_attention_heads (", num_attention_heads,
                                            ") does not divide hidden_size (", hidden_size, ")"));
  }
  if (!(layer_norm_eps > 0.0f) || layer_norm_eps > 1.0f) {
    return ConfigError(source,
                       absl::StrCat("'layer_norm_eps' must be in (0, 1]; was ", layer_norm_eps));
  }
  if (pad_token_id < 0 || pad_token_id >= vocab_size) {
    return ConfigError(source, absl::StrCat("'pad_token_id' ", pad_token_id,
                                            " is outside the vocabulary [0, ", vocab_size, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<BertConfig> BertConfig::FromJson(absl::string_view json_text,
                                                absl::string_view source,
                                                absl::string_view model_type) {
  ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
  ATTN_RETURN_IF_ERROR(CheckConfigModelType(j, source, model_type));
  if (const auto it = j.find("position_embedding_type"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>() != "absolute") {
      return ConfigError(source, absl::StrCat("position_embedding_type ", it->dump(),
                                              " is not supported (supported: \"absolute\")"));
    }
  }
  if (const auto it = j.find("is_decoder"); it != j.end() && it->is_boolean() && it->get<bool>()) {
    return ConfigError(source, "is_decoder=true is not supported: attnserve serves encoders");
  }

  BertConfig c;
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "vocab_size", true, &c.vocab_size));
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "hidden_size", true, &c.hidden_size));
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "num_hidden_layers", true, &c.num_hidden_layers));
  ATTN_RETURN_IF_ERROR(
      ReadConfigInt(j, source, "num_attention_heads", true, &c.num_attention_heads));
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "intermediate_size", true, &c.intermediate_size));
  ATTN_RETURN_IF_ERROR(
      ReadConfigInt(j, source, "max_position_embeddings", true, &c.max_position_embeddings));
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "type_vocab_size", false, &c.type_vocab_size));
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "pad_token_id", false, &c.pad_token_id));

  ATTN_RETURN_IF_ERROR(ReadConfigFloat(j, source, "layer_norm_eps", &c.layer_norm_eps));
  ATTN_RETURN_IF_ERROR(ReadConfigActivation(j, source, "hidden_act", &c.hidden_act));
  ATTN_RETURN_IF_ERROR(c.Validate(source));
  return c;
}

}  // namespace attnserve::core
