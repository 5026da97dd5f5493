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

}  // namespace

void EmbeddingsForward(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                       std::span<const int32_t> positions, const EmbeddingTables& tables,
                       float* out) {
  const int64_t n = static_cast<int64_t>(ids.size());
  const int64_t h = tables.hidden;
#pragma omp parallel for schedule(static) if (n * h >= 16384)
  for (int64_t t = 0; t < n; ++t) {
    float* row = out + t * h;
    SumRows(tables.word + ids[static_cast<size_t>(t)] * h,
            tables.position + positions[static_cast<size_t>(t)] * h,
            tables.token_type + type_ids[static_cast<size_t>(t)] * h, h, row);
    LayerNormRow(row, h, tables.gamma, tables.beta, tables.eps);
  }
}

}  // namespace attnserve::core
