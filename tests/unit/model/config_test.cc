#include "core/model/bert/bert_config.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/model/model_spec.h"

namespace attnserve::core {
namespace {

using ::testing::HasSubstr;

constexpr char kBase[] = R"({"model_type":"bert","vocab_size":100,"hidden_size":64,
  "num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":128,
  "max_position_embeddings":32,"type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu"})";

std::string With(const std::string& key, const std::string& value) {
  std::string s = kBase;
  const size_t k = s.find("\"" + key + "\"");
  if (k == std::string::npos) return s.substr(0, s.size() - 1) + ",\"" + key + "\":" + value + "}";
  const size_t colon = s.find(':', k);
  const size_t end = s.find_first_of(",}", colon);
  return s.substr(0, colon + 1) + value + s.substr(end);
}

TEST(BertConfigTest, ParsesHuggingFaceConfig) {
  auto c = BertConfig::FromJson(kBase, "config.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->hidden_size, 64);
  EXPECT_EQ(c->head_dim(), 16);
  EXPECT_EQ(c->hidden_act, Activation::kGeluErf);
}

TEST(BertConfigTest, HeadsNotDividingHidden) {
  auto c = BertConfig::FromJson(With("num_attention_heads", "5"), "dir/config.json");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              HasSubstr("dir/config.json: num_attention_heads (5) does not divide hidden_size (64)"));
}

TEST(BertConfigTest, ErrorsNameFileAndKey) {
  EXPECT_THAT(BertConfig::FromJson(R"({"hidden_size":64})", "c.json").status().message(),
              HasSubstr("c.json: missing required key 'vocab_size'"));
  EXPECT_THAT(BertConfig::FromJson(With("hidden_size", "\"64\""), "c.json").status().message(),
              HasSubstr("'hidden_size' must be an integer"));
  EXPECT_THAT(BertConfig::FromJson(With("hidden_size", "0"), "c.json").status().message(),
              HasSubstr("'hidden_size' must be in [1, 16384]; was 0"));
  EXPECT_THAT(BertConfig::FromJson(With("model_type", "\"roberta\""), "c.json").status().message(),
              HasSubstr("model_type \"roberta\" is not supported"));
  EXPECT_THAT(BertConfig::FromJson(With("hidden_act", "\"swish\""), "c.json").status().message(),
              HasSubstr("hidden_act 'swish' is not supported"));
  EXPECT_THAT(BertConfig::FromJson(With("position_embedding_type", "\"relative_key\""), "c.json")
                  .status()
                  .message(),
              HasSubstr("position_embedding_type \"relative_key\" is not supported"));
  EXPECT_THAT(BertConfig::FromJson("{", "c.json").status().message(), HasSubstr("not valid JSON"));
}

TEST(BertConfigTest, ActivationSpellings) {
  for (const char* act : {"\"gelu_new\"", "\"gelu_pytorch_tanh\"", "\"gelu_fast\""}) {
    auto c = BertConfig::FromJson(With("hidden_act", act), "c.json");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->hidden_act, Activation::kGeluTanh);
  }
  EXPECT_EQ(BertConfig::FromJson(With("hidden_act", "\"relu\""), "c.json")->hidden_act,
            Activation::kRelu);
}

TEST(PoolingTest, ParsesNames) {
  Pooling p = Pooling::kCls;
  EXPECT_TRUE(ParsePooling("max", &p));
  EXPECT_EQ(p, Pooling::kMax);
  // Any case on input (--pooling CLS), lowercase on output.
  EXPECT_TRUE(ParsePooling("MEAN", &p));
  EXPECT_EQ(p, Pooling::kMean);
  EXPECT_TRUE(ParsePooling("Cls", &p));
  EXPECT_EQ(p, Pooling::kCls);
  EXPECT_FALSE(ParsePooling("median", &p));
  EXPECT_FALSE(ParsePooling("", &p));
  EXPECT_EQ(PoolingName(Pooling::kMean), "mean");
  for (const Pooling q : {Pooling::kMeanSqrtLen, Pooling::kWeightedMean, Pooling::kLastToken}) {
    EXPECT_TRUE(ParsePooling(std::string(PoolingName(q)), &p)) << PoolingName(q);
    EXPECT_EQ(p, q);
  }
  EXPECT_EQ(PoolingName(Pooling::kLastToken), "last_token");
}

}  // namespace
}  // namespace attnserve::core
