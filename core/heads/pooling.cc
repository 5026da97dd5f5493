#include "core/heads/pooling.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

#include "core/util/check.h"

namespace attnserve::core {

absl::Status ValidatePoolingOptions(const PoolingOptions& options, int hidden) {
  if (options.dimensions < 0 || options.dimensions > hidden) {
    return absl::InvalidArgumentError(absl::StrCat("dimensions ", options.dimensions,
                                                   " is outside [0, ", hidden,
                                                   "] (0 keeps the model's ", hidden, ")"));
  }
  return absl::OkStatus();
}

int PooledDims(const PoolingOptions& options, int hidden) {
  return options.dimensions > 0 ? options.dimensions : hidden;
}

void PoolTokens(const float* tokens, int64_t rows, int hidden, const PoolingOptions& options,
                std::span<float> out) {
  ATTN_CHECK(rows >= 1);
  const int dims = PooledDims(options, hidden);
  ATTN_CHECK(static_cast<int>(out.size()) == dims);
  // Only the kept dimensions are pooled: every pooling mode is per dimension.
  switch (options.pooling) {
    case Pooling::kCls:
      std::copy(tokens, tokens + dims, out.begin());
      break;
    case Pooling::kMean: {
      std::fill(out.begin(), out.end(), 0.0f);
      for (int64_t r = 0; r < rows; ++r) {
        const float* row = tokens + r * hidden;
        for (int i = 0; i < dims; ++i) out[static_cast<size_t>(i)] += row[i];
      }
      const float inv = 1.0f / static_cast<float>(rows);
      for (float& v : out) v *= inv;
      break;
    }
    case Pooling::kMax:
      std::copy(tokens, tokens + dims, out.begin());
      for (int64_t r = 1; r < rows; ++r) {
        const float* row = tokens + r * hidden;
        for (int i = 0; i < dims; ++i) {
          out[static_cast<size_t>(i)] = std::max(out[static_cast<size_t>(i)], row[i]);
        }
      }
      break;
  }
  if (options.normalize) {
    double sq = 0.0;
    for (float v : out) sq += static_cast<double>(v) * v;
    const float inv = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
    for (float& v : out) v *= inv;
  }
}

}  // namespace attnserve::core
