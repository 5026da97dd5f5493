#include "core/layers/pre_norm_layer.h"

#include <cstring>

#include <omp.h>

#include "absl/strings/str_cat.h"

#include "core/layers/sliding_window_attention.h"
#include "core/ops/layer_norm.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

int64_t PreNormLayerWeights::bytes() const {
  return qkv.bytes() + attn_out.bytes() + mlp.bytes() +
         (attn_norm_gamma.size() + attn_norm_beta.size() + mlp_norm_gamma.size() +
          mlp_norm_beta.size()) *
             static_cast<int64_t>(sizeof(float));
}

absl::StatusOr<std::unique_ptr<PreNormLayerStack>> PreNormLayerStack::Create(
    const dnnl::engine& engine, const PreNormLayerShape& shape, const PreNormLayerWeights& first) {
  std::unique_ptr<PreNormLayerStack> s(new PreNormLayerStack());
  s->shape_ = shape;
  ATTN_ASSIGN_OR_RETURN(s->qkv_, DenseKernel::Create(engine, first.qkv, DensePostOp::kNone));
  ATTN_ASSIGN_OR_RETURN(s->attn_out_,
                        DenseKernel::Create(engine, first.attn_out, DensePostOp::kResidualAdd));
  ATTN_ASSIGN_OR_RETURN(s->mlp_, GluMlp::Create(engine, first.mlp, shape.activation));
  return s;
}

int PreNormLayerStack::num_primitives() const {
  return qkv_->num_primitives() + attn_out_->num_primitives() + mlp_->num_primitives();
}

std::string PreNormLayerStack::ImplSummary() const {
  return absl::StrCat("qkv=", qkv_->impl_name(), " attn_out=", attn_out_->impl_name(), " ",
                      mlp_->ImplSummary());
}

void PreNormLayerStack::Reserve(int64_t padded_rows, int64_t max_length) {
  attention_scratch_.Reserve(omp_get_max_threads(), max_length);
  mlp_->Reserve(padded_rows);
  if (padded_rows <= capacity_rows_) return;
  const auto rows = static_cast<size_t>(padded_rows);
  const auto h = static_cast<size_t>(shape_.hidden);
  // Not zeroed: pages are only touched (and resident) once a batch that large comes.
  normed_.Reset(rows * h);
  qkv_buf_.Reset(rows * 3 * h);
  ctx_.Reset(rows * h);
  capacity_rows_ = padded_rows;
}

void PreNormLayerStack::Forward(dnnl::stream& stream, std::span<const PreNormLayerWeights> layers,
                                const RotaryTables& rotary, std::span<const int64_t> offsets,
                                int64_t max_length, float* hidden) {
  const int64_t tokens = offsets.back();
  const int64_t padded = RoundUpRows(tokens);
  const int64_t h = shape_.hidden;
  const size_t bytes = static_cast<size_t>(padded * h) * sizeof(float);
  Reserve(padded, max_length);
  // The matmuls compute `padded` rows; the rows past the last token are never read back but
  // must be finite. `hidden`'s are the caller's, normed_ copies them (and LayerNorm of a finite
  // row is finite); ctx_ is the other matmul input that is not a matmul output.
  std::memset(ctx_.data() + tokens * h, 0,
              static_cast<size_t>((padded - tokens) * h) * sizeof(float));
  for (const PreNormLayerWeights& layer : layers) {
    const float* attn_in = hidden;
    if (layer.attn_norm_gamma.size() > 0) {
      std::memcpy(normed_.data(), hidden, bytes);
      LayerNormRows(normed_.data(), padded, h, layer.attn_norm_gamma.data(),
                    layer.attn_norm_beta.data(), shape_.norm_eps);
      attn_in = normed_.data();
    }
    qkv_->Run(stream, attn_in, tokens, layer.qkv, qkv_buf_.data());
    const RotaryTable* table = layer.local ? rotary.local : rotary.global;
    ATTN_CHECK(table != nullptr);
    ApplyRotaryToQueryKey(qkv_buf_.data(), offsets, shape_.num_heads, shape_.head_dim(), *table);
    if (layer.local) {
      SlidingWindowAttentionForward(qkv_buf_.data(), offsets, shape_.num_heads, shape_.head_dim(),
                                    shape_.half_window, ctx_.data(), attention_scratch_);
    } else {
      SelfAttentionForward(qkv_buf_.data(), offsets, shape_.num_heads, shape_.head_dim(),
                           ctx_.data(), attention_scratch_);
    }
    attn_out_->Run(stream, ctx_.data(), tokens, layer.attn_out, hidden);
    std::memcpy(normed_.data(), hidden, bytes);
    LayerNormRows(normed_.data(), padded, h, layer.mlp_norm_gamma.data(),
                  layer.mlp_norm_beta.data(), shape_.norm_eps);
    mlp_->Forward(stream, normed_.data(), tokens, layer.mlp, hidden);
  }
}

}  // namespace attnserve::core
