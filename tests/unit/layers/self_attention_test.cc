#include "core/layers/self_attention.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace attnserve::core {
namespace {

// softmax(Q Kᵀ / sqrt(d) [+ bias]) V per sequence and head, in double.
std::vector<double> NaiveAttention(const std::vector<float>& qkv, const std::vector<int64_t>& offsets,
                                   int heads, int d, const RelativeScoreBias* bias = nullptr) {
  const int64_t hidden = static_cast<int64_t>(heads) * d;
  const int64_t tokens = offsets.back();
  std::vector<double> ctx(static_cast<size_t>(tokens * hidden), 0.0);
  auto at = [&](int64_t t, int64_t col) { return static_cast<double>(qkv[static_cast<size_t>(t * 3 * hidden + col)]); };
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    const int64_t b = offsets[s], len = offsets[s + 1] - b;
    for (int h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < len; ++i) {
        std::vector<double> p(static_cast<size_t>(len));
        double max = -1e300, sum = 0;
        for (int64_t j = 0; j < len; ++j) {
          double dot = 0;
          for (int k = 0; k < d; ++k) dot += at(b + i, h * d + k) * at(b + j, hidden + h * d + k);
          p[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(d));
          if (bias != nullptr) {
            p[static_cast<size_t>(j)] +=
                bias->by_distance[h * (2 * bias->max_len - 1) + (j - i) + bias->max_len - 1];
          }
          max = std::max(max, p[static_cast<size_t>(j)]);
        }
        for (double& v : p) sum += (v = std::exp(v - max));
        for (int k = 0; k < d; ++k) {
          double acc = 0;
          for (int64_t j = 0; j < len; ++j) acc += p[static_cast<size_t>(j)] / sum * at(b + j, 2 * hidden + h * d + k);
          ctx[static_cast<size_t>((b + i) * hidden + h * d + k)] = acc;
        }
      }
    }
  }
  return ctx;
}

struct AttentionCase {
  std::vector<int64_t> lengths;
  int heads, head_dim;
};

class SelfAttentionTest : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(SelfAttentionTest, MatchesNaiveAttentionPerSequence) {
  const AttentionCase c = GetParam();
  std::vector<int64_t> offsets = {0};
  for (int64_t l : c.lengths) offsets.push_back(offsets.back() + l);
  const int64_t hidden = static_cast<int64_t>(c.heads) * c.head_dim;
  std::mt19937 rng(static_cast<unsigned>(offsets.back() + hidden));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> qkv(static_cast<size_t>(offsets.back() * 3 * hidden));
  for (float& v : qkv) v = dist(rng);
  std::vector<float> ctx(static_cast<size_t>(offsets.back() * hidden), -1.0f);
  AttentionScratch scratch;
  int64_t max_len = 0;
  for (int64_t l : c.lengths) max_len = std::max(max_len, l);
  scratch.Reserve(omp_get_max_threads(), max_len);
  SelfAttentionForward(qkv.data(), offsets, c.heads, c.head_dim, ctx.data(), scratch);
  const std::vector<double> ref = NaiveAttention(qkv, offsets, c.heads, c.head_dim);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(ctx[i], ref[i], 2e-5) << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(Batches, SelfAttentionTest,
                         ::testing::Values(AttentionCase{{1}, 1, 8},
                                           AttentionCase{{5}, 3, 32},
                                           AttentionCase{{1, 17, 3, 64}, 4, 16},
                                           AttentionCase{{40, 1, 2, 33}, 12, 32},
                                           AttentionCase{{130}, 2, 64},
                                           // Longer than kAttentionRowBlock: several row blocks,
                                           // the last one short; beside sequences of one block.
                                           AttentionCase{{600, 3, 256, 257}, 2, 16}));

// A per-head bias by key-minus-query distance, large enough to reorder the attention weights.
TEST(SelfAttentionBiasTest, AddsTheHeadsBiasOfEachDistanceBeforeTheSoftmax) {
  const int heads = 3, d = 7;
  // 300 spans two row blocks (kAttentionRowBlock): the second block's rows must take their own
  // distances.
  const std::vector<int64_t> lengths = {1, 9, 20, 4, 300};
  const int64_t max_len = 320;  // longer than any sequence: only a slice of the table is used
  std::vector<int64_t> offsets = {0};
  for (int64_t l : lengths) offsets.push_back(offsets.back() + l);
  const int64_t hidden = static_cast<int64_t>(heads) * d;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> qkv(static_cast<size_t>(offsets.back() * 3 * hidden));
  for (float& v : qkv) v = dist(rng);
  std::vector<float> table(static_cast<size_t>(heads * (2 * max_len - 1)));
  for (float& v : table) v = 3.0f * dist(rng);
  const RelativeScoreBias bias{table.data(), max_len};
  AttentionScratch scratch;
  scratch.Reserve(omp_get_max_threads(), 300);
  std::vector<float> ctx(static_cast<size_t>(offsets.back() * hidden), -1.0f);
  SelfAttentionForward(qkv.data(), offsets, heads, d, ctx.data(), scratch, &bias);
  const std::vector<double> ref = NaiveAttention(qkv, offsets, heads, d, &bias);
  const std::vector<double> unbiased = NaiveAttention(qkv, offsets, heads, d);
  double moved = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_NEAR(ctx[i], ref[i], 2e-5) << "element " << i;
    moved = std::max(moved, std::abs(ref[i] - unbiased[i]));
  }
  EXPECT_GT(moved, 0.1);  // the bias matters: a test that ignored it would fail
}

}  // namespace
}  // namespace attnserve::core
