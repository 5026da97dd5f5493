// BertEncoder: runs a BertModel forward on packed batches of variable-length sequences.
//
// The tokens of all sequences are concatenated into one [T, H] matrix: the dense layers run on
// all T rows at once and attention runs per (sequence, head), so no FLOP is spent on padding and
// a sequence's result does not depend on what it was batched with.
//
// Thread-safety: not thread-safe, and bound to the thread that called Create(): oneDNN 2.x
// primitives must run on the thread that created them (checked). Create one encoder per compute
// thread; they share the immutable BertModel.
#ifndef ATTNSERVE_CORE_MODEL_BERT_ENCODER_H_
#define ATTNSERVE_CORE_MODEL_BERT_ENCODER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/layers/self_attention.h"
#include "core/model/bert_model.h"
#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

// Token ids of several sequences, back to back. Sequence s owns tokens
// [offsets()[s], offsets()[s + 1]).
class PackedBatch {
 public:
  void Clear();
  // Appends a sequence. `type_ids` is empty (all zeros) or as long as `ids`.
  void Add(std::span<const int32_t> ids, std::span<const int32_t> type_ids = {});

  int num_sequences() const { return static_cast<int>(offsets_.size()) - 1; }
  int64_t num_tokens() const { return offsets_.back(); }
  int64_t begin(int s) const { return offsets_[static_cast<size_t>(s)]; }
  int64_t length(int s) const { return offsets_[static_cast<size_t>(s) + 1] - begin(s); }
  int64_t max_length() const { return max_length_; }
  std::span<const int32_t> ids() const { return ids_; }
  std::span<const int32_t> type_ids() const { return type_ids_; }
  std::span<const int64_t> offsets() const { return offsets_; }

 private:
  std::vector<int32_t> ids_;
  std::vector<int32_t> type_ids_;
  std::vector<int64_t> offsets_ = {0};
  int64_t max_length_ = 0;
};

// Checks one sequence against the model: 1 <= length <= max_position_embeddings, token ids in
// [0, vocab_size), type ids (empty = all 0) as many as ids and in [0, type_vocab_size).
// InvalidArgument whose message completes "sequence N ..." / "input N ..." ("has 600 tokens; ...").
absl::Status ValidateSequence(const BertConfig& config, std::span<const int32_t> ids,
                              std::span<const int32_t> type_ids);

class BertEncoder {
 public:
  static absl::StatusOr<std::unique_ptr<BertEncoder>> Create(
      std::shared_ptr<const BertModel> model);

  // InvalidArgument naming the sequence and position when a sequence is empty or longer than
  // max_position_embeddings, or holds a token id or type id outside the model's tables.
  absl::Status Validate(const PackedBatch& batch) const;

  // Validates, then computes the last hidden state of every token: [num_tokens, hidden],
  // row-major. The span stays valid until the next Forward() or the encoder's destruction.
  absl::StatusOr<std::span<const float>> Forward(const PackedBatch& batch);

  // Allocates the workspace for batches of up to `max_tokens` tokens and sequences of up to
  // `max_length`, so that serving never allocates it later.
  void Reserve(int64_t max_tokens, int64_t max_length);

  const BertModel& model() const { return *model_; }
  // Primitives created up front (none are created after Create()).
  int num_primitives() const;
  // oneDNN implementation of each dense shape, e.g. "qkv=brg:avx512_core ...".
  std::string ImplSummary() const;

 private:
  explicit BertEncoder(std::shared_ptr<const BertModel> model) : model_(std::move(model)) {}
  void EnsureCapacity(int64_t padded_rows);

  std::shared_ptr<const BertModel> model_;
  std::thread::id owner_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unique_ptr<DenseKernel> qkv_, attn_out_, ffn_in_, ffn_out_;
  AttentionScratch attention_scratch_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> hidden_, qkv_buf_, ctx_, inter_;
  std::vector<int32_t> positions_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_BERT_ENCODER_H_
