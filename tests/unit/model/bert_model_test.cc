#include "core/model/bert/bert_model.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/heads/embed_outputs.h"
#include "core/model/bert/demo_model.h"
#include "core/model/registry.h"
#include "core/model/validate.h"

namespace attnserve::core {
namespace {

using ::testing::HasSubstr;

BertConfig SmallConfig() {
  BertConfig c = DemoConfig();
  c.vocab_size = 50;
  c.hidden_size = 32;
  c.num_attention_heads = 2;
  c.intermediate_size = 40;
  c.num_hidden_layers = 2;
  c.max_position_embeddings = 16;
  return c;
}

// Copies `src` into a new reader, renaming (or dropping, when `rename` returns "") each tensor.
template <typename Fn>
std::unique_ptr<InMemoryWeightsReader> Copy(WeightsReader& src, Fn rename) {
  auto out = std::make_unique<InMemoryWeightsReader>("copy");
  for (const std::string& name : src.Names()) {
    const std::string n = rename(name);
    if (n.empty()) continue;
    auto t = src.Read(name, *src.Shape(name));
    EXPECT_TRUE(t.ok());
    out->Add(n, t->shape(), std::vector<float>(t->data(), t->data() + t->size()));
  }
  return out;
}

std::vector<float> Encode(std::shared_ptr<const EncoderModel> model) {
  auto enc = model->CreateSession();
  EXPECT_TRUE(enc.ok());
  PackedBatch batch;
  batch.Add(std::vector<int32_t>{1, 5, 9, 2});
  auto out = (*enc)->Forward(batch);
  EXPECT_TRUE(out.ok());
  return std::vector<float>(out->begin(), out->end());
}

TEST(BertModelTest, AcceptsBertPrefixLegacyLayerNormNamesAndIgnoresExtras) {
  const BertConfig c = SmallConfig();
  auto plain = MakeDemoWeights(c, /*seed=*/7);
  auto renamed = Copy(*plain, [](std::string n) {
    if (n.ends_with("LayerNorm.weight")) n = n.substr(0, n.size() - 6) + "gamma";
    if (n.ends_with("LayerNorm.bias")) n = n.substr(0, n.size() - 4) + "beta";
    return "bert." + n;
  });
  renamed->Add("bert.pooler.dense.weight", {32, 32}, std::vector<float>(32 * 32, 0.5f));
  renamed->Add("bert.embeddings.position_ids", {1, 16}, std::vector<float>(16, 0.0f));
  renamed->Add("cls.predictions.bias", {50}, std::vector<float>(50, 0.0f));
  auto a = LoadBertModel(c, *plain);
  auto b = LoadBertModel(c, *renamed);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(Encode(std::move(*a)), Encode(std::move(*b)));
}

TEST(BertModelTest, MissingTensorIsNamed) {
  const BertConfig c = SmallConfig();
  auto plain = MakeDemoWeights(c);
  auto missing = Copy(*plain, [](const std::string& n) {
    return n == "encoder.layer.1.intermediate.dense.bias" ? "" : n;
  });
  auto m = LoadBertModel(c, *missing);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(),
              HasSubstr("missing tensor 'encoder.layer.1.intermediate.dense.bias'"));
}

TEST(BertModelTest, WrongShapeIsNamed) {
  BertConfig c = SmallConfig();
  auto weights = MakeDemoWeights(c);
  c.intermediate_size = 48;  // the checkpoint has 40
  auto m = LoadBertModel(c, *weights);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("tensor 'encoder.layer.0.intermediate.dense.weight' has shape [40, 32], "
                        "expected [48, 32]"));
}

TEST(BertModelTest, InvalidConfigIsRejectedBeforeReading) {
  BertConfig c = SmallConfig();
  c.num_attention_heads = 3;
  auto weights = MakeDemoWeights(SmallConfig());
  EXPECT_THAT(LoadBertModel(c, *weights).status().message(),
              HasSubstr("does not divide hidden_size"));
}

// Sequences are validated once, against the model's spec, before they are queued (the request
// layer, the offline commands); the forward pass trusts them (checked in debug builds only).
TEST(BertSessionTest, ItsSpecRejectsBadSequencesWithPosition) {
  auto weights = MakeDemoWeights(SmallConfig());
  auto model = LoadBertModel(SmallConfig(), *weights);
  ASSERT_TRUE(model.ok());
  const ModelSpec& spec = (*model)->spec();
  std::shared_ptr<const EncoderModel> shared = std::move(*model);
  auto enc = shared->CreateSession();
  ASSERT_TRUE(enc.ok());
  PackedBatch batch;
  batch.Add(std::vector<int32_t>{1, 2});
  batch.Add(std::vector<int32_t>{1, 50, 2});
  EXPECT_THAT(ValidateBatch(spec, batch).message(),
              HasSubstr("sequence 1 has token id 50 at position 1 outside the vocabulary [0, 50)"));
  batch.Clear();
  batch.Add(std::vector<int32_t>{1, 2}, std::vector<int32_t>{0, 2});
  EXPECT_THAT(ValidateBatch(spec, batch).message(),
              HasSubstr("sequence 0 has type id 2 at position 1 outside [0, 2)"));
  batch.Clear();
  batch.Add(std::vector<int32_t>(17, 1));
  EXPECT_THAT(ValidateBatch(spec, batch).message(),
              HasSubstr("sequence 0 has 17 tokens; the model accepts at most 16"));
  batch.Clear();
  batch.Add(std::vector<int32_t>{});
  EXPECT_THAT(ValidateBatch(spec, batch).message(), HasSubstr("sequence 0 has no tokens"));
  batch.Clear();
  EXPECT_THAT(ValidateBatch(spec, batch).message(), HasSubstr("empty"));
  EXPECT_THAT((*enc)->Forward(batch).status().message(), HasSubstr("empty"));
  // A good batch passes and runs.
  batch.Add(std::vector<int32_t>(16, 3));
  EXPECT_TRUE(ValidateBatch(spec, batch).ok());
  EXPECT_TRUE((*enc)->Forward(batch).ok());
}

TEST(BertFamilyTest, ConfigJsonGivesTheSpecAndTheModelReportsIt) {
  auto family = FindModelFamily("bert", "config.json");
  ASSERT_TRUE(family.ok()) << family.status();
  auto config = (*family)->ParseConfig(DemoConfigJson(), "config.json");
  ASSERT_TRUE(config.ok()) << config.status();
  const ModelSpec& arch = (*config)->spec;
  EXPECT_EQ(arch.architecture, "bert");
  EXPECT_EQ(arch.hidden_size, DemoConfig().hidden_size);
  EXPECT_EQ(arch.num_layers, DemoConfig().num_hidden_layers);
  EXPECT_EQ(arch.num_heads, DemoConfig().num_attention_heads);
  EXPECT_EQ(arch.max_positions, DemoConfig().max_position_embeddings);
  EXPECT_EQ(arch.vocab_size, DemoConfig().vocab_size);
  EXPECT_EQ(arch.type_vocab_size, 2);
  EXPECT_EQ(arch.compute_dtype, DType::kF32);
  ModelSpec spec = arch;
  spec.defaults.pooling = Pooling::kCls;
  spec.weights_dtype = "fp32";
  auto weights = MakeDemoWeights(DemoConfig());
  auto model = (*family)->Build(**config, spec, *weights);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->spec().defaults.pooling, Pooling::kCls);
  EXPECT_EQ((*model)->spec().weights_dtype, "fp32");
  auto session = (*model)->CreateSession();
  ASSERT_TRUE(session.ok()) << session.status();
  PackedBatch batch;
  batch.Add(std::vector<int32_t>{101, 7, 102});
  auto out = (*session)->Forward(batch);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->size(), 3u * static_cast<size_t>(arch.hidden_size));
  EXPECT_GT((*model)->ForwardFlops(batch), 0.0);
}

TEST(BertModelTest, NonFiniteWeightIsALoadErrorNamingTheTensor) {
  auto weights = MakeDemoWeights(SmallConfig());
  std::vector<float> bias(32, 0.0f);
  bias[5] = std::nanf("");
  weights->Add("encoder.layer.1.output.dense.bias", {32}, bias);
  auto m = LoadBertModel(SmallConfig(), *weights);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("tensor 'encoder.layer.1.output.dense.bias' holds nan at element 5"));
}

// Finite weights can still overflow: such an output is an error for that input, never a vector.
TEST(EmbedBatchTest, NonFiniteOutputIsAnErrorNotAnEmbedding) {
  auto weights = MakeDemoWeights(SmallConfig());
  weights->Add("encoder.layer.1.output.LayerNorm.weight", {32}, std::vector<float>(32, 3e38f));
  auto model = LoadBertModel(SmallConfig(), *weights);
  ASSERT_TRUE(model.ok()) << model.status();
  std::shared_ptr<const EncoderModel> shared = std::move(*model);
  auto enc = shared->CreateSession();
  ASSERT_TRUE(enc.ok());
  PackedBatch batch;
  batch.Add(std::vector<int32_t>{1, 2, 3});
  const OutputSpec spec;
  std::vector<SequenceOutput> out;
  ASSERT_TRUE(EmbedBatch(**enc, batch, std::span<const OutputSpec>(&spec, 1), out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(out[0].status.message(), HasSubstr("non-finite"));
}

TEST(ModelRegistryTest, UnknownModelTypeListsTheSupportedOnes) {
  auto family = FindModelFamily("gpt2", "/m/config.json");
  ASSERT_FALSE(family.ok());
  EXPECT_THAT(family.status().message(),
              HasSubstr("/m/config.json: model_type \"gpt2\" is not supported (supported: bert, "
                        "camembert, distilbert, modernbert, mpnet, qwen3, roberta, xlm-roberta)"));
  EXPECT_THAT(SupportedModelTypes(),
              ::testing::ElementsAre("bert", "camembert", "distilbert", "modernbert", "mpnet",
                                     "qwen3", "roberta", "xlm-roberta"));
}

}  // namespace
}  // namespace attnserve::core
