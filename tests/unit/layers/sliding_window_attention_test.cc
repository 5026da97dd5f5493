#include "core/layers/sliding_window_attention.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/layers/rotary.h"

namespace attnserve::core {
namespace {

// softmax over |i - j| <= w of Q Kᵀ / sqrt(d), times V, per sequence and head, in double.
std::vector<double> NaiveWindowedAttention(const std::vector<float>& qkv,
                                           const std::vector<int64_t>& offsets, int heads, int d,
                                           int64_t w) {
  const int64_t hidden = static_cast<int64_t>(heads) * d;
  std::vector<double> ctx(static_cast<size_t>(offsets.back() * hidden), 0.0);
  auto at = [&](int64_t t, int64_t col) {
    return static_cast<double>(qkv[static_cast<size_t>(t * 3 * hidden + col)]);
  };
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    const int64_t b = offsets[s], len = offsets[s + 1] - b;
    for (int h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < len; ++i) {
        std::vector<double> p(static_cast<size_t>(len), 0.0);
        double max = -1e300, sum = 0;
        for (int64_t j = 0; j < len; ++j) {
          if (std::abs(i - j) > w) continue;
          double dot = 0;
          for (int k = 0; k < d; ++k) dot += at(b + i, h * d + k) * at(b + j, hidden + h * d + k);
          p[static_cast<size_t>(j)] = dot / std::sqrt(static_cast<double>(d));
          max = std::max(max, p[static_cast<size_t>(j)]);
        }
        for (int64_t j = 0; j < len; ++j) {
          if (std::abs(i - j) > w) continue;
          sum += (p[static_cast<size_t>(j)] = std::exp(p[static_cast<size_t>(j)] - max));
        }
        for (int k = 0; k < d; ++k) {
          double acc = 0;
          for (int64_t j = 0; j < len; ++j) {
            if (std::abs(i - j) > w) continue;
            acc += p[static_cast<size_t>(j)] / sum * at(b + j, 2 * hidden + h * d + k);
          }
          ctx[static_cast<size_t>((b + i) * hidden + h * d + k)] = acc;
        }
      }
    }
  }
  return ctx;
}

struct WindowCase {
  std::vector<int64_t> lengths;
  int heads, head_dim;
  int64_t half_window;
};

class SlidingWindowAttentionTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(SlidingWindowAttentionTest, MatchesNaiveWindowedAttention) {
  const WindowCase c = GetParam();
  std::vector<int64_t> offsets = {0};
  for (int64_t l : c.lengths) offsets.push_back(offsets.back() + l);
  const int64_t hidden = static_cast<int64_t>(c.heads) * c.head_dim;
  std::mt19937 rng(static_cast<unsigned>(offsets.back() + hidden + c.half_window));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> qkv(static_cast<size_t>(offsets.back() * 3 * hidden));
  for (float& v : qkv) v = dist(rng);
  std::vector<float> ctx(static_cast<size_t>(offsets.back() * hidden), -1.0f);
  AttentionScratch scratch;
  int64_t max_len = 0;
  for (int64_t l : c.lengths) max_len = std::max(max_len, l);
  scratch.Reserve(omp_get_max_threads(), max_len);
  SlidingWindowAttentionForward(qkv.data(), offsets, c.heads, c.head_dim, c.half_window,
                                ctx.data(), scratch);
  const std::vector<double> ref =
      NaiveWindowedAttention(qkv, offsets, c.heads, c.head_dim, c.half_window);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(ctx[i], ref[i], 2e-5) << "element " << i;
}

// Windows of 0 (a token sees itself only), narrower than a query block, as wide as one, and
// wider than every sequence (plain attention); sequences across several query blocks.
INSTANTIATE_TEST_SUITE_P(Batches, SlidingWindowAttentionTest,
                         ::testing::Values(WindowCase{{1, 7}, 1, 8, 0},
                                           WindowCase{{5, 40, 1}, 3, 20, 3},
                                           WindowCase{{150, 2, 64}, 2, 16, 4},
                                           WindowCase{{200, 65}, 4, 32, 64},
                                           WindowCase{{130, 9}, 2, 24, 1000}));

TEST(SlidingWindowPairsTest, CountsTheKeptPairs) {
  EXPECT_EQ(SlidingWindowPairs(1, 0), 1);
  EXPECT_EQ(SlidingWindowPairs(5, 0), 5);
  EXPECT_EQ(SlidingWindowPairs(5, 1), 5 + 4 + 4);
  EXPECT_EQ(SlidingWindowPairs(5, 100), 25);
}

TEST(RotaryTest, RotatesQueryAndKeyHalvesByPositionInTheSequence) {
  const int heads = 2, d = 6;
  const double theta = 50.0;
  const int64_t hidden = heads * d;
  const std::vector<int64_t> offsets = {0, 3, 8};
  RotaryTable table(d, theta, 8);
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> qkv(static_cast<size_t>(offsets.back() * 3 * hidden));
  for (float& v : qkv) v = dist(rng);
  const std::vector<float> before = qkv;
  ApplyRotaryToQueryKey(qkv.data(), offsets, heads, d, table);
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    for (int64_t t = offsets[s]; t < offsets[s + 1]; ++t) {
      const double p = static_cast<double>(t - offsets[s]);
      const float* in = before.data() + t * 3 * hidden;
      const float* out = qkv.data() + t * 3 * hidden;
      for (int h = 0; h < 2 * heads; ++h) {  // Q and K heads
        for (int i = 0; i < d / 2; ++i) {
          const double angle = p * std::pow(theta, -2.0 * i / d);
          const double a = in[h * d + i], b = in[h * d + i + d / 2];
          EXPECT_NEAR(out[h * d + i], a * std::cos(angle) - b * std::sin(angle), 1e-5);
          EXPECT_NEAR(out[h * d + i + d / 2], b * std::cos(angle) + a * std::sin(angle), 1e-5);
        }
      }
      for (int64_t c = 2 * hidden; c < 3 * hidden; ++c) EXPECT_EQ(out[c], in[c]);  // V
    }
  }
}

}  // namespace
}  // namespace attnserve::core
