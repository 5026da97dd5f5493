#include "core/layers/relative_position_bias.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/util/check.h"

namespace attnserve::core {

int RelativePositionBucket(int64_t relative_position, int num_buckets, int max_distance) {
  ATTN_CHECK(num_buckets >= 4 && num_buckets % 2 == 0 && max_distance > num_buckets / 4);
  const int half = num_buckets / 2;
  // n > 0: the key is before the query.
  const int64_t n = -relative_position;
  int bucket = n < 0 ? half : 0;
  const int64_t distance = std::llabs(n);
  const int max_exact = half / 2;
  if (distance < max_exact) return bucket + static_cast<int>(distance);
  // float32 throughout, as torch computes log(n.float() / max_exact) / log(max_distance /
  // max_exact) * (half - max_exact) on a float tensor (the python double divisor is rounded to
  // float), then truncates toward zero.
  const float ratio = static_cast<float>(distance) / static_cast<float>(max_exact);
  const auto log_range = static_cast<float>(
      std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  const float scaled = std::log(ratio) / log_range * static_cast<float>(half - max_exact);
  const int64_t large = max_exact + static_cast<int64_t>(scaled);
  return bucket + static_cast<int>(std::min<int64_t>(large, half - 1));
}

std::vector<float> RelativeBiasByDistance(const float* weights, int num_heads, int num_buckets,
                                          int max_distance, int64_t max_len) {
  ATTN_CHECK(max_len >= 1 && num_heads >= 1);
  const int64_t span = 2 * max_len - 1;
  std::vector<float> out(static_cast<size_t>(span * num_heads));
  for (int64_t d = -(max_len - 1); d <= max_len - 1; ++d) {
    const int bucket = RelativePositionBucket(d, num_buckets, max_distance);
    for (int h = 0; h < num_heads; ++h) {
      out[static_cast<size_t>(h * span + d + max_len - 1)] =
          weights[static_cast<size_t>(bucket) * static_cast<size_t>(num_heads) +
                  static_cast<size_t>(h)];
    }
  }
  return out;
}

}  // namespace attnserve::core
