#include "core/model/bert/bert_family.h"

#include "core/model/bert/bert_config.h"
#include "core/model/bert/bert_model.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

struct BertFamilyConfig final : FamilyConfig {
  BertConfig bert;
};

class Bert final : public ModelFamily {
 public:
  std::vector<std::string> model_types() const override { return {"bert"}; }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    auto config = std::make_unique<BertFamilyConfig>();
    ATTN_ASSIGN_OR_RETURN(config->bert, BertConfig::FromJson(json_text, source));
    config->spec = BertModel::SpecOf(config->bert);
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }

  absl::StatusOr<std::shared_ptr<const Model>> Build(const FamilyConfig& config, ModelSpec spec,
                                                     WeightsReader& weights) const override {
    const auto* bert = dynamic_cast<const BertFamilyConfig*>(&config);
    ATTN_CHECK_MSG(bert != nullptr, "BertFamily::Build given another family's config");
    ATTN_ASSIGN_OR_RETURN(std::unique_ptr<const BertModel> model,
                          BertModel::FromWeights(bert->bert, weights, std::move(spec)));
    return std::shared_ptr<const Model>(std::move(model));
  }
};

}  // namespace

const ModelFamily& BertFamily() {
  static const Bert* const family = new Bert();
  return *family;
}

}  // namespace attnserve::core
