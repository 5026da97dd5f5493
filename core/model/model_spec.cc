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
  }
  return "?";
}

bool ParsePooling(absl::string_view name, Pooling* pooling) {
  for (Pooling p : {Pooling::kCls, Pooling::kMean, Pooling::kMax}) {
    if (absl::EqualsIgnoreCase(name, PoolingName(p))) {
      *pooling = p;
      return true;
    }
  }
  return false;
}

}  // namespace attnserve::core
