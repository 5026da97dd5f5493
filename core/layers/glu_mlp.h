// Gated-linear-unit feed-forward blocks (Shazeer, "GLU Variants Improve Transformer"), on a
// packed batch:
//
//   y += Dense_out(act(Dense_in(x)) * Dense_gate(x))
//
// GeGLU (act = GELU: ModernBERT) and SwiGLU (act = SiLU: Qwen3, DensePostOp::kSilu). A
// checkpoint that stores the two input projections fused into one [2I, H] matrix (ModernBERT's
// mlp.Wi: input rows first, then gate rows, split by torch's chunk(2)) is split at load, so each
// half runs as its own matmul with the activation fused into the first one.
//
// GluMlpWeights: one layer's weights, prepared (immutable, shareable). GluMlp: the per-thread
// kernels and workspace that run layers of one shape; not thread-safe, one per session.
#ifndef ATTNSERVE_CORE_LAYERS_GLU_MLP_H_
#define ATTNSERVE_CORE_LAYERS_GLU_MLP_H_

#include <cstdint>
#include <memory>
#include <string>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/statusor.h"

#include "core/layers/dense.h"
#include "core/tensor/aligned_buffer.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

struct GluMlpWeights {
  PackedDense input;   // H -> I, + activation
  PackedDense gate;    // H -> I
  PackedDense output;  // I -> H, + residual

  int64_t bytes() const { return input.bytes() + gate.bytes() + output.bytes(); }
};

// Packs a GLU block from its checkpoint tensors: `fused_in` [2I, H] (input rows, then gate rows),
// `fused_in_bias` [2I] or empty (no bias), `out` [H, I], `out_bias` [H] or empty.
absl::StatusOr<GluMlpWeights> PackGluMlp(const dnnl::engine& engine, const Tensor& fused_in,
                                         const Tensor& fused_in_bias, const Tensor& out,
                                         const Tensor& out_bias);

// Packs a GLU block from separate projections (Llama / Qwen3's gate_proj, up_proj, down_proj):
// `activated` [I, H] goes through the activation (gate_proj), `linear` [I, H] multiplies it
// (up_proj), `out` [H, I]; the biases (same shapes' first dims) may be empty (no bias).
absl::StatusOr<GluMlpWeights> PackGluMlpSeparate(const dnnl::engine& engine,
                                                 const Tensor& activated,
                                                 const Tensor& activated_bias,
                                                 const Tensor& linear, const Tensor& linear_bias,
                                                 const Tensor& out, const Tensor& out_bias);

class GluMlp {
 public:
  // Kernels for blocks shaped like `first`, applying `activation` (a DensePostOp activation:
  // kGeluErf or kGeluTanh for GeGLU, kSilu for SwiGLU,
  // kRelu for ReGLU), created on `engine`, on this thread.
  static absl::StatusOr<std::unique_ptr<GluMlp>> Create(const dnnl::engine& engine,
                                                        const GluMlpWeights& first,
                                                        DensePostOp activation);

  // Makes room for `padded_rows` rows (a multiple of kRowGranularity).
  void Reserve(int64_t padded_rows);

  // y[RoundUpRows(rows), H] += the block applied to x[RoundUpRows(rows), H] (rows past `rows`
  // must be finite). Throws dnnl::error.
  void Forward(dnnl::stream& stream, const float* x, int64_t rows, const GluMlpWeights& weights,
               float* y);

  int num_primitives() const;
  std::string ImplSummary() const;

 private:
  GluMlp() = default;

  int64_t intermediate_ = 0;
  std::unique_ptr<DenseKernel> input_, gate_, output_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> act_, gate_buf_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_GLU_MLP_H_
