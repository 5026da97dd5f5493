#include "core/tensor/tensor.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/util/check.h"

namespace attnserve::core {

int64_t NumElements(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

// StrCat, not `"[" + StrJoin(...) + "]"`: GCC 12 at -O3 reports a false -Wrestrict in libstdc++'s
// operator+(const char*, std::string&&) (GCC bug 105651), which -Werror turns into an error.
std::string ShapeToString(std::span<const int64_t> shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

Tensor::Tensor(std::vector<int64_t> shape) : shape_(std::move(shape)) {
  const int64_t n = NumElements(shape_);
  ATTN_CHECK(n >= 0);
  data_.Reset(static_cast<std::size_t>(n));
}

}  // namespace attnserve::core
