#include "core/model/bert/bert_config.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using nlohmann::json;

absl::Status ConfigError(absl::string_view source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

absl::Status ReadInt(const json& j, absl::string_view source, const char* key, bool required,
                     int* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return ConfigError(source, absl::StrCat("missing required key '", key, "'"));
    return absl::OkStatus();
  }
  if (!it->is_number_integer()) {
    return ConfigError(source, absl::StrCat("'", key, "' must be an integer; was ", it->dump()));
  }
  const long long v = it->get<long long>();
  if (v < INT32_MIN || v > INT32_MAX) {
    return ConfigError(source, absl::StrCat("'", key, "' is out of range: ", v));
  }
  *out = static_cast<int>(v);
  return absl::OkStatus();
}

}  // namespace

absl::Status BertConfig::Validate(absl::string_view source) const {
  // Upper bounds catch corrupt or hostile files before they turn into giant allocations; they are
  // far above any BERT-family checkpoint (BERT-large: hidden 1024, 24 layers, intermediate 4096).
  struct Field {
    const char* key;
    int value;
    int max;
  };
  const Field fields[] = {
      {"vocab_size", vocab_size, 4'000'000},
      {"hidden_size", hidden_size, 16384},
      {"num_hidden_layers", num_hidden_layers, 256},
      {"num_attention_heads", num_attention_heads, 1024},
      {"intermediate_size", intermediate_size, 65536},
      {"max_position_embeddings", max_position_embeddings, 65536},
      {"type_vocab_size", type_vocab_size, 1024},
  };
  for (const Field& f : fields) {
    if (f.value <= 0 || f.value > f.max) {
      return ConfigError(source,
                         absl::StrCat("'", f.key, "' must be in [1, ", f.max, "]; was ", f.value));
    }
  }
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
                                                absl::string_view source) {
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ConfigError(source, "not valid JSON");
  if (!j.is_object()) return ConfigError(source, "not a JSON object");

  if (const auto it = j.find("model_type"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>() != "bert") {
      return ConfigError(source, absl::StrCat("model_type ", it->dump(),
                                              " is not supported (supported: \"bert\")"));
    }
  }
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
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "vocab_size", true, &c.vocab_size));
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "hidden_size", true, &c.hidden_size));
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "num_hidden_layers", true, &c.num_hidden_layers));
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "num_attention_heads", true, &c.num_attention_heads));
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "intermediate_size", true, &c.intermediate_size));
  ATTN_RETURN_IF_ERROR(
      ReadInt(j, source, "max_position_embeddings", true, &c.max_position_embeddings));
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "type_vocab_size", false, &c.type_vocab_size));
  ATTN_RETURN_IF_ERROR(ReadInt(j, source, "pad_token_id", false, &c.pad_token_id));

  if (const auto it = j.find("layer_norm_eps"); it != j.end() && !it->is_null()) {
    if (!it->is_number()) return ConfigError(source, "'layer_norm_eps' must be a number");
    c.layer_norm_eps = it->get<float>();
  }
  if (const auto it = j.find("hidden_act"); it != j.end() && !it->is_null()) {
    const std::string act = it->is_string() ? it->get<std::string>() : it->dump();
    if (act == "gelu") {
      c.hidden_act = Activation::kGeluErf;
    } else if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") {
      c.hidden_act = Activation::kGeluTanh;
    } else if (act == "relu") {
      c.hidden_act = Activation::kRelu;
    } else {
      return ConfigError(source, absl::StrCat("hidden_act '", act,
                                              "' is not supported (supported: gelu, gelu_new, "
                                              "gelu_pytorch_tanh, gelu_fast, relu)"));
    }
  }
  ATTN_RETURN_IF_ERROR(c.Validate(source));
  return c;
}

}  // namespace attnserve::core
