#include "core/model/mpnet/mpnet_family.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/bert/bert_config.h"
#include "core/model/bert/bert_model.h"
#include "core/model/config_json.h"
#include "core/model/encoder_model.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// transformers' MPNetEmbeddings.padding_idx and MPNetEncoder.compute_position_bias's
// num_buckets and max_distance: constants of the architecture, not config keys.
constexpr int kPaddingIdx = 1;
constexpr int kBucketsUsed = 32;
constexpr int kMaxDistance = 128;

EncoderTensorNames MpnetTensorNames() {
  EncoderTensorNames n;
  n.prefixes = {"mpnet."};
  n.word_embeddings = "embeddings.word_embeddings";
  n.position_embeddings = "embeddings.position_embeddings";
  n.embeddings_norm = "embeddings.LayerNorm";
  n.layer = "encoder.layer.";
  n.query = "attention.attn.q";
  n.key = "attention.attn.k";
  n.value = "attention.attn.v";
  n.attention_output = "attention.attn.o";
  n.attention_norm = "attention.LayerNorm";
  n.ffn_in = "intermediate.dense";
  n.ffn_out = "output.dense";
  n.ffn_norm = "output.LayerNorm";
  n.relative_attention_bias = "encoder.relative_attention_bias";
  return n;
}

class Mpnet final : public EncoderFamily {
 public:
  std::vector<std::string> model_types() const override { return {"mpnet"}; }

  absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const override {
    ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
    // BERT's keys (MPNetConfig has the same, without type_vocab_size).
    ATTN_ASSIGN_OR_RETURN(BertConfig bert, BertConfig::FromJson(json_text, source, "mpnet"));
    int buckets = kBucketsUsed;  // MPNetConfig's default
    ATTN_RETURN_IF_ERROR(
        ReadConfigInt(j, source, "relative_attention_num_buckets", false, &buckets));
    ATTN_RETURN_IF_ERROR(
        CheckConfigRanges(source, {{"relative_attention_num_buckets", buckets, 65536}}));
    if (buckets < kBucketsUsed) {
      return ConfigError(source, absl::StrCat("relative_attention_num_buckets (", buckets,
                                              ") must be at least ", kBucketsUsed,
                                              ": MPNet looks its bias up in ", kBucketsUsed,
                                              " buckets"));
    }
    auto config = std::make_unique<EncoderFamilyConfig>();
    EncoderArch& a = config->arch;
    a = BertArch(bert);
    a.type_vocab_size = 0;  // no token-type table
    a.positions = PositionIds::kAfterPadding;
    a.padding_idx = kPaddingIdx;
    a.relative_bias_rows = buckets;
    a.relative_bias_buckets = kBucketsUsed;
    a.relative_bias_max_distance = kMaxDistance;
    if (a.max_tokens() <= 0) {
      return ConfigError(source,
                         absl::StrCat("max_position_embeddings (", bert.max_position_embeddings,
                                      ") leaves no position for a token: positions start at ",
                                      kPaddingIdx + 1));
    }
    config->names = MpnetTensorNames();
    config->spec = EncoderSpec(a, "mpnet");
    // MPNetTokenizer returns no token_type_ids; the model has no token types.
    config->spec.tokenizer_type_ids = false;
    return std::unique_ptr<FamilyConfig>(std::move(config));
  }
};

}  // namespace

const ModelFamily& MpnetFamily() {
  static const Mpnet* const family = new Mpnet();
  return *family;
}

}  // namespace attnserve::core
