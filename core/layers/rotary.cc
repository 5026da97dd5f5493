#include "core/layers/rotary.h"

#include <cmath>

#include "core/ops/multiversion.h"
#include "core/util/check.h"

namespace attnserve::core {

RotaryTable::RotaryTable(int head_dim, double theta, int64_t max_positions)
    : head_dim_(head_dim), theta_(theta), max_positions_(max_positions) {
  ATTN_CHECK(head_dim > 0 && head_dim % 2 == 0 && theta > 0.0 && max_positions >= 0);
  const int half = head_dim / 2;
  cos_.Reset(static_cast<size_t>(max_positions * half));
  sin_.Reset(static_cast<size_t>(max_positions * half));
  // transformers computes the frequencies and the angles in float32 (its rotary module casts to
  // float even when the model runs in float64): w_i = 1 / theta^(2i/d) and p * w_i rounded to
  // float as it does, so that the angles agree; only cos and sin are taken in double.
  for (int i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    const float w = 1.0f / std::pow(static_cast<float>(theta), exponent);
    for (int64_t p = 0; p < max_positions; ++p) {
      const float angle = static_cast<float>(p) * w;
      cos_.data()[p * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_.data()[p * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  }
}

int64_t RotaryTable::bytes() const {
  return static_cast<int64_t>((cos_.size() + sin_.size()) * sizeof(float));
}

namespace {

ATTN_MULTIVERSION
void RotateHead(float* x, const float* cos, const float* sin, int half) {
  float* lo = x;
  float* hi = x + half;
#pragma omp simd
  for (int i = 0; i < half; ++i) {
    const float a = lo[i], b = hi[i];
    lo[i] = a * cos[i] - b * sin[i];
    hi[i] = b * cos[i] + a * sin[i];
  }
}

}  // namespace

void ApplyRotaryToQueryKey(float* qkv, std::span<const int64_t> offsets, int num_heads,
                           int head_dim, const RotaryTable& table) {
  // Q heads then K heads: 2 * num_heads consecutive head vectors.
  ApplyRotaryToHeads(qkv, 3 * static_cast<int64_t>(num_heads) * head_dim, offsets, 2 * num_heads,
                     head_dim, table);
}

void ApplyRotaryToHeads(float* x, int64_t ld, std::span<const int64_t> offsets, int num_rotated,
                        int head_dim, const RotaryTable& table) {
  ATTN_CHECK(table.head_dim() == head_dim);
  const int64_t hidden = static_cast<int64_t>(num_rotated) * head_dim;
  const int half = head_dim / 2;
  const int64_t num_seqs = static_cast<int64_t>(offsets.size()) - 1;
  const int64_t tokens = offsets.back();
#pragma omp parallel for schedule(static) if (tokens * hidden >= 16384)
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int64_t begin = offsets[static_cast<size_t>(s)];
    const int64_t end = offsets[static_cast<size_t>(s) + 1];
    ATTN_CHECK(end - begin <= table.max_positions());
    for (int64_t t = begin; t < end; ++t) {
      const float* cos = table.cos(t - begin);
      const float* sin = table.sin(t - begin);
      float* row = x + t * ld;
      for (int h = 0; h < num_rotated; ++h) RotateHead(row + h * head_dim, cos, sin, half);
    }
  }
}

}  // namespace attnserve::core
