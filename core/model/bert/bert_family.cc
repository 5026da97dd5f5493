#include "core/model/bert/bert_family.h"

#include "core/model/bert/bert_config.h"
#include "core/model/bert/bert_model.h"
#include "core/model/encoder_model.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

class Bert final : public EncoderFamily {
 public:
  std::vector<std::string> model_types() const override { return {"bert"}; }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    ATTN_ASSIGN_OR_RETURN(const BertConfig bert, BertConfig::FromJson(json_text, source));
    auto config = std::make_unique<EncoderFamilyConfig>();
    config->arch = BertArch(bert);
    config->names = BertTensorNames();
    config->spec = BertSpec(bert);
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }
};

}  // namespace

const ModelFamily& BertFamily() {
  static const Bert* const family = new Bert();
  return *family;
}

}  // namespace attnserve::core
