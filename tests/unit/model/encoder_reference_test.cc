// The encoder against PyTorch: fixtures from tests/testdata/encoder/generate_fixtures.py
// (float64 torch.nn.TransformerEncoderLayer reference, cross-checked against Hugging Face's
// BertModel equations). Three configurations: hidden 96 / 3 heads / intermediate 200 with every
// length 1..max_position_embeddings; F16 weights under "bert." + gamma/beta names; BF16 weights
// with 8 heads of 16, tanh GELU and three token types.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "core/heads/embed_outputs.h"
#include "core/model/model_loader.h"
#include "core/model/safetensors.h"
#include "tests/unit/model/reference_fixture.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;

struct RefSequence {
  std::vector<int32_t> ids, type_ids;
  std::vector<float> hidden, cls, mean, max, mean_normalized, mean_dims16_normalized;
};

std::vector<RefSequence> ReadExpected(const fs::path& dir) {
  return ReadFixtureSequences<RefSequence>(
      dir / "expected.safetensors",
      [](const SafetensorsFile& f, const std::string& p, RefSequence& s) {
        s.hidden = ReadFixtureVector<float>(f, p + "last_hidden_state");
        s.cls = ReadFixtureVector<float>(f, p + "cls");
        s.mean = ReadFixtureVector<float>(f, p + "mean");
        s.max = ReadFixtureVector<float>(f, p + "max");
        s.mean_normalized = ReadFixtureVector<float>(f, p + "mean_normalized");
        s.mean_dims16_normalized = ReadFixtureVector<float>(f, p + "mean_dims16_normalized");
      });
}

class EncoderReferenceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const fs::path dir = fs::path(ATTNSERVE_TESTDATA_DIR) / "encoder" / GetParam();
    ASSERT_NO_FATAL_FAILURE(LoadFixtureModel(dir, spec_, encoder_));
    ref_ = ReadExpected(dir);
    ASSERT_FALSE(ref_.empty());
  }

  // Last hidden state of each sequence of `order`, run as one packed batch.
  std::vector<std::vector<float>> RunBatch(const std::vector<int>& order) {
    return ForwardPerSequence(*encoder_, PackFixtureSequences(ref_, order));
  }

  ModelSpec spec_;
  std::unique_ptr<Session> encoder_;
  std::vector<RefSequence> ref_;
};

TEST_P(EncoderReferenceTest, EachSequenceAloneMatchesPyTorch) {
  for (size_t i = 0; i < ref_.size(); ++i) {
    const auto out = RunBatch({static_cast<int>(i)});
    EXPECT_LE(MaxAbsDiff(out[0], ref_[i].hidden), 1e-4f)
        << "sequence " << i << " of length " << ref_[i].ids.size();
  }
}

TEST_P(EncoderReferenceTest, PooledAndNormalizedVectorsMatchPyTorch) {
  std::vector<int> all(ref_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  PackedBatch batch;
  std::vector<OutputSpec> specs;
  for (const Pooling p : {Pooling::kCls, Pooling::kMean, Pooling::kMax}) {
    for (const RefSequence& r : ref_) {
      batch.Add(r.ids, r.type_ids);
      specs.push_back({PoolingOptions{p, /*normalize=*/false, 0}, false});
    }
  }
  for (const RefSequence& r : ref_) {
    batch.Add(r.ids, r.type_ids);
    specs.push_back({PoolingOptions{Pooling::kMean, /*normalize=*/true, 0}, false});
    batch.Add(r.ids, r.type_ids);
    specs.push_back({PoolingOptions{Pooling::kMean, /*normalize=*/true, 16}, true});
  }
  std::vector<SequenceOutput> out;
  ASSERT_TRUE(EmbedBatch(*encoder_, batch, specs, out).ok());
  const size_t n = ref_.size();
  for (size_t i = 0; i < n; ++i) {
    EXPECT_LE(MaxAbsDiff(out[i].embedding, ref_[i].cls), 1e-4f) << "cls " << i;
    EXPECT_LE(MaxAbsDiff(out[n + i].embedding, ref_[i].mean), 1e-4f) << "mean " << i;
    EXPECT_LE(MaxAbsDiff(out[2 * n + i].embedding, ref_[i].max), 1e-4f) << "max " << i;
    EXPECT_LE(MaxAbsDiff(out[3 * n + 2 * i].embedding, ref_[i].mean_normalized), 1e-5f)
        << "mean normalized " << i;
    const SequenceOutput& m = out[3 * n + 2 * i + 1];
    EXPECT_LE(MaxAbsDiff(m.embedding, ref_[i].mean_dims16_normalized), 1e-5f)
        << "mean dims 16 normalized " << i;
    EXPECT_LE(MaxAbsDiff(m.token_embeddings, ref_[i].hidden), 1e-4f) << "token embeddings " << i;
    EXPECT_EQ(m.num_tokens, static_cast<int>(ref_[i].ids.size()));
    EXPECT_TRUE(out[i].token_embeddings.empty());
  }
}

TEST_P(EncoderReferenceTest, MixedBatchesGiveTheSameResultAsAlone) {
  std::vector<std::vector<float>> alone;
  for (size_t i = 0; i < ref_.size(); ++i) alone.push_back(RunBatch({static_cast<int>(i)})[0]);
  std::mt19937 rng(42);
  for (int trial = 0; trial < 6; ++trial) {
    // Random subsets in random order, with repeats: every position in a batch, next to every
    // other length.
    std::vector<int> order;
    const int n = 1 + static_cast<int>(rng() % (2 * ref_.size()));
    for (int k = 0; k < n; ++k) order.push_back(static_cast<int>(rng() % ref_.size()));
    const auto out = RunBatch(order);
    for (size_t k = 0; k < order.size(); ++k) {
      EXPECT_LE(MaxAbsDiff(out[k], alone[static_cast<size_t>(order[k])]), 1e-5f)
          << "trial " << trial << " position " << k << " sequence " << order[k];
      EXPECT_LE(MaxAbsDiff(out[k], ref_[static_cast<size_t>(order[k])].hidden), 1e-4f);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EncoderReferenceTest,
                         ::testing::Values("h96_heads3", "h64_heads4_f16", "h128_heads8_bf16"));

TEST(EncoderLongBatchTest, ChunkedBatchOverManyChunksMatchesAlone) {
  // More than kMaxChunkRows tokens: the dense layers run in several chunks.
  const fs::path dir = fs::path(ATTNSERVE_TESTDATA_DIR) / "encoder" / "h96_heads3";
  auto loaded = LoadModel(dir.string());
  ASSERT_TRUE(loaded.ok());
  auto enc = loaded->model->CreateSession();
  ASSERT_TRUE(enc.ok());
  const auto ref = ReadExpected(dir);
  PackedBatch big;
  for (int rep = 0; rep < 2; ++rep) {
    for (const RefSequence& r : ref) big.Add(r.ids, r.type_ids);  // 2 x 820 tokens
  }
  ASSERT_GT(big.num_tokens(), 1024);
  auto out = (*enc)->Forward(big);
  ASSERT_TRUE(out.ok());
  for (int s = 0; s < big.num_sequences(); ++s) {
    const RefSequence& r = ref[static_cast<size_t>(s) % ref.size()];
    std::span<const float> got(out->data() + big.begin(s) * 96,
                               static_cast<size_t>(big.length(s) * 96));
    EXPECT_LE(MaxAbsDiff(got, r.hidden), 1e-4f) << "sequence " << s;
  }
}

}  // namespace
}  // namespace attnserve::core
