// RelativePositionBucket against transformers' own MPNetEncoder.relative_position_bucket (the
// table generate_fixtures.py records in the MPNet fixture, distances -600 .. 600: past all-mpnet's
// 512 tokens), and RelativeBiasByDistance's layout.
#include "core/layers/relative_position_bias.h"

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "core/model/safetensors.h"
#include "tests/unit/model/reference_fixture.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;

TEST(RelativePositionBucketTest, EqualsTransformersBucketsForEveryDistance) {
  const fs::path path =
      fs::path(ATTNSERVE_TESTDATA_DIR) / "families" / "mpnet_h60_heads4" / "expected.safetensors";
  auto f = SafetensorsFile::Open(path.string());
  ASSERT_TRUE(f.ok()) << f.status();
  const auto distance = ReadFixtureVector<int32_t>(**f, "relative_position_bucket.distance");
  const auto bucket = ReadFixtureVector<int32_t>(**f, "relative_position_bucket.bucket");
  ASSERT_EQ(distance.size(), bucket.size());
  ASSERT_EQ(distance.size(), 1201u);
  for (size_t i = 0; i < distance.size(); ++i) {
    EXPECT_EQ(RelativePositionBucket(distance[i], /*num_buckets=*/32, /*max_distance=*/128),
              bucket[i])
        << "distance " << distance[i];
  }
}

TEST(RelativeBiasByDistanceTest, LaysOutEachHeadsBiasByDistance) {
  const int heads = 2, buckets = 32;
  std::vector<float> weights(static_cast<size_t>(buckets * heads));
  for (int b = 0; b < buckets; ++b) {
    for (int h = 0; h < heads; ++h) weights[static_cast<size_t>(b * heads + h)] = 100.0f * h + b;
  }
  const int64_t max_len = 5;
  const std::vector<float> t = RelativeBiasByDistance(weights.data(), heads, buckets, 128, max_len);
  ASSERT_EQ(t.size(), static_cast<size_t>(heads * (2 * max_len - 1)));
  for (int h = 0; h < heads; ++h) {
    for (int64_t d = -(max_len - 1); d <= max_len - 1; ++d) {
      EXPECT_EQ(t[static_cast<size_t>(h * (2 * max_len - 1) + d + max_len - 1)],
                100.0f * h + static_cast<float>(RelativePositionBucket(d, buckets, 128)));
    }
  }
  // Distance 0 is bucket 0; a key one after the query (distance +1) is in the other half.
  EXPECT_EQ(RelativePositionBucket(0, buckets, 128), 0);
  EXPECT_EQ(RelativePositionBucket(-1, buckets, 128), 1);
  EXPECT_EQ(RelativePositionBucket(1, buckets, 128), 17);
}

}  // namespace
}  // namespace attnserve::core
