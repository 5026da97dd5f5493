#include "core/ops/softmax.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace attnserve::core {
namespace {

TEST(ExpTest, RelativeErrorBelow3e7OverTheSoftmaxRange) {
  double worst = 0.0;
  for (float x = -87.0f; x <= 0.0f; x += 0.001f) {
    const double ref = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::abs(ExpNonPositive(x) - ref) / ref);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(ExpNonPositive(0.0f), 1.0f);
}

TEST(ExpTest, ClampsHugeNegativeInputsToATinyNormalNumber) {
  for (float x : {-88.0f, -1000.0f, -1e30f, -INFINITY}) {
    const float e = ExpNonPositive(x);
    EXPECT_GE(e, 0.0f);
    EXPECT_LT(e, 1e-37f);
    EXPECT_TRUE(e == 0.0f || std::isnormal(e)) << x;
  }
}

class SoftmaxTest : public ::testing::TestWithParam<int> {};

TEST_P(SoftmaxTest, MatchesDoublePrecisionReference) {
  const int n = GetParam();
  std::mt19937 rng(n);
  std::uniform_real_distribution<float> dist(-20.0f, 20.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  double max = x[0];
  for (float v : x) max = std::max<double>(max, v);
  std::vector<double> ref(x.size());
  double sum = 0.0;
  for (size_t i = 0; i < x.size(); ++i) sum += ref[i] = std::exp(x[i] - max);
  SoftmaxRow(x.data(), n);
  double total = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i], ref[i] / sum, 1e-6 * std::max(1.0, ref[i] / sum)) << "i=" << i;
    total += x[i];
  }
  EXPECT_NEAR(total, 1.0, 1e-5);
}

// Lengths around the 16-lane vector width exercise the body and the scalar tail.
INSTANTIATE_TEST_SUITE_P(Lengths, SoftmaxTest,
                         ::testing::Values(1, 2, 15, 16, 17, 31, 32, 33, 100, 128, 513));

TEST(SoftmaxRowTest, IsShiftInvariantAndHandlesEqualScores) {
  std::vector<float> a = {1000.0f, 1000.0f, 1000.0f, 1000.0f};
  SoftmaxRow(a.data(), 4);
  for (float v : a) EXPECT_FLOAT_EQ(v, 0.25f);
}

}  // namespace
}  // namespace attnserve::core
