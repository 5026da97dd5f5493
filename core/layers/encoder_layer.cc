#include "core/layers/encoder_layer.h"

#include <cstring>
#include <vector>

#include <omp.h>

#include "absl/strings/str_cat.h"

#include "core/ops/layer_norm.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Rows of `parts` stacked: [n0 + n1 + ..., cols].
Tensor Concat(const std::vector<const Tensor*>& parts) {
  int64_t rows = 0;
  for (const Tensor* p : parts) rows += p->dim(0);
  std::vector<int64_t> shape = parts[0]->shape();
  shape[0] = rows;
  Tensor out(shape);
  float* dst = out.data();
  for (const Tensor* p : parts) {
    std::memcpy(dst, p->data(), static_cast<size_t>(p->size()) * sizeof(float));
    dst += p->size();
  }
  return out;
}

}  // namespace

int64_t EncoderLayerWeights::bytes() const {
  return qkv.bytes() + attn_out.bytes() + ffn_in.bytes() + ffn_out.bytes() +
         (attn_norm_gamma.size() + attn_norm_beta.size() + ffn_norm_gamma.size() +
          ffn_norm_beta.size()) *
             static_cast<int64_t>(sizeof(float));
}

absl::StatusOr<EncoderLayerWeights> PackEncoderLayer(const dnnl::engine& engine,
                                                     EncoderLayerTensors t, DType dtype) {
  EncoderLayerWeights l;
  ATTN_ASSIGN_OR_RETURN(
      l.qkv, PackedDense::Create(engine, Concat({&t.query_weight, &t.key_weight, &t.value_weight}),
                                 Concat({&t.query_bias, &t.key_bias, &t.value_bias}), dtype));
  ATTN_ASSIGN_OR_RETURN(l.attn_out, PackedDense::Create(engine, t.attention_output_weight,
                                                        t.attention_output_bias, dtype));
  ATTN_ASSIGN_OR_RETURN(l.ffn_in,
                        PackedDense::Create(engine, t.ffn_in_weight, t.ffn_in_bias, dtype));
  ATTN_ASSIGN_OR_RETURN(l.ffn_out,
                        PackedDense::Create(engine, t.ffn_out_weight, t.ffn_out_bias, dtype));
  l.attn_norm_gamma = std::move(t.attention_norm_gamma);
  l.attn_norm_beta = std::move(t.attention_norm_beta);
  l.ffn_norm_gamma = std::move(t.ffn_norm_gamma);
  l.ffn_norm_beta = std::move(t.ffn_norm_beta);
  return l;
}

absl::StatusOr<std::unique_ptr<EncoderLayerStack>> EncoderLayerStack::Create(
    const dnnl::engine& engine, const EncoderLayerShape& shape, const EncoderLayerWeights& first) {
  std::unique_ptr<EncoderLayerStack> s(new EncoderLayerStack());
  s->shape_ = shape;
  ATTN_ASSIGN_OR_RETURN(s->qkv_, DenseKernel::Create(engine, first.qkv, DensePostOp::kNone));
  ATTN_ASSIGN_OR_RETURN(s->attn_out_,
                        DenseKernel::Create(engine, first.attn_out, DensePostOp::kResidualAdd));
  ATTN_ASSIGN_OR_RETURN(s->ffn_in_, DenseKernel::Create(engine, first.ffn_in, shape.activation));
  ATTN_ASSIGN_OR_RETURN(s->ffn_out_,
                        DenseKernel::Create(engine, first.ffn_out, DensePostOp::kResidualAdd));
  return s;
}

int EncoderLayerStack::num_primitives() const {
  return qkv_->num_primitives() + attn_out_->num_primitives() + ffn_in_->num_primitives() +
         ffn_out_->num_primitives();
}

std::string EncoderLayerStack::ImplSummary() const {
  return absl::StrCat("qkv=", qkv_->impl_name(), " attn_out=", attn_out_->impl_name(),
                      " ffn_in=", ffn_in_->impl_name(), " ffn_out=", ffn_out_->impl_name());
}

void EncoderLayerStack::Reserve(int64_t padded_rows, int64_t max_length) {
  attention_scratch_.Reserve(omp_get_max_threads(), max_length);
  if (padded_rows <= capacity_rows_) return;
  const auto rows = static_cast<size_t>(padded_rows);
  const auto h = static_cast<size_t>(shape_.hidden);
  // Not zeroed: pages are only touched (and resident) once a batch that large comes.
  qkv_buf_.Reset(rows * 3 * h);
  ctx_.Reset(rows * h);
  inter_.Reset(rows * static_cast<size_t>(shape_.intermediate));
  capacity_rows_ = padded_rows;
}

void EncoderLayerStack::Forward(dnnl::stream& stream, std::span<const EncoderLayerWeights> layers,
                                std::span<const int64_t> offsets, int64_t max_length,
                                float* hidden, const RelativeScoreBias* bias) {
  const int64_t tokens = offsets.back();
  const int64_t padded = RoundUpRows(tokens);
  const int64_t h = shape_.hidden;
  Reserve(padded, max_length);
  // The matmuls compute `padded` rows; the rows past the last token are never read back, but they
  // must hold finite numbers (garbage could be NaN, or denormal and slow). `hidden`'s are the
  // caller's; ctx_ is the other input that is not a matmul output.
  std::memset(ctx_.data() + tokens * h, 0,
              static_cast<size_t>((padded - tokens) * h) * sizeof(float));
  for (const EncoderLayerWeights& layer : layers) {
    qkv_->Run(stream, hidden, tokens, layer.qkv, qkv_buf_.data());
    SelfAttentionForward(qkv_buf_.data(), offsets, shape_.num_heads, shape_.head_dim(), ctx_.data(),
                         attention_scratch_, bias);
    attn_out_->Run(stream, ctx_.data(), tokens, layer.attn_out, hidden);
    LayerNormRows(hidden, padded, h, layer.attn_norm_gamma.data(), layer.attn_norm_beta.data(),
                  shape_.norm_eps);
    ffn_in_->Run(stream, hidden, tokens, layer.ffn_in, inter_.data());
    ffn_out_->Run(stream, inter_.data(), tokens, layer.ffn_out, hidden);
    LayerNormRows(hidden, padded, h, layer.ffn_norm_gamma.data(), layer.ffn_norm_beta.data(),
                  shape_.norm_eps);
  }
}

}  // namespace attnserve::core
