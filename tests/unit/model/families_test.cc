// The families beside BERT, at their edges: how RoBERTa numbers positions, what each config
// refuses, how the loader reports a model_type no family serves, and what happens to type ids
// for families without token types. (Their numbers against transformers are in
// family_reference_test.cc.)
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/layers/embeddings.h"
#include "core/model/model_loader.h"
#include "core/model/registry.h"
#include "core/model/safetensors.h"
#include "core/model/validate.h"
#include "tests/unit/model/reference_fixture.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixtures = fs::path(ATTNSERVE_TESTDATA_DIR) / "families";

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

absl::StatusOr<std::unique_ptr<FamilyConfig>> Parse(const std::string& json) {
  auto type = ConfigModelType(json, "c.json");
  if (!type.ok()) return type.status();
  auto family = FindModelFamily(*type, "c.json");
  if (!family.ok()) return family.status();
  return (*family)->ParseConfig(json, "c.json");
}

TEST(PositionIdsTest, FromZeroRestartsAtEverySequence) {
  const std::vector<int32_t> ids = {5, 6, 7, 0, 8};
  const std::vector<int64_t> offsets = {0, 3, 5};
  std::vector<int32_t> pos;
  PositionIdsForward(ids, offsets, PositionIds::kFromZero, /*padding_idx=*/0, pos);
  EXPECT_EQ(pos, (std::vector<int32_t>{0, 1, 2, 0, 1}));
}

// transformers' create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + pad.
TEST(PositionIdsTest, AfterPaddingSkipsPadTokensInsideASequenceAsTransformersDoes) {
  const std::vector<int32_t> ids = {0, 9, 1, 9, 2, /*next*/ 0, 1, 1, 2};
  const std::vector<int64_t> offsets = {0, 5, 9};
  std::vector<int32_t> pos;
  PositionIdsForward(ids, offsets, PositionIds::kAfterPadding, /*padding_idx=*/1, pos);
  EXPECT_EQ(pos, (std::vector<int32_t>{2, 3, 1, 4, 5, 2, 1, 1, 3}));
}

TEST(RobertaFamilyTest, ServesItsThreeModelTypesWithFairseqLengthAndNoTokenizerTypeIds) {
  const std::string base = ReadText(kFixtures / "roberta_h48_heads2" / "config.json");
  for (const std::string type : {"roberta", "xlm-roberta", "camembert"}) {
    std::string json = base;
    json.replace(json.find("\"roberta\""), 9, "\"" + type + "\"");
    auto c = Parse(json);
    ASSERT_TRUE(c.ok()) << type << ": " << c.status();
    EXPECT_EQ((*c)->spec.architecture, type);
    EXPECT_EQ((*c)->spec.max_positions, 34 - 1 - 1);  // max_position_embeddings 34, pad 1
    EXPECT_EQ((*c)->spec.defaults.max_seq_length, 32);
    EXPECT_EQ((*c)->spec.type_vocab_size, 1);
    EXPECT_FALSE((*c)->spec.tokenizer_type_ids);
  }
}

TEST(RobertaFamilyTest, TableWithNoRoomAfterThePaddingIndexIsAConfigError) {
  const std::string json =
      R"({"model_type": "roberta", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
          "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 2,
          "pad_token_id": 1})";
  EXPECT_THAT(Parse(json).status().message(),
              HasSubstr("c.json: max_position_embeddings (2) leaves no position for a token"));
}

TEST(DistilBertFamilyTest, ReadsItsOwnKeysAndHasNoTokenTypes) {
  auto c = Parse(ReadText(kFixtures / "distilbert_h48_heads2" / "config.json"));
  ASSERT_TRUE(c.ok()) << c.status();
  const ModelSpec& spec = (*c)->spec;
  EXPECT_EQ(spec.architecture, "distilbert");
  EXPECT_EQ(spec.hidden_size, 48);
  EXPECT_EQ(spec.num_heads, 2);
  EXPECT_EQ(spec.num_layers, 3);
  EXPECT_EQ(spec.intermediate_size, 90);
  EXPECT_EQ(spec.max_positions, 32);
  EXPECT_FALSE(spec.tokenizer_type_ids);
  // A client's type ids: zeros are harmless, anything else is refused, saying why.
  const std::vector<int32_t> ids = {5, 6, 7};
  EXPECT_TRUE(ValidateSequence(spec, ids, std::vector<int32_t>{0, 0, 0}).ok());
  EXPECT_THAT(ValidateSequence(spec, ids, std::vector<int32_t>{0, 1, 1}).message(),
              HasSubstr("has type id 1 at position 1; the model has no token types (type ids "
                        "must be 0 or omitted)"));
}

TEST(DistilBertFamilyTest, RefusesSinusoidalPositionsAndBadSizesNamingTheKey) {
  std::string json = ReadText(kFixtures / "distilbert_h48_heads2" / "config.json");
  std::string sinusoidal = json;
  sinusoidal.replace(sinusoidal.find("\"sinusoidal_pos_embds\": false"), 29,
                     "\"sinusoidal_pos_embds\": true");
  EXPECT_THAT(Parse(sinusoidal).status().message(),
              HasSubstr("c.json: sinusoidal_pos_embds=true is not supported"));
  std::string heads = json;
  heads.replace(heads.find("\"n_heads\": 2"), 12, "\"n_heads\": 5");
  EXPECT_THAT(Parse(heads).status().message(),
              HasSubstr("c.json: n_heads (5) does not divide dim (48)"));
  std::string act = json;
  act.replace(act.find("\"activation\": \"gelu\""), 20, "\"activation\": \"swish\"");
  EXPECT_THAT(Parse(act).status().message(), HasSubstr("activation 'swish' is not supported"));
}

TEST(MpnetFamilyTest, PositionsAfterPaddingIndexOneNoTokenTypesAndItsBucketKey) {
  const std::string json = ReadText(kFixtures / "mpnet_h60_heads4" / "config.json");
  auto c = Parse(json);
  ASSERT_TRUE(c.ok()) << c.status();
  const ModelSpec& spec = (*c)->spec;
  EXPECT_EQ(spec.architecture, "mpnet");
  EXPECT_EQ(spec.hidden_size, 60);
  EXPECT_EQ(spec.num_heads, 4);
  EXPECT_EQ(spec.max_positions, 150 - 2);  // MPNetEmbeddings.padding_idx is 1
  EXPECT_EQ(spec.type_vocab_size, 1);
  EXPECT_FALSE(spec.tokenizer_type_ids);
  EXPECT_THAT(ValidateSequence(spec, std::vector<int32_t>{5, 6}, std::vector<int32_t>{0, 1})
                  .message(),
              HasSubstr("the model has no token types"));
  // Whatever pad_token_id says, positions start after index 1, as in transformers.
  std::string pad = json;
  const std::string pad_key = "\"pad_token_id\": ";
  pad.replace(pad.find(pad_key + "1"), pad_key.size() + 1, pad_key + "3");
  auto c3 = Parse(pad);
  ASSERT_TRUE(c3.ok()) << c3.status();
  EXPECT_EQ((*c3)->spec.max_positions, 150 - 2);
  // The bias is looked up in 32 buckets: a smaller table is refused, naming the key.
  std::string buckets = json;
  const std::string key = "\"relative_attention_num_buckets\": ";
  buckets.replace(buckets.find(key + "32"), key.size() + 2, key + "16");
  EXPECT_THAT(Parse(buckets).status().message(),
              HasSubstr("c.json: relative_attention_num_buckets (16) must be at least 32"));
}

TEST(MpnetFamilyTest, MissingRelativeAttentionBiasNamesTheTensor) {
  const fs::path dir = kFixtures / "mpnet_h60_heads4";
  auto family = FindModelFamily("mpnet", "c.json");
  ASSERT_TRUE(family.ok());
  auto c = (*family)->ParseConfig(ReadText(dir / "config.json"), "c.json");
  ASSERT_TRUE(c.ok()) << c.status();
  auto file = SafetensorsFile::Open((dir / "model.safetensors").string());
  ASSERT_TRUE(file.ok()) << file.status();
  // Every tensor of the checkpoint but the bias table.
  InMemoryWeightsReader weights("mem");
  for (const StTensor& t : (*file)->tensors()) {
    if (t.name.find("relative_attention_bias") != std::string::npos) continue;
    ASSERT_EQ(t.dtype, StDType::kF32);
    std::vector<float> v((t.end - t.begin) / sizeof(float));
    std::memcpy(v.data(), t.data, t.end - t.begin);
    weights.Add(t.name, t.shape, std::move(v));
  }
  auto m = (*family)->Build(**c, (*c)->spec, weights);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("mem: missing tensor 'encoder.relative_attention_bias.weight'"));
}

// The loader fails at startup (LoadModel is what `serve` calls before listening) and the message
// lists every model_type that is served.
TEST(ModelLoaderFamilyTest, UnsupportedModelTypeIsALoadErrorListingTheSupportedOnes) {
  const fs::path dir = fs::path(::testing::TempDir()) / "attnserve_unsupported_model_type";
  fs::remove_all(dir);
  fs::copy(kFixtures / "roberta_h48_heads2", dir);
  std::string json = ReadText(dir / "config.json");
  json.replace(json.find("\"roberta\""), 9, "\"funnel\"");
  std::ofstream(dir / "config.json", std::ios::trunc) << json;
  auto m = LoadModel(dir.string());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(),
              HasSubstr((dir / "config.json").string() +
                        ": model_type \"funnel\" is not supported (supported: bert, camembert, "
                        "distilbert, modernbert, mpnet, qwen3, roberta, xlm-roberta)"));
  fs::remove_all(dir);
}

TEST(ModelLoaderFamilyTest, PrefixedCheckpointWithoutATensorNamesItAndTheSpellingsTried) {
  const fs::path dir = fs::path(ATTNSERVE_TESTDATA_DIR) / "families" / "roberta_h48_heads2";
  auto family = FindModelFamily("roberta", "c.json");
  ASSERT_TRUE(family.ok());
  auto c = (*family)->ParseConfig(ReadText(dir / "config.json"), "c.json");
  ASSERT_TRUE(c.ok());
  InMemoryWeightsReader empty("mem");
  auto m = (*family)->Build(**c, (*c)->spec, empty);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("mem: missing tensor 'embeddings.word_embeddings.weight' (looked for "
                        "'embeddings.word_embeddings.weight', "
                        "'roberta.embeddings.word_embeddings.weight')"));
}

// The Hub's ModernBERT checkpoints (gte-modernbert, modernbert-embed) predate transformers 5's
// layer_types / rope_parameters and say global_attn_every_n_layers, global_rope_theta and
// local_rope_theta instead: the same fixture written that way gives transformers' numbers too,
// and a wrong local theta does not (the key is read, not defaulted).
TEST(ModernBertFamilyTest, HubStyleConfigKeysGiveTheSameModel) {
  const fs::path dir = kFixtures / "modernbert_prefixed_h60_heads3_w7_bias";
  nlohmann::json j = nlohmann::json::parse(ReadText(dir / "config.json"));
  ASSERT_TRUE(j.contains("layer_types") && j.contains("rope_parameters"));
  j.erase("layer_types");
  j.erase("rope_parameters");
  j["global_attn_every_n_layers"] = 2;
  j["global_rope_theta"] = 1000.0;
  j["local_rope_theta"] = 100.0;
  struct Seq {
    std::vector<int32_t> ids, type_ids;
    std::vector<float> alone;
  };
  const auto ref = ReadFixtureSequences<Seq>(
      dir / "expected.safetensors", [](const SafetensorsFile& f, const std::string& p, Seq& s) {
        s.alone = ReadFixtureVector<float>(f, p + "alone_hidden_state");
      });
  ASSERT_FALSE(ref.empty());
  auto worst_diff = [&](const nlohmann::json& config) {
    auto c = Parse(config.dump());
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return INFINITY;
    EXPECT_EQ((*c)->spec.architecture, "modernbert");
    EXPECT_EQ((*c)->spec.max_positions, 32);
    EXPECT_FALSE((*c)->spec.tokenizer_type_ids);
    auto file = SafetensorsFile::Open((dir / "model.safetensors").string());
    EXPECT_TRUE(file.ok()) << file.status();
    if (!file.ok()) return INFINITY;
    SafetensorsWeightsReader weights(std::move(*file));
    auto family = FindModelFamily("modernbert", "c.json");
    auto model = (*family)->Build(**c, (*c)->spec, weights);
    EXPECT_TRUE(model.ok()) << model.status();
    if (!model.ok()) return INFINITY;
    auto session = (*model)->CreateSession();
    EXPECT_TRUE(session.ok()) << session.status();
    if (!session.ok()) return INFINITY;
    float worst = 0.0f;
    for (size_t i = 0; i < ref.size(); ++i) {
      const auto out =
          ForwardPerSequence(**session, PackFixtureSequences(ref, {static_cast<int>(i)}));
      if (out.size() != 1) return INFINITY;
      worst = std::max(worst, MaxAbsDiff(out[0], ref[i].alone));
    }
    return worst;
  };
  EXPECT_LE(worst_diff(j), 1e-4f);
  j["local_rope_theta"] = 10000.0;
  EXPECT_GT(worst_diff(j), 1e-3f);
}

TEST(ModernBertFamilyTest, RefusesScaledRotaryOddHeadSizesAndBadLayerTypesNamingTheKey) {
  const nlohmann::json base =
      nlohmann::json::parse(ReadText(kFixtures / "modernbert_h48_heads2_w8" / "config.json"));
  ASSERT_TRUE(Parse(base.dump()).ok());
  nlohmann::json j = base;
  j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.0}};
  EXPECT_THAT(Parse(j.dump()).status().message(),
              HasSubstr("c.json: rope_scaling is not supported"));
  j = base;
  j["rope_parameters"]["sliding_attention"]["rope_type"] = "yarn";
  EXPECT_THAT(Parse(j.dump()).status().message(),
              HasSubstr("rope_parameters.sliding_attention.rope_type \"yarn\" is not supported"));
  j = base;
  j["num_attention_heads"] = 16;  // head size 3
  EXPECT_THAT(Parse(j.dump()).status().message(),
              HasSubstr("num_attention_heads (16) must divide hidden_size (48) into an even head "
                        "size"));
  j = base;
  j["layer_types"] = {"full_attention", "sliding_attention"};
  EXPECT_THAT(Parse(j.dump()).status().message(),
              HasSubstr("'layer_types' must list num_hidden_layers (4) entries"));
  j = base;
  j["layer_types"][1] = "chunked_attention";
  EXPECT_THAT(Parse(j.dump()).status().message(),
              HasSubstr("layer_types entry 'chunked_attention' is not supported"));
  j = base;
  j["norm_bias"] = "no";
  EXPECT_THAT(Parse(j.dump()).status().message(), HasSubstr("'norm_bias' must be true or false"));
}

}  // namespace
}  // namespace attnserve::core
