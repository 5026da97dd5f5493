#include "core/model/bert/bert_encoder.h"

#include <algorithm>
#include <cstring>

#include <omp.h>

#include "absl/strings/str_cat.h"

#include "core/dnnl/dnnl_util.h"
#include "core/layers/embeddings.h"
#include "core/ops/layer_norm.h"
#include "core/model/validate.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

absl::StatusOr<std::unique_ptr<BertEncoder>> BertEncoder::Create(
    std::shared_ptr<const BertModel> model) {
  ATTN_CHECK(model != nullptr);
  std::unique_ptr<BertEncoder> enc(new BertEncoder(std::move(model)));
  enc->owner_ = std::this_thread::get_id();
  const BertConfig& c = enc->model_->config();
  const auto& layers = enc->model_->layers();
  try {
    enc->engine_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
    enc->stream_ = dnnl::stream(enc->engine_);
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, "creating the oneDNN engine");
  }
  if (layers.empty()) return absl::InvalidArgumentError("the model has no layers");
  const BertModel::Layer& l0 = layers.front();
  DensePostOp act = DensePostOp::kGeluErf;
  switch (c.hidden_act) {
    case Activation::kGeluErf:
      act = DensePostOp::kGeluErf;
      break;
    case Activation::kGeluTanh:
      act = DensePostOp::kGeluTanh;
      break;
    case Activation::kRelu:
      act = DensePostOp::kRelu;
      break;
  }
  // One kernel per layer shape (every layer has the same shapes and dtype as layer 0).
  ATTN_ASSIGN_OR_RETURN(enc->qkv_, DenseKernel::Create(enc->engine_, l0.qkv, DensePostOp::kNone));
  ATTN_ASSIGN_OR_RETURN(enc->attn_out_,
                        DenseKernel::Create(enc->engine_, l0.attn_out, DensePostOp::kResidualAdd));
  ATTN_ASSIGN_OR_RETURN(enc->ffn_in_, DenseKernel::Create(enc->engine_, l0.ffn_in, act));
  ATTN_ASSIGN_OR_RETURN(enc->ffn_out_,
                        DenseKernel::Create(enc->engine_, l0.ffn_out, DensePostOp::kResidualAdd));
  return enc;
}

int BertEncoder::num_primitives() const {
  return qkv_->num_primitives() + attn_out_->num_primitives() + ffn_in_->num_primitives() +
         ffn_out_->num_primitives();
}

std::string BertEncoder::ImplSummary() const {
  return absl::StrCat("qkv=", qkv_->impl_name(), " attn_out=", attn_out_->impl_name(),
                      " ffn_in=", ffn_in_->impl_name(), " ffn_out=", ffn_out_->impl_name());
}

void BertEncoder::EnsureCapacity(int64_t padded_rows) {
  if (padded_rows <= capacity_rows_) return;
  const BertConfig& c = model_->config();
  const auto rows = static_cast<size_t>(padded_rows);
  const auto h = static_cast<size_t>(c.hidden_size);
  // Not zeroed: pages are only touched (and resident) once a batch that large comes.
  hidden_.Reset(rows * h);
  qkv_buf_.Reset(rows * 3 * h);
  ctx_.Reset(rows * h);
  inter_.Reset(rows * static_cast<size_t>(c.intermediate_size));
  capacity_rows_ = padded_rows;
}

void BertEncoder::Reserve(int64_t max_tokens, int64_t max_length) {
  EnsureCapacity(RoundUpRows(max_tokens));
  attention_scratch_.Reserve(omp_get_max_threads(), max_length);
}

absl::StatusOr<std::span<const float>> BertEncoder::Forward(const PackedBatch& batch) {
  ATTN_CHECK_MSG(std::this_thread::get_id() == owner_,
                 "BertEncoder used from a thread other than the one that created it");
  if (batch.num_sequences() == 0) return absl::InvalidArgumentError("the batch is empty");
  ATTN_DCHECK_OK(ValidateBatch(model_->spec(), batch));
  const BertConfig& c = model_->config();
  const int64_t tokens = batch.num_tokens();
  const int64_t padded = RoundUpRows(tokens);
  const int64_t h = c.hidden_size;
  EnsureCapacity(padded);
  SetFlushDenormalsInTeam();

  positions_.resize(static_cast<size_t>(tokens));
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const int64_t b = batch.begin(s);
    for (int64_t i = 0; i < batch.length(s); ++i) {
      positions_[static_cast<size_t>(b + i)] = static_cast<int32_t>(i);
    }
  }
  EmbeddingsForward(batch.ids(), batch.type_ids(), positions_, model_->embedding_tables(),
                    hidden_.data());
  // The matmuls compute `padded` rows; the rows past the last token are never read back, but they
  // must hold finite numbers (garbage could be NaN, or denormal and slow): zero the two inputs
  // that are not themselves matmul outputs, everything downstream stays finite.
  const size_t pad = static_cast<size_t>((padded - tokens) * h);
  std::memset(hidden_.data() + tokens * h, 0, pad * sizeof(float));
  std::memset(ctx_.data() + tokens * h, 0, pad * sizeof(float));
  attention_scratch_.Reserve(omp_get_max_threads(), batch.max_length());

  try {
    for (const BertModel::Layer& layer : model_->layers()) {
      qkv_->Run(stream_, hidden_.data(), tokens, layer.qkv, qkv_buf_.data());
      SelfAttentionForward(qkv_buf_.data(), batch.offsets(), c.num_attention_heads, c.head_dim(),
                           ctx_.data(), attention_scratch_);
      attn_out_->Run(stream_, ctx_.data(), tokens, layer.attn_out, hidden_.data());
      LayerNormRows(hidden_.data(), padded, h, layer.attn_ln_gamma.data(),
                    layer.attn_ln_beta.data(), c.layer_norm_eps);
      ffn_in_->Run(stream_, hidden_.data(), tokens, layer.ffn_in, inter_.data());
      ffn_out_->Run(stream_, inter_.data(), tokens, layer.ffn_out, hidden_.data());
      LayerNormRows(hidden_.data(), padded, h, layer.ffn_ln_gamma.data(), layer.ffn_ln_beta.data(),
                    c.layer_norm_eps);
    }
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, "encoder forward");
  }
  return std::span<const float>(hidden_.data(), static_cast<size_t>(tokens * h));
}

}  // namespace attnserve::core
