#include "core/ops/softmax.h"

#include "core/ops/multiversion.h"
#include "core/ops/vec.h"

namespace attnserve::core {

float ExpNonPositive(float x) { return vec::ExpNonPositive(x); }

ATTN_MULTIVERSION
void SoftmaxRow(float* x, int64_t n) {
  using vec::F16;
  constexpr int64_t w = vec::kWidth;
  const int64_t body = n / w * w;
  float max = x[0];
  if (body > 0) {
    F16 m = vec::Load(x);
    for (int64_t i = w; i < body; i += w) m = vec::Max(m, vec::Load(x + i));
    max = vec::ReduceMax(m);
  }
  for (int64_t i = body; i < n; ++i) max = x[i] > max ? x[i] : max;

  F16 acc = F16{};
  const F16 vmax = vec::Splat(max);
  for (int64_t i = 0; i < body; i += w) {
    const F16 e = vec::ExpNonPositive(vec::Load(x + i) - vmax);
    vec::Store(x + i, e);
    acc += e;
  }
  float sum = vec::ReduceAdd(acc);
  for (int64_t i = body; i < n; ++i) {
    x[i] = vec::ExpNonPositive(x[i] - max);
    sum += x[i];
  }

  const float inv = 1.0f / sum;
  const F16 vinv = vec::Splat(inv);
  for (int64_t i = 0; i < body; i += w) vec::Store(x + i, vec::Load(x + i) * vinv);
  for (int64_t i = body; i < n; ++i) x[i] *= inv;
}

}  // namespace attnserve::core
