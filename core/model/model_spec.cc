#include "core/model/model_spec.h"

#include "absl/strings/match.h"

namespace attnserve::core {

absl::string_view PoolingName(Pooling pooling) {
  switch (pooling) {
    case Pooling::kCls:
      return "cls";
    case Pooling::kMean:
      return "mean";
    case Pooling::kMax:
      return "max";
    case Pooling::kMeanSqrtLen:
      return "mean_sqrt_len";
    case Pooling::kWeightedMean:
      return "weighted_mean";
    case Pooling::kLastToken:
      return "last_token";
  }
  return "?";
}

bool ParsePooling(absl::string_view name, Pooling* pooling) {
  for (Pooling p : {Pooling::kCls, Pooling::kMean, Pooling::kMax, Pooling::kMeanSqrtLen,
                    Pooling::kWeightedMean, Pooling::kLastToken}) {
    if (absl::EqualsIgnoreCase(name, PoolingName(p))) {
      *pooling = p;
      return true;
    }
  }
  return false;
}

}  // namespace attnserve::core
