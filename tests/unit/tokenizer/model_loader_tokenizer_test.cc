// The tokenizer as the model loader provides it (LoadedModel::tokenizer).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/model/bert/demo_model.h"
#include "core/model/model_loader.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using ::testing::HasSubstr;

TEST(ModelLoaderTokenizerTest, DemoModelHasAnUncasedTokenizer) {
  auto t = LoadTokenizer("demo");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_NE(*t, nullptr);
  EXPECT_EQ((*t)->vocab_size(), DemoConfig().vocab_size);
  EXPECT_EQ((*t)->model_max_length(), DemoConfig().max_position_embeddings);
  auto e = (*t)->Encode("Hello", nullptr, {});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->ids.size(), 3u);
  EXPECT_EQ(e->ids[0], 101);
}

TEST(ModelLoaderTokenizerTest, DirectoryWithoutTokenizerHasNone) {
  auto t = LoadTokenizer(std::string(ATTNSERVE_TESTDATA_DIR) + "/encoder/h96_heads3");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, nullptr);
}

TEST(ModelLoaderTokenizerTest, MoreIdsThanTheEmbeddingTableIsAnError) {
  ModelSpec spec;
  spec.vocab_size = 30000;  // bert-base-uncased has 30522 ids
  auto t = LoadTokenizer((testing::TokenizersDir() / "bert-base-uncased").string(), &spec);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()),
              HasSubstr("has 30522 ids but config.json's vocab_size is 30000"));
  spec.vocab_size = 30522;
  t = LoadTokenizer((testing::TokenizersDir() / "bert-base-uncased").string(), &spec);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NE(*t, nullptr);
}

TEST(ModelLoaderTokenizerTest, BrokenTokenizerIsALoadError) {
  const auto dir = std::filesystem::temp_directory_path() / "attnserve_tok_broken";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "tokenizer.json") << R"({"model": {"type": "Bogus", "vocab": {}}})"; }
  auto t = LoadTokenizer(dir.string());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("tokenizer.json: model type 'Bogus'"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace attnserve::core
