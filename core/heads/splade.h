// SPLADE sparse embeddings from a *ForMaskedLM head, as sentence-transformers' SpladePooling
// (pooling_strategy "max", activation "relu") and TEI's splade pooling compute them:
//
//   t      = LayerNorm(act(transform.dense(h)))        per token (BertPredictionHeadTransform)
//   logits = decoder(t) + bias                          decoder tied to the word embeddings
//   w[v]   = max over the sequence's tokens of log(1 + relu(logits[v]))
//
// Every token of the sequence takes part, special tokens ([CLS], [SEP]) included: both
// references mask only padding, which a packed batch has none of. The [tokens x vocab] logits
// are never materialized for a whole sequence: rows are processed `kRowChunk` at a time into a
// running maximum.
//
// SpladeHead is immutable after Create and thread-safe; it owns its weights.
#ifndef ATTNSERVE_CORE_HEADS_SPLADE_H_
#define ATTNSERVE_CORE_HEADS_SPLADE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

#include "core/tensor/tensor.h"

namespace attnserve::core {

enum class MlmActivation { kGeluErf, kGeluTanh, kRelu };

// One sequence's sparse vector: the vocabulary ids with a non-zero weight, ascending (or, with a
// top-k, by descending weight, ties by ascending id), and their weights.
struct SparseVector {
  std::vector<int32_t> indices;
  std::vector<float> values;
};

class SpladeHead {
 public:
  static constexpr int kRowChunk = 16;

  // PyTorch layouts: dense_weight [H, H], dense_bias [H], norm gamma/beta [H], decoder_weight
  // [vocab, H] (the word embeddings when tied), decoder_bias [vocab]. InvalidArgument on other
  // shapes.
  static absl::StatusOr<std::unique_ptr<const SpladeHead>> Create(
      Tensor dense_weight, Tensor dense_bias, Tensor norm_gamma, Tensor norm_beta, float norm_eps,
      Tensor decoder_weight, Tensor decoder_bias, MlmActivation activation);

  int hidden_size() const { return hidden_; }
  int vocab_size() const { return vocab_; }

  // The max-pooled weights of one sequence of `num_tokens` rows of `hidden_size()` floats into
  // `weights` (vocab_size() floats). Allocates only its per-call scratch.
  void PoolWeights(const float* tokens, int64_t num_tokens, std::span<float> weights) const;

  // The non-zero entries of `weights`; top_k > 0 keeps the k largest.
  static SparseVector Sparsify(std::span<const float> weights, int top_k);

 private:
  SpladeHead() = default;
  // The MLM logits of one token (transform, then decoder) into `logits`; `scratch` H floats.
  void Logits(const float* token, float* scratch, float* logits) const;

  int hidden_ = 0;
  int vocab_ = 0;
  float eps_ = 1e-12f;
  MlmActivation activation_ = MlmActivation::kGeluErf;
  Tensor dense_weight_, dense_bias_, gamma_, beta_, decoder_weight_, decoder_bias_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_HEADS_SPLADE_H_
