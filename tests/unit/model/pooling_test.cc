#include "core/heads/pooling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace attnserve::core {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;

// 3 tokens x 4 dims.
const std::vector<float> kTokens = {1, -2, 3, 0,  //
                                    3, 2, -1, 4,  //
                                    -1, 6, 1, 2};

std::vector<float> Pool(Pooling p, bool normalize, int dims) {
  PoolingOptions o{p, normalize, dims};
  std::vector<float> out(static_cast<size_t>(PooledDims(o, 4)));
  PoolTokens(kTokens.data(), 3, 4, o, out);
  return out;
}

TEST(PoolingTest, ClsMeanMax) {
  EXPECT_THAT(Pool(Pooling::kCls, false, 0), ElementsAre(1, -2, 3, 0));
  EXPECT_THAT(Pool(Pooling::kMean, false, 0), Pointwise(FloatNear(1e-6), {1.0f, 2.0f, 1.0f, 2.0f}));
  EXPECT_THAT(Pool(Pooling::kMax, false, 0), ElementsAre(3, 6, 3, 4));
}

TEST(PoolingTest, MatryoshkaTruncatesBeforeNormalizing) {
  const std::vector<float> v = Pool(Pooling::kMean, true, 2);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NEAR(v[0], 1 / std::sqrt(5.0), 1e-7);
  EXPECT_NEAR(v[1], 2 / std::sqrt(5.0), 1e-7);
}

TEST(PoolingTest, NormalizingZeroVectorGivesZero) {
  const std::vector<float> zeros(8, 0.0f);
  PoolingOptions o{Pooling::kMean, true, 0};
  std::vector<float> out(4, 1.0f);
  PoolTokens(zeros.data(), 2, 4, o, out);
  EXPECT_THAT(out, ElementsAre(0, 0, 0, 0));
}

TEST(PoolingTest, ValidatesDimensions) {
  EXPECT_TRUE(ValidatePoolingOptions({Pooling::kCls, false, 4}, 4).ok());
  EXPECT_TRUE(ValidatePoolingOptions({Pooling::kCls, false, 0}, 4).ok());
  const absl::Status s = ValidatePoolingOptions({Pooling::kCls, false, 5}, 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("dimensions 5 is outside [0, 4]"));
  EXPECT_FALSE(ValidatePoolingOptions({Pooling::kCls, false, -1}, 4).ok());
}

}  // namespace
}  // namespace attnserve::core
