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
  ATTN_CHECK(options.skip_tokens >= 0 && options.skip_tokens < rows);
  // Pool tokens [skip, rows); weighted mean still weighs token i (from the sequence's start) by
  // i + 1, as sentence-transformers' position weights do.
  const int64_t skip = options.skip_tokens;
  tokens += skip * hidden;
  rows -= skip;
  const int dims = PooledDims(options, hidden);
  ATTN_CHECK(static_cast<int>(out.size()) == dims);
  // Only the kept dimensions are pooled: every pooling mode is per dimension.
  switch (options.pooling) {
    case Pooling::kCls:
      std::copy(tokens, tokens + dims, out.begin());
      break;
    case Pooling::kLastToken:
      std::copy(tokens + (rows - 1) * hidden, tokens + (rows - 1) * hidden + dims, out.begin());
      break;
    case Pooling::kMean:
    case Pooling::kMeanSqrtLen:
    case Pooling::kWeightedMean: {
      // sentence-transformers: sum(w_i x_i) / sum(w_i), w_i = 1 (mean) or i + 1 (weighted, i
      // counted from the first token); sum(x_i) / sqrt(n) for mean_sqrt_len.
      const bool weighted = options.pooling == Pooling::kWeightedMean;
      std::fill(out.begin(), out.end(), 0.0f);
      for (int64_t r = 0; r < rows; ++r) {
        const float* row = tokens + r * hidden;
        const float w = weighted ? static_cast<float>(skip + r + 1) : 1.0f;
        for (int i = 0; i < dims; ++i) out[static_cast<size_t>(i)] += w * row[i];
      }
      const double n = static_cast<double>(rows);
      const double first = static_cast<double>(skip);  // weights skip+1 .. skip+n
      const double divisor = weighted                                        ? n * (2 * first + n + 1) / 2
                             : options.pooling == Pooling::kMeanSqrtLen ? std::sqrt(n)
                                                                        : n;
      const auto inv = static_cast<float>(1.0 / divisor);
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
  if (options.normalize) NormalizeL2(out);
}

void NormalizeL2(std::span<float> v) {
  double sq = 0.0;
  for (float x : v) sq += static_cast<double>(x) * x;
  const float inv = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
  for (float& x : v) x *= inv;
}

}  // namespace attnserve::core
