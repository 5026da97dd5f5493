// Dense (fully connected) layers on oneDNN: y = op(x · Wᵀ + b [+ y]).
//
// PackedDense holds one layer's weights, reordered once at load into the blocked layout oneDNN's
// brgemm matmul prefers. With format_tag::any oneDNN 2.6 resolves the weights to the same layout
// for every M (BA16a64b on AVX-512, measured for M = 1..4096), so batches of any size share one
// copy; DenseKernel::Create checks that for every M it builds. DenseKernel holds the primitives for
// one layer *shape*: exact-M matmuls for M = 8, 16, ..., kMaxChunkRows, all created up front, so
// that no primitive is ever created after warm-up and no row of padding beyond the next multiple
// of 8 is computed. A batch of T rows runs as ceil(T / kMaxChunkRows) chunks.
#ifndef ATTNSERVE_CORE_LAYERS_DENSE_H_
#define ATTNSERVE_CORE_LAYERS_DENSE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/statusor.h"

#include "core/tensor/aligned_buffer.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

enum class DensePostOp {
  kNone,
  kGeluErf,
  kGeluTanh,
  kRelu,
  kResidualAdd,  // y += x·Wᵀ + b  (y holds the residual on entry)
};

// Rows are processed in multiples of this; activation buffers need RoundUpRows(T) rows.
inline constexpr int64_t kRowGranularity = 8;
inline constexpr int64_t kMaxChunkRows = 512;
inline int64_t RoundUpRows(int64_t rows) {
  return (rows + kRowGranularity - 1) / kRowGranularity * kRowGranularity;
}

// The blocked weights layout oneDNN picks for a K -> N matmul on this CPU.
absl::StatusOr<dnnl::memory::desc> PreferredWeightsDesc(const dnnl::engine& engine, int64_t in,
                                                        int64_t out);

// Immutable after Create(); the buffers may be read from any thread.
class PackedDense {
 public:
  // `weight` is [out, in] (torch.nn.Linear layout), `bias` is [out].
  static absl::StatusOr<PackedDense> Create(const dnnl::engine& engine, const Tensor& weight,
                                            const Tensor& bias);
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  const dnnl::memory::desc& weights_desc() const { return weights_desc_; }
  const float* packed_weights() const { return weights_.data(); }
  const float* bias() const { return bias_.data(); }
  // Bytes held (packed weights + bias).
  int64_t bytes() const;

 private:
  int64_t in_ = 0;
  int64_t out_ = 0;
  dnnl::memory::desc weights_desc_;
  AlignedBuffer<float> weights_;
  AlignedBuffer<float> bias_;
};

// Per-thread: primitives are bound to the thread that created them (oneDNN 2.x), so each encoder
// session owns its kernels. Not thread-safe.
class DenseKernel {
 public:
  static absl::StatusOr<std::unique_ptr<DenseKernel>> Create(
      const dnnl::engine& engine, int64_t in, int64_t out, DensePostOp post_op,
      const dnnl::memory::desc& weights_desc);

  // y[RoundUpRows(rows), out] = op(x[RoundUpRows(rows), in] · W + b). Rows past `rows` (up to the
  // next multiple of kRowGranularity) are computed too and must exist; their values are garbage
  // but finite when the padded input rows are finite.
  void Run(dnnl::stream& stream, const float* x, int64_t rows, const PackedDense& layer, float* y);

  int num_primitives() const { return static_cast<int>(chunks_.size()); }
  // Implementation oneDNN chose for the largest chunk ("brg:avx512_core", ...).
  const char* impl_name() const { return impl_name_; }

 private:
  struct Chunk {
    dnnl::matmul matmul;
    dnnl::memory src;
    dnnl::memory dst;
  };
  DenseKernel() = default;

  int64_t in_ = 0;
  int64_t out_ = 0;
  dnnl::engine engine_;
  std::vector<Chunk> chunks_;  // chunks_[i] computes (i + 1) * kRowGranularity rows
  dnnl::memory weights_mem_;
  dnnl::memory bias_mem_;
  const char* impl_name_ = "";
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_DENSE_H_
