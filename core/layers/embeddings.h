// BERT input embeddings: LayerNorm(word[id] + position[pos] + token_type[type]) per token.
#ifndef ATTNSERVE_CORE_LAYERS_EMBEDDINGS_H_
#define ATTNSERVE_CORE_LAYERS_EMBEDDINGS_H_

#include <cstdint>
#include <span>

namespace attnserve::core {

// Borrowed views of the embedding tables (rows of `hidden` floats) and their LayerNorm.
struct EmbeddingTables {
  const float* word = nullptr;
  const float* position = nullptr;
  const float* token_type = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  int64_t hidden = 0;
  float eps = 0.0f;
};

// out[t] for every token t; ids, type_ids and positions must already be validated against the
// table sizes (the encoder does that before calling).
void EmbeddingsForward(std::span<const int32_t> ids, std::span<const int32_t> type_ids,
                       std::span<const int32_t> positions, const EmbeddingTables& tables,
                       float* out);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_EMBEDDINGS_H_
