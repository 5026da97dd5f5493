#include "core/ops/layer_norm.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace attnserve::core {
namespace {

class LayerNormTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(LayerNormTest, MatchesDoublePrecisionReference) {
  const auto [rows, cols] = GetParam();
  std::mt19937 rng(rows * 1000 + cols);
  std::normal_distribution<float> dist(3.0f, 2.0f);  // non-zero mean: checks the two-pass form
  std::vector<float> x(static_cast<size_t>(rows * cols)), gamma(static_cast<size_t>(cols)),
      beta(static_cast<size_t>(cols));
  for (float& v : x) v = dist(rng);
  for (float& v : gamma) v = 1.0f + 0.1f * dist(rng);
  for (float& v : beta) v = 0.1f * dist(rng);
  const std::vector<float> in = x;
  LayerNormRows(x.data(), rows, cols, gamma.data(), beta.data(), 1e-12f);
  for (int r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int c = 0; c < cols; ++c) mean += in[static_cast<size_t>(r * cols + c)];
    mean /= cols;
    for (int c = 0; c < cols; ++c) {
      const double d = in[static_cast<size_t>(r * cols + c)] - mean;
      var += d * d;
    }
    var /= cols;
    for (int c = 0; c < cols; ++c) {
      const double ref = (in[static_cast<size_t>(r * cols + c)] - mean) / std::sqrt(var + 1e-12) *
                             gamma[static_cast<size_t>(c)] +
                         beta[static_cast<size_t>(c)];
      ASSERT_NEAR(x[static_cast<size_t>(r * cols + c)], ref, 2e-5) << "row " << r << " col " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LayerNormTest,
                         ::testing::Combine(::testing::Values(1, 3, 64),
                                            ::testing::Values(1, 7, 16, 64, 96, 100, 384, 768)));

TEST(LayerNormRowTest, ConstantRowGivesBeta) {
  std::vector<float> x(32, 5.0f), gamma(32, 2.0f), beta(32, 0.5f);
  LayerNormRow(x.data(), 32, gamma.data(), beta.data(), 1e-12f);
  for (float v : x) EXPECT_FLOAT_EQ(v, 0.5f);
}

}  // namespace
}  // namespace attnserve::core
