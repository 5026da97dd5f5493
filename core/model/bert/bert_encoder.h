// BertEncoder: runs a BertModel forward on packed batches of variable-length sequences (the BERT
// family's Session, core/model/model.h).
//
// The tokens of all sequences are concatenated into one [T, H] matrix: the dense layers run on
// all T rows at once and attention runs per (sequence, head), so no FLOP is spent on padding and
// a sequence's result does not depend on what it was batched with.
//
// Thread-safety: not thread-safe, and bound to the thread that called Create(): oneDNN 2.x
// primitives must run on the thread that created them (checked). Create one encoder per compute
// thread; they share the immutable BertModel.
#ifndef ATTNSERVE_CORE_MODEL_BERT_BERT_ENCODER_H_
#define ATTNSERVE_CORE_MODEL_BERT_BERT_ENCODER_H_

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
#include "core/model/bert/bert_model.h"
#include "core/model/model.h"
#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

class BertEncoder final : public Session {
 public:
  static absl::StatusOr<std::unique_ptr<BertEncoder>> Create(
      std::shared_ptr<const BertModel> model);

  // Session. Forward's precondition (every sequence valid for the model, see
  // core/model/validate.h) is checked in debug builds only.
  const ModelSpec& spec() const override { return model_->spec(); }
  absl::StatusOr<std::span<const float>> Forward(const PackedBatch& batch) override;
  void Reserve(int64_t max_tokens, int64_t max_length) override;
  // Primitives created up front (none are created after Create()).
  int num_primitives() const override;
  // oneDNN implementation of each dense shape, e.g. "qkv=brg:avx512_core ...".
  std::string ImplSummary() const override;

  const BertModel& model() const { return *model_; }

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

#endif  // ATTNSERVE_CORE_MODEL_BERT_BERT_ENCODER_H_
