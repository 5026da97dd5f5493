#include "core/model/qwen3/qwen3_family.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/config_json.h"
#include "core/model/qwen3/qwen3_model.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

struct Qwen3Config final : FamilyConfig {
  Qwen3Arch arch;
};

// Unscaled rotary only: rope_scaling absent or null, rope_parameters.rope_type "default".
absl::Status ReadRope(const nlohmann::json& j, absl::string_view source, double* theta) {
  if (const auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
    return ConfigError(source, absl::StrCat("rope_scaling ", it->dump(),
                                            " is not supported (only unscaled rotary)"));
  }
  ATTN_RETURN_IF_ERROR(ReadConfigTheta(j, source, "rope_theta", theta));
  const auto it = j.find("rope_parameters");
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return ConfigError(source, "'rope_parameters' must be an object");
  if (const auto t = it->find("rope_type");
      t != it->end() && !(t->is_string() && t->get<std::string>() == "default")) {
    return ConfigError(source, absl::StrCat("rope_parameters.rope_type ", t->dump(),
                                            " is not supported (only \"default\": unscaled)"));
  }
  return ReadConfigTheta(*it, source, "rope_theta", theta);
}

absl::Status CheckFullAttention(const nlohmann::json& j, absl::string_view source) {
  bool sliding = false;
  ATTN_RETURN_IF_ERROR(ReadConfigBool(j, source, "use_sliding_window", &sliding));
  if (sliding) {
    return ConfigError(source, "use_sliding_window true is not supported (full attention only)");
  }
  const auto types = j.find("layer_types");
  if (types == j.end() || types->is_null()) return absl::OkStatus();
  if (!types->is_array()) return ConfigError(source, "'layer_types' must be an array");
  for (const auto& t : *types) {
    if (!(t.is_string() && t.get<std::string>() == "full_attention")) {
      return ConfigError(source, absl::StrCat("layer_types entry ", t.dump(),
                                              " is not supported (only \"full_attention\")"));
    }
  }
  return absl::OkStatus();
}

class Qwen3 final : public ModelFamily {
 public:
  std::vector<std::string> model_types() const override { return {"qwen3"}; }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
    ATTN_RETURN_IF_ERROR(CheckConfigModelType(j, source, "qwen3"));
    auto config = std::make_unique<Qwen3Config>();
    Qwen3Arch& a = config->arch;
    // transformers' Qwen3Config defaults, where config.json omits a key.
    a.vocab_size = 151936;
    a.hidden_size = 4096;
    a.intermediate_size = 22016;
    a.num_layers = 32;
    a.num_heads = 32;
    a.max_positions = 32768;
    a.rms_norm_eps = 1e-6f;
    a.rope_theta = 10000.0;
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "vocab_size", false, &a.vocab_size));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "hidden_size", false, &a.hidden_size));
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "intermediate_size", false, &a.intermediate_size));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "num_hidden_layers", false, &a.num_layers));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "num_attention_heads", false, &a.num_heads));
    a.num_kv_heads = a.num_heads;
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "num_key_value_heads", false, &a.num_kv_heads));
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "max_position_embeddings", false, &a.max_positions));
    ATTN_RETURN_IF_ERROR(ReadConfigFloat(j, source, "rms_norm_eps", &a.rms_norm_eps));
    ATTN_RETURN_IF_ERROR(ReadConfigBool(j, source, "attention_bias", &a.attention_bias));
    ATTN_RETURN_IF_ERROR(
        CheckConfigRanges(source, {{"vocab_size", a.vocab_size, 4'000'000},
                                   {"hidden_size", a.hidden_size, 16384},
                                   {"num_hidden_layers", a.num_layers, 256},
                                   {"num_attention_heads", a.num_heads, 1024},
                                   {"num_key_value_heads", a.num_kv_heads, 1024},
                                   {"intermediate_size", a.intermediate_size, 131072},
                                   {"max_position_embeddings", a.max_positions, 1 << 20}}));
    a.head_dim = a.hidden_size / a.num_heads;
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "head_dim", false, &a.head_dim));
    ATTN_RETURN_IF_ERROR(CheckConfigRanges(source, {{"head_dim", a.head_dim, 1024}}));
    if (a.head_dim % 2 != 0) {
      return ConfigError(source,
                         absl::StrCat("'head_dim' must be even (rotary); was ", a.head_dim));
    }
    if (a.num_heads % a.num_kv_heads != 0) {
      return ConfigError(source, absl::StrCat("num_key_value_heads (", a.num_kv_heads,
                                              ") must divide num_attention_heads (", a.num_heads,
                                              ")"));
    }
    if (!(a.rms_norm_eps > 0.0f)) return ConfigError(source, "'rms_norm_eps' must be > 0");
    if (const auto act = j.find("hidden_act");
        act != j.end() && !act->is_null() &&
        !(act->is_string() && act->get<std::string>() == "silu")) {
      return ConfigError(source, absl::StrCat("hidden_act ", act->dump(),
                                              " is not supported (only \"silu\": SwiGLU)"));
    }
    ATTN_RETURN_IF_ERROR(ReadRope(j, source, &a.rope_theta));
    ATTN_RETURN_IF_ERROR(CheckFullAttention(j, source));

    ModelSpec& spec = config->spec;
    spec.architecture = "qwen3";
    spec.hidden_size = a.hidden_size;
    spec.num_layers = a.num_layers;
    spec.num_heads = a.num_heads;
    spec.intermediate_size = a.intermediate_size;
    spec.max_positions = a.max_positions;
    spec.vocab_size = a.vocab_size;
    spec.type_vocab_size = 1;  // no token-type table: type 0 only
    spec.tokenizer_type_ids = false;
    spec.defaults.pooling = Pooling::kLastToken;  // Qwen3-Embedding's
    spec.defaults.normalize = true;
    spec.defaults.max_seq_length = a.max_positions;
    spec.compute_dtype = DType::kF32;
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }

  absl::StatusOr<std::shared_ptr<const Model>> Build(const FamilyConfig& config, ModelSpec spec,
                                                     WeightsReader& weights) const override {
    const auto* c = dynamic_cast<const Qwen3Config*>(&config);
    ATTN_CHECK_MSG(c != nullptr, "Qwen3's Build given another family's config");
    Qwen3Arch arch = c->arch;
    // The loader may have capped the length (spec.max_positions); the rotary table needs no more.
    arch.max_positions = std::min(arch.max_positions, spec.max_positions);
    ATTN_ASSIGN_OR_RETURN(std::unique_ptr<const Qwen3Model> model,
                          Qwen3Model::FromWeights(arch, weights, std::move(spec)));
    return std::shared_ptr<const Model>(std::move(model));
  }
};

}  // namespace

const ModelFamily& Qwen3Family() {
  static const Qwen3* const family = new Qwen3();
  return *family;
}

}  // namespace attnserve::core
