// Input embeddings of the BERT-style encoders: LayerNorm(word[id] + position[pos] +
// token_type[type]) per token (DistilBERT has no token-type table), and the position ids of a
// packed batch, which the families number differently.
#ifndef ATTNSERVE_CORE_LAYERS_EMBEDDINGS_H_
#define ATTNSERVE_CORE_LAYERS_EMBEDDINGS_H_

#include <cstdint>
#include <span>
#include <vector>

namespace attnserve::core {

// Borrowed views of the embedding tables (rows of `hidden` floats) and their LayerNorm.
struct EmbeddingTables {
  const float* word = nullptr;
  const float* position = nullptr;
  const float* token_type = nullptr;  // nullptr: the model has no token types
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

// How a family numbers the positions of a sequence's tokens.
enum class PositionIds {
  // Token i is at position i (BERT, DistilBERT).
  kFromZero,
  // fairseq's make_positions, as Hugging Face's create_position_ids_from_input_ids (RoBERTa,
  // XLM-R, CamemBERT): a token equal to `padding_idx` is at position padding_idx, and every other
  // token at padding_idx + 1 + (the number of non-padding tokens before it). So a sequence of n
  // tokens needs a table of padding_idx + 1 + n rows, and a pad id inside a sequence (attended
  // to, as Hugging Face does with attention_mask 1) does not advance the count.
  kAfterPadding,
};

// out[t] = the position id of every token of the packed batch (`offsets`: sequence s is
// [offsets[s], offsets[s + 1])). `padding_idx` is used by kAfterPadding only.
void PositionIdsForward(std::span<const int32_t> ids, std::span<const int64_t> offsets,
                        PositionIds scheme, int32_t padding_idx, std::vector<int32_t>& out);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_EMBEDDINGS_H_
