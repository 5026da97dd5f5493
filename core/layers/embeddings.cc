#include "core/layers/embeddings.h"

#include "core/ops/layer_norm.h"
#include "core/ops/multiversion.h"

namespace attnserve::core {
namespace {

ATTN_MULTIVERSION
void SumRows(const float* a, const float* b, const float* c, int64_t n, float* out) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i] + c[i];
}

ATTN_MULTIVERSION
void SumRows(const float* a, const float* b, int64_t n, float* out) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

}  // namespace

void EmbeddingsForward(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                       std::span<const int32_t> positions, const EmbeddingTables& tables,
                       float* out) {
  const int64_t n = static_cast<int64_t>(ids.size());
  const int64_t h = tables.hidden;
#pragma omp parallel for schedule(static) if (n * h >= 16384)
  for (int64_t t = 0; t < n; ++t) {
    float* row = out + t * h;
    const float* word = tables.word + ids[static_cast<size_t>(t)] * h;
    const float* position = tables.position + positions[static_cast<size_t>(t)] * h;
    if (tables.token_type != nullptr) {
      SumRows(word, position, tables.token_type + type_ids[static_cast<size_t>(t)] * h, h, row);
    } else {
      SumRows(word, position, h, row);
    }
    LayerNormRow(row, h, tables.gamma, tables.beta, tables.eps);
  }
}

void PositionIdsForward(std::span<const int32_t> ids, std::span<const int64_t> offsets,
                        PositionIds scheme, int32_t padding_idx, std::vector<int32_t>& out) {
  out.resize(ids.size());
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    const auto begin = static_cast<size_t>(offsets[s]), end = static_cast<size_t>(offsets[s + 1]);
    int32_t next = scheme == PositionIds::kFromZero ? 0 : padding_idx + 1;
    for (size_t t = begin; t < end; ++t) {
      if (scheme == PositionIds::kAfterPadding && ids[t] == padding_idx) {
        out[t] = padding_idx;
      } else {
        out[t] = next++;
      }
    }
  }
}

}  // namespace attnserve::core
