#include "core/layers/glu_mlp.h"

#include <cstring>

#include "absl/strings/str_cat.h"

#include "core/ops/multiversion.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Rows [first, first + count) of a row-major [rows, cols] (or [rows]) tensor.
Tensor Rows(const Tensor& t, int64_t first, int64_t count) {
  std::vector<int64_t> shape = t.shape();
  const int64_t row_size = shape.size() > 1 ? shape[1] : 1;
  shape[0] = count;
  Tensor out(shape);
  std::memcpy(out.data(), t.data() + first * row_size,
              static_cast<size_t>(count * row_size) * sizeof(float));
  return out;
}

ATTN_MULTIVERSION
void MultiplyInPlace(float* a, const float* b, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) a[i] *= b[i];
}

}  // namespace

absl::StatusOr<GluMlpWeights> PackGluMlp(const dnnl::engine& engine, const Tensor& fused_in,
                                         const Tensor& fused_in_bias, const Tensor& out,
                                         const Tensor& out_bias) {
  ATTN_CHECK(fused_in.shape().size() == 2 && fused_in.dim(0) % 2 == 0);
  const int64_t inter = fused_in.dim(0) / 2;
  const bool has_bias = fused_in_bias.size() > 0;
  GluMlpWeights w;
  const auto half = [&](int64_t first) {
    return PackedDense::CreateWithOptionalBias(
        engine, Rows(fused_in, first, inter),
        has_bias ? Rows(fused_in_bias, first, inter) : Tensor());
  };
  ATTN_ASSIGN_OR_RETURN(w.input, half(0));
  ATTN_ASSIGN_OR_RETURN(w.gate, half(inter));
  ATTN_ASSIGN_OR_RETURN(w.output, PackedDense::CreateWithOptionalBias(engine, out, out_bias));
  return w;
}

absl::StatusOr<GluMlpWeights> PackGluMlpSeparate(const dnnl::engine& engine,
                                                 const Tensor& activated,
                                                 const Tensor& activated_bias,
                                                 const Tensor& linear, const Tensor& linear_bias,
                                                 const Tensor& out, const Tensor& out_bias) {
  ATTN_CHECK(activated.shape() == linear.shape());
  GluMlpWeights w;
  ATTN_ASSIGN_OR_RETURN(w.input,
                        PackedDense::CreateWithOptionalBias(engine, activated, activated_bias));
  ATTN_ASSIGN_OR_RETURN(w.gate, PackedDense::CreateWithOptionalBias(engine, linear, linear_bias));
  ATTN_ASSIGN_OR_RETURN(w.output, PackedDense::CreateWithOptionalBias(engine, out, out_bias));
  return w;
}

absl::StatusOr<std::unique_ptr<GluMlp>> GluMlp::Create(const dnnl::engine& engine,
                                                       const GluMlpWeights& first,
                                                       DensePostOp activation) {
  std::unique_ptr<GluMlp> m(new GluMlp());
  m->intermediate_ = first.input.out_features();
  ATTN_ASSIGN_OR_RETURN(m->input_, DenseKernel::Create(engine, first.input, activation));
  ATTN_ASSIGN_OR_RETURN(m->gate_, DenseKernel::Create(engine, first.gate, DensePostOp::kNone));
  ATTN_ASSIGN_OR_RETURN(m->output_,
                        DenseKernel::Create(engine, first.output, DensePostOp::kResidualAdd));
  return m;
}

void GluMlp::Reserve(int64_t padded_rows) {
  if (padded_rows <= capacity_rows_) return;
  // Not zeroed: pages are only touched (and resident) once a batch that large comes.
  act_.Reset(static_cast<size_t>(padded_rows * intermediate_));
  gate_buf_.Reset(static_cast<size_t>(padded_rows * intermediate_));
  capacity_rows_ = padded_rows;
}

void GluMlp::Forward(dnnl::stream& stream, const float* x, int64_t rows,
                     const GluMlpWeights& weights, float* y) {
  const int64_t padded = RoundUpRows(rows);
  Reserve(padded);
  input_->Run(stream, x, rows, weights.input, act_.data());
  gate_->Run(stream, x, rows, weights.gate, gate_buf_.data());
  const int64_t n = padded * intermediate_;
  // Memory-bound and short: split over the team only when large.
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
  for (int64_t r = 0; r < padded; ++r) {
    MultiplyInPlace(act_.data() + r * intermediate_, gate_buf_.data() + r * intermediate_,
                    intermediate_);
  }
  output_->Run(stream, act_.data(), rows, weights.output, y);
}

int GluMlp::num_primitives() const {
  return input_->num_primitives() + gate_->num_primitives() + output_->num_primitives();
}

std::string GluMlp::ImplSummary() const {
  return absl::StrCat("mlp_in=", input_->impl_name(), " mlp_gate=", gate_->impl_name(),
                      " mlp_out=", output_->impl_name());
}

}  // namespace attnserve::core
