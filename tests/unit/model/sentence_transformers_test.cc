// sentence-transformers' Pooling (every mode, both config formats), Dense (their activations,
// with and without bias, chained) and Normalize against sentence-transformers itself: random
// small models saved with SentenceTransformer.save(), reference sentence embeddings in float64 —
// tests/testdata/sentence_transformers/generate_fixtures.py, which says how to regenerate them.
// Each directory goes through the normal loader; the defaults it reads (pooling, Dense,
// Normalize) are what a request without options gets.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/heads/embed_outputs.h"
#include "core/model/model_loader.h"
#include "tests/unit/model/reference_fixture.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Issue 17's bound on normalized pooled vectors; the unnormalized ones are of order 1 too.
constexpr float kTolerance = 2e-5f;

const fs::path kFixtures = fs::path(ATTNSERVE_TESTDATA_DIR) / "sentence_transformers";

struct StSequence {
  std::vector<int32_t> ids, type_ids;
  std::vector<float> sentence_embedding;
};

struct StFixture {
  const char* dir;
  Pooling pooling;
  bool normalize;
  int embedding_size;
};

void PrintTo(const StFixture& f, std::ostream* os) { *os << f.dir; }

class SentenceTransformersTest : public ::testing::TestWithParam<StFixture> {};

TEST_P(SentenceTransformersTest, DefaultOutputEqualsSentenceTransformersEncode) {
  const StFixture& f = GetParam();
  ModelSpec spec;
  std::unique_ptr<Session> session;
  ASSERT_NO_FATAL_FAILURE(LoadFixtureModel(kFixtures / f.dir, spec, session));
  EXPECT_EQ(spec.defaults.pooling, f.pooling);
  EXPECT_EQ(spec.defaults.normalize, f.normalize);
  EXPECT_EQ(spec.embedding_size(), f.embedding_size);
  const auto ref = ReadFixtureSequences<StSequence>(
      kFixtures / f.dir / "expected.safetensors",
      [](const SafetensorsFile& file, const std::string& p, StSequence& s) {
        s.sentence_embedding = ReadFixtureVector<float>(file, p + "sentence_embedding");
      });
  ASSERT_FALSE(ref.empty());
  // All sequences in one packed batch, as a request without options asks.
  PackedBatch batch;
  std::vector<OutputSpec> specs;
  for (const StSequence& s : ref) {
    batch.Add(s.ids, s.type_ids);
    specs.push_back({PoolingOptions{spec.defaults.pooling, spec.defaults.normalize, 0}, false});
  }
  std::vector<SequenceOutput> out;
  ASSERT_TRUE(EmbedBatch(*session, batch, specs, out).ok());
  ASSERT_EQ(out.size(), ref.size());
  float worst = 0.0f;
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_TRUE(out[i].status.ok()) << out[i].status;
    const float d = MaxAbsDiff(out[i].embedding, ref[i].sentence_embedding);
    EXPECT_LE(d, kTolerance) << "sequence " << i << " of length " << ref[i].ids.size();
    worst = std::max(worst, d);
  }
  std::cout << "[ measured ] " << f.dir << " sentence embedding max|diff| " << worst << "\n";

  // Matryoshka after the Dense layers: the first 5 values, renormalized.
  specs.assign(ref.size(), {PoolingOptions{spec.defaults.pooling, true, 5}, false});
  ASSERT_TRUE(EmbedBatch(*session, batch, specs, out).ok());
  std::vector<float> head(ref.back().sentence_embedding.begin(),
                          ref.back().sentence_embedding.begin() + 5);
  NormalizeL2(head);
  EXPECT_LE(MaxAbsDiff(out.back().embedding, head), kTolerance);
  // More dimensions than the (Dense) output has is refused.
  specs.assign(ref.size(), {PoolingOptions{spec.defaults.pooling, false, f.embedding_size + 1},
                            false});
  EXPECT_FALSE(EmbedBatch(*session, batch, specs, out).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Modules, SentenceTransformersTest,
    ::testing::Values(
        StFixture{"mean_dense_tanh_dense_identity_normalize", Pooling::kMean, true, 16},
        StFixture{"weightedmean_dense_relu", Pooling::kWeightedMean, false, 20},
        StFixture{"lasttoken_normalize", Pooling::kLastToken, true, 32},
        StFixture{"mean_sqrt_len_dense_gelu_nobias", Pooling::kMeanSqrtLen, false, 28},
        StFixture{"max_dense_sigmoid_normalize", Pooling::kMax, true, 12},
        StFixture{"cls_legacy_config", Pooling::kCls, false, 32}),
    [](const ::testing::TestParamInfo<StFixture>& p) { return std::string(p.param.dir); });

// A copy of a fixture directory to break (removed by the destructor).
class BrokenCopy {
 public:
  explicit BrokenCopy(const std::string& fixture)
      : dir_(fs::path(::testing::TempDir()) / ("attnserve_st_" + fixture)) {
    fs::remove_all(dir_);
    fs::copy(kFixtures / fixture, dir_, fs::copy_options::recursive);
  }
  ~BrokenCopy() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file, std::ios::trunc) << text;
  }

 private:
  fs::path dir_;
};

TEST(SentenceTransformersLoadTest, DenseWeightsOnlyInPytorchBinAreAClearError) {
  BrokenCopy c("weightedmean_dense_relu");
  fs::rename(c.dir() / "2_Dense" / "model.safetensors", c.dir() / "2_Dense" / "pytorch_model.bin");
  auto m = LoadModel(c.dir().string());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("2_Dense/model.safetensors does not exist (the Dense weights are in "
                        "pytorch_model.bin: only safetensors is read"));
}

TEST(SentenceTransformersLoadTest, DenseConfigErrorsNameTheFileAndTheKey) {
  {
    BrokenCopy c("weightedmean_dense_relu");
    c.Write("2_Dense/config.json",
            R"({"in_features": 32, "out_features": 20, "activation_function": "my.Swish"})");
    EXPECT_THAT(LoadModel(c.dir().string()).status().message(),
                HasSubstr("2_Dense/config.json: activation_function 'my.Swish' is not supported"));
  }
  {
    BrokenCopy c("weightedmean_dense_relu");
    c.Write("2_Dense/config.json", R"({"in_features": 30, "out_features": 20})");
    EXPECT_THAT(LoadModel(c.dir().string()).status().message(),
                HasSubstr("2_Dense/config.json: in_features is 30 but the vector it receives "
                          "has 32 values"));
  }
  {
    BrokenCopy c("weightedmean_dense_relu");
    c.Write("2_Dense/config.json", R"({"in_features": 32, "out_features": 21})");
    EXPECT_THAT(LoadModel(c.dir().string()).status().message(),
                HasSubstr("linear.weight"));
  }
}

TEST(SentenceTransformersLoadTest, PoolingConfigFormsAndErrors) {
  const auto defaults = [](const std::string& pooling_json) {
    return ReadEmbeddingDefaults(
        "/m", 128, [&](const fs::path& p) -> absl::StatusOr<absl::optional<std::string>> {
          if (p == fs::path("/m/1_Pooling/config.json")) return pooling_json;
          return absl::nullopt;
        });
  };
  auto d = defaults(R"({"embedding_dimension": 8, "pooling_mode": ["lasttoken"]})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->pooling, Pooling::kLastToken);
  d = defaults(R"({"pooling_mode_weightedmean_tokens": true})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->pooling, Pooling::kWeightedMean);
  EXPECT_THAT(defaults(R"({"pooling_mode": ["cls", "mean"]})").status().message(),
              HasSubstr("several pooling modes at once (cls, mean) are not supported"));
  EXPECT_THAT(defaults(R"({"pooling_mode": "median"})").status().message(),
              HasSubstr("/m/1_Pooling/config.json: pooling mode 'median' is not supported "
                        "(supported: cls, mean, max, mean_sqrt_len_tokens, weightedmean, "
                        "lasttoken)"));
}

TEST(SentenceTransformersLoadTest, ModulesAfterNormalizeOrDenseBeforePoolingAreRefused) {
  const auto modules = [](const std::string& modules_json) {
    return ReadEmbeddingDefaults(
        "/m", 128, [&](const fs::path& p) -> absl::StatusOr<absl::optional<std::string>> {
          if (p == fs::path("/m/modules.json")) return modules_json;
          return absl::nullopt;
        });
  };
  EXPECT_THAT(modules(R"([{"path": "", "type": "x.Transformer"}, {"path": "1", "type": "x.Pooling"},
                          {"path": "2", "type": "x.Normalize"}, {"path": "3", "type": "x.Dense"}])")
                  .status()
                  .message(),
              HasSubstr("module 'x.Dense' after Normalize is not supported"));
  EXPECT_THAT(modules(R"([{"path": "", "type": "x.Transformer"}, {"path": "2", "type": "x.Dense"}])")
                  .status()
                  .message(),
              HasSubstr("module type 'x.Dense' is not supported before Pooling"));
  auto ok = modules(R"([{"path": "", "type": "x.Transformer"}, {"path": "1_P", "type": "x.Pooling"},
                        {"path": "2_D", "type": "x.Dense"}, {"path": "3_D", "type": "x.Dense"}])");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->dense_modules, (std::vector<std::string>{"2_D", "3_D"}));
  EXPECT_FALSE(ok->normalize);
}

}  // namespace
}  // namespace attnserve::core
