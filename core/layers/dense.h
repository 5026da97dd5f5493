// Dense (fully connected) layers on oneDNN: y = op(x · Wᵀ + b [+ y]).
//
// PackedDense holds one layer's weights, reordered once at load into the blocked layout oneDNN's
// brgemm matmul prefers. With format_tag::any oneDNN 2.6 resolves the weights to the same layout
// for every M (BA16a64b on AVX-512, measured for M = 1..4096), so batches of any size share one
// copy; the fp32 kernel checks that for every M it builds. A DenseKernel runs one layer *shape* in
// one dtype, chosen by (dtype, shape): the fp32 one holds exact-M matmuls for M = 8, 16, ...,
// kMaxChunkRows, all created up front, so that no primitive is ever created after warm-up and no
// row of padding beyond the next multiple of 8 is computed. A batch of T rows runs as
// ceil(T / kMaxChunkRows) chunks.
//
// int8 (DType::kInt8): weights quantized at load to s8, symmetric, one scale per output channel;
// activations quantized on the fly, symmetric, one scale per row (token), stored as u8 with a
// zero point of 128 so that oneDNN's u8 x s8 VNNI brgemm runs them; the fp32 output is
// acc · channel_scale (in the matmul) · row_scale + bias (a pass after it), then the post-op
// (GELU, residual add). A row's result depends on that row only, as in fp32.
#ifndef ATTNSERVE_CORE_LAYERS_DENSE_H_
#define ATTNSERVE_CORE_LAYERS_DENSE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/statusor.h"

#include "core/tensor/aligned_buffer.h"
#include "core/tensor/dtype.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

enum class DensePostOp {
  kNone,
  kGeluErf,
  kGeluTanh,
  kRelu,
  kSilu,         // x · sigmoid(x) (SwiGLU's gate); fp32 kernels only
  kResidualAdd,  // y += x·Wᵀ + b  (y holds the residual on entry)
};

// Rows are processed in multiples of this; activation buffers need RoundUpRows(T) rows.
inline constexpr int64_t kRowGranularity = 8;
inline constexpr int64_t kMaxChunkRows = 512;
inline int64_t RoundUpRows(int64_t rows) {
  return (rows + kRowGranularity - 1) / kRowGranularity * kRowGranularity;
}

// The blocked weights layout oneDNN picks for a K -> N matmul on this CPU, for weights of `dtype`
// (kF32: f32 x f32; kInt8: u8 x s8).
absl::StatusOr<dnnl::memory::desc> PreferredWeightsDesc(const dnnl::engine& engine, int64_t in,
                                                        int64_t out, DType dtype = DType::kF32);

// Symmetric int8 quantization, the arithmetic the int8 dense layers use (exposed for tests).
// The zero point of u8 activations: q_u8 = q + 128 for q in [-127, 127].
inline constexpr int kActivationZeroPoint = 128;
// max|v| / 127, or 1 when v is all zeros (any scale represents zeros exactly).
float SymmetricScale(std::span<const float> v);
// q = clamp(round(v / scale), -127, 127).
int8_t QuantizeSymmetric(float v, float scale);
// Quantizes each of `rows` rows of x [rows, cols] with its own symmetric scale into
// q [rows, cols] (u8, value + kActivationZeroPoint) and scales [rows]. Parallel over rows
// (OpenMP).
void QuantizeRowsU8(const float* x, int64_t rows, int64_t cols, uint8_t* q, float* scales);

// One layer's weights, packed for compute in a given dtype (the precision seam: a DenseKernel for
// that dtype runs it). Immutable after Create(); the buffers may be read from any thread.
class PackedDense {
 public:
  // `weight` is [out, in] (torch.nn.Linear layout), `bias` is [out]. `dtype` is what the weights
  // are packed as: kF32, or kInt8 (s8 per output channel; Unimplemented otherwise).
  static absl::StatusOr<PackedDense> Create(const dnnl::engine& engine, const Tensor& weight,
                                            const Tensor& bias, DType dtype = DType::kF32);
  // The same, where an empty `bias` (size 0) is a layer without one (torch.nn.Linear(bias=False)):
  // y = x · Wᵀ, run by the same kernels with a zero bias.
  static absl::StatusOr<PackedDense> CreateWithOptionalBias(const dnnl::engine& engine,
                                                            const Tensor& weight,
                                                            const Tensor& bias,
                                                            DType dtype = DType::kF32);
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  DType dtype() const { return dtype_; }
  const dnnl::memory::desc& weights_desc() const { return weights_desc_; }
  // kF32: the packed f32 weights; kInt8: the packed s8 weights (weights_desc() bytes).
  const void* packed_weights() const { return weights_.data(); }
  const float* bias() const { return bias_.data(); }
  // kInt8: the scale of each output channel [out] (weight ≈ scale[n] · q[n, k]); empty for kF32.
  std::span<const float> weight_scales() const { return scales_.span(); }
  // Bytes held (packed weights + bias).
  int64_t bytes() const;

 private:
  int64_t in_ = 0;
  int64_t out_ = 0;
  DType dtype_ = DType::kF32;
  dnnl::memory::desc weights_desc_;
  AlignedBuffer<std::byte> weights_;  // weights_desc_.get_size() bytes
  AlignedBuffer<float> bias_;
  AlignedBuffer<float> scales_;
};

// Runs one layer shape: y = op(x · W + b). Chosen by Create() from the layer's dtype and shape,
// so that precisions are new implementations of this interface.
//
// Per-thread: primitives are bound to the thread that created them (oneDNN 2.x), so each session
// owns its kernels. Not thread-safe.
class DenseKernel {
 public:
  virtual ~DenseKernel() = default;

  // The kernel for layers of `layer`'s dtype and shape (any layer of that dtype and shape can be
  // run with it). Unimplemented for a dtype without a kernel.
  static absl::StatusOr<std::unique_ptr<DenseKernel>> Create(const dnnl::engine& engine,
                                                             const PackedDense& layer,
                                                             DensePostOp post_op);

  // y[RoundUpRows(rows), out] = op(x[RoundUpRows(rows), in] · W + b). Rows past `rows` (up to the
  // next multiple of kRowGranularity) are computed too and must exist; their values are garbage
  // but finite when the padded input rows are finite. `layer` has the kernel's dtype and shape.
  virtual void Run(dnnl::stream& stream, const float* x, int64_t rows, const PackedDense& layer,
                   float* y) = 0;

  virtual int num_primitives() const = 0;
  // Implementation oneDNN chose for the largest chunk ("brg:avx512_core", ...).
  virtual const char* impl_name() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_DENSE_H_
