#include "core/model/modernbert/modernbert_family.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/config_json.h"
#include "core/model/modernbert/modernbert_model.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

struct ModernBertConfig final : FamilyConfig {
  ModernBertArch arch;
};

// transformers 5's rope_parameters: {"full_attention": {...}, "sliding_attention": {...}}, each
// {"rope_type": "default", "rope_theta": ...}.
absl::Status ReadRopeParameters(const nlohmann::json& j, absl::string_view source,
                                ModernBertArch& a) {
  const auto it = j.find("rope_parameters");
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return ConfigError(source, "'rope_parameters' must be an object");
  for (const auto& [kind, theta] : {std::pair<const char*, double*>{"full_attention",
                                                                    &a.global_rope_theta},
                                    {"sliding_attention", &a.local_rope_theta}}) {
    const auto p = it->find(kind);
    if (p == it->end() || p->is_null()) continue;
    if (!p->is_object()) {
      return ConfigError(source, absl::StrCat("'rope_parameters.", kind, "' must be an object"));
    }
    if (const auto t = p->find("rope_type");
        t != p->end() && !(t->is_string() && t->get<std::string>() == "default")) {
      return ConfigError(source, absl::StrCat("rope_parameters.", kind, ".rope_type ", t->dump(),
                                              " is not supported (only \"default\")"));
    }
    ATTN_RETURN_IF_ERROR(ReadConfigTheta(*p, source, "rope_theta", theta));
  }
  return absl::OkStatus();
}

absl::Status ReadLayerKinds(const nlohmann::json& j, absl::string_view source,
                            ModernBertArch& a) {
  const auto types = j.find("layer_types");
  if (types != j.end() && !types->is_null()) {
    if (!types->is_array() || static_cast<int>(types->size()) != a.num_layers) {
      return ConfigError(source, absl::StrCat("'layer_types' must list num_hidden_layers (",
                                              a.num_layers, ") entries"));
    }
    a.local_layers.clear();
    for (const auto& t : *types) {
      const std::string s = t.is_string() ? t.get<std::string>() : t.dump();
      if (s != "full_attention" && s != "sliding_attention") {
        return ConfigError(source, absl::StrCat("layer_types entry '", s,
                                                "' is not supported (full_attention, "
                                                "sliding_attention)"));
      }
      a.local_layers.push_back(s == "sliding_attention");
    }
    return absl::OkStatus();
  }
  int every = 3;  // transformers' default
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "global_attn_every_n_layers", false, &every));
  ATTN_RETURN_IF_ERROR(CheckConfigRanges(source, {{"global_attn_every_n_layers", every, 1024}}));
  a.local_layers.clear();
  for (int i = 0; i < a.num_layers; ++i) a.local_layers.push_back(i % every != 0);
  return absl::OkStatus();
}

class ModernBert final : public ModelFamily {
 public:
  std::vector<std::string> model_types() const override { return {"modernbert"}; }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
    ATTN_RETURN_IF_ERROR(CheckConfigModelType(j, source, "modernbert"));
    if (const auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
      return ConfigError(source, "rope_scaling is not supported (only unscaled rotary)");
    }
    auto config = std::make_unique<ModernBertConfig>();
    ModernBertArch& a = config->arch;
    // transformers' ModernBertConfig defaults, where config.json omits a key.
    a.vocab_size = 50368;
    a.hidden_size = 768;
    a.intermediate_size = 1152;
    a.num_layers = 22;
    a.num_heads = 12;
    a.max_positions = 8192;
    int local_attention = 128;
    Activation activation = Activation::kGeluErf;
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "vocab_size", false, &a.vocab_size));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "hidden_size", false, &a.hidden_size));
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "intermediate_size", false, &a.intermediate_size));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "num_hidden_layers", false, &a.num_layers));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "num_attention_heads", false, &a.num_heads));
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "max_position_embeddings", false, &a.max_positions));
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "local_attention", false, &local_attention));
    ATTN_RETURN_IF_ERROR(ReadConfigActivation(j, source, "hidden_activation", &activation));
    ATTN_RETURN_IF_ERROR(ReadConfigFloat(j, source, "norm_eps", &a.norm_eps));
    ATTN_RETURN_IF_ERROR(ReadConfigBool(j, source, "norm_bias", &a.norm_bias));
    ATTN_RETURN_IF_ERROR(ReadConfigBool(j, source, "attention_bias", &a.attention_bias));
    ATTN_RETURN_IF_ERROR(ReadConfigBool(j, source, "mlp_bias", &a.mlp_bias));
    ATTN_RETURN_IF_ERROR(
        CheckConfigRanges(source, {{"vocab_size", a.vocab_size, 4'000'000},
                                   {"hidden_size", a.hidden_size, 16384},
                                   {"num_hidden_layers", a.num_layers, 256},
                                   {"num_attention_heads", a.num_heads, 1024},
                                   {"intermediate_size", a.intermediate_size, 65536},
                                   {"max_position_embeddings", a.max_positions, 65536},
                                   {"local_attention", local_attention, 65536}}));
    if (a.hidden_size % a.num_heads != 0 || (a.hidden_size / a.num_heads) % 2 != 0) {
      return ConfigError(source, absl::StrCat("num_attention_heads (", a.num_heads,
                                              ") must divide hidden_size (", a.hidden_size,
                                              ") into an even head size (rotary)"));
    }
    if (!(a.norm_eps > 0.0f)) return ConfigError(source, "'norm_eps' must be > 0");
    a.half_window = local_attention / 2;
    a.activation = ActivationPostOp(activation);
    ATTN_RETURN_IF_ERROR(ReadConfigTheta(j, source, "global_rope_theta", &a.global_rope_theta));
    ATTN_RETURN_IF_ERROR(ReadConfigTheta(j, source, "local_rope_theta", &a.local_rope_theta));
    ATTN_RETURN_IF_ERROR(ReadRopeParameters(j, source, a));
    ATTN_RETURN_IF_ERROR(ReadLayerKinds(j, source, a));

    ModelSpec& spec = config->spec;
    spec.architecture = "modernbert";
    spec.hidden_size = a.hidden_size;
    spec.num_layers = a.num_layers;
    spec.num_heads = a.num_heads;
    spec.intermediate_size = a.intermediate_size;
    spec.max_positions = a.max_positions;
    spec.vocab_size = a.vocab_size;
    spec.type_vocab_size = 1;  // no token-type table: type 0 only
    spec.tokenizer_type_ids = false;
    spec.defaults.max_seq_length = a.max_positions;
    spec.compute_dtype = DType::kF32;
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }

  absl::StatusOr<std::shared_ptr<const Model>> Build(const FamilyConfig& config, ModelSpec spec,
                                                     WeightsReader& weights) const override {
    const auto* c = dynamic_cast<const ModernBertConfig*>(&config);
    ATTN_CHECK_MSG(c != nullptr, "ModernBERT's Build given another family's config");
    ATTN_ASSIGN_OR_RETURN(std::unique_ptr<const ModernBertModel> model,
                          ModernBertModel::FromWeights(c->arch, weights, std::move(spec)));
    return std::shared_ptr<const Model>(std::move(model));
  }
};

}  // namespace

const ModelFamily& ModernBertFamily() {
  static const ModernBert* const family = new ModernBert();
  return *family;
}

}  // namespace attnserve::core
