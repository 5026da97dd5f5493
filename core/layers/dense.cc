#include "core/layers/dense.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

#include "core/dnnl/dnnl_util.h"
#include "core/ops/multiversion.h"
#include "core/ops/vec.h"
#include "core/util/check.h"

namespace attnserve::core {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

void AppendPostOp(DensePostOp post_op, dnnl::post_ops& ops) {
  switch (post_op) {
    case DensePostOp::kNone:
      break;
    case DensePostOp::kGeluErf:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
      break;
    case DensePostOp::kGeluTanh:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_tanh, 0.0f, 0.0f);
      break;
    case DensePostOp::kRelu:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      break;
    case DensePostOp::kSilu:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_swish, 1.0f, 0.0f);
      break;
    case DensePostOp::kResidualAdd:
      ops.append_sum(1.0f);
      break;
  }
}

dnnl::primitive_attr MakeAttr(DensePostOp post_op) {
  dnnl::post_ops ops;
  AppendPostOp(post_op, ops);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

// The int8 matmul computes acc · channel_scale [1, N] (a binary post-op: its tensor is read at
// execution, so one primitive per M serves every layer of the shape) with oneDNN's zero-point
// compensation. The row (token) scale, the bias and the layer's post-op are applied after it by
// Int8DenseKernel::Run: oneDNN 2.6's brgemm takes no per-row [M, 1] binary post-op (it falls
// back to ref_int8, ~100x slower; measured), runtime output scales fall back to gemm:jit, and the
// bias argument would be added before any output scale (dst = scale · (acc + bias)).
dnnl::matmul::primitive_desc MakeInt8MatmulPd(const dnnl::engine& engine, int64_t m, int64_t in,
                                              int64_t out, const dnnl::memory::desc& weights) {
  dnnl::post_ops ops;
  ops.append_binary(dnnl::algorithm::binary_mul, dnnl::memory::desc({1, out}, dt::f32, tag::ab));
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  attr.set_zero_points(DNNL_ARG_SRC, /*mask=*/0, {kActivationZeroPoint});
  const dnnl::memory::desc src({m, in}, dt::u8, tag::ab);
  const dnnl::memory::desc dst({m, out}, dt::f32, tag::ab);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, dst), attr, engine);
}

dnnl::matmul::primitive_desc MakeMatmulPd(const dnnl::engine& engine, int64_t m, int64_t in,
                                          int64_t out, const dnnl::memory::desc& weights,
                                          const dnnl::primitive_attr& attr) {
  const dnnl::memory::desc src({m, in}, dt::f32, tag::ab);
  const dnnl::memory::desc bias({1, out}, dt::f32, tag::ab);
  const dnnl::memory::desc dst({m, out}, dt::f32, tag::ab);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, bias, dst), attr, engine);
}

}  // namespace

float SymmetricScale(std::span<const float> v) {
  float max_abs = 0.0f;
  for (const float x : v) max_abs = std::max(max_abs, std::fabs(x));
  return max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
}

int8_t QuantizeSymmetric(float v, float scale) {
  return static_cast<int8_t>(std::clamp(std::nearbyint(v / scale), -127.0f, 127.0f));
}

namespace {

// One row: scale = max|x| / 127 (1 for a zero row), q = clamp(round(x / scale)) + 128. Rounding
// by the 1.5 * 2^23 trick is round-half-to-even, as std::nearbyint; |x / scale| <= 127 here.
ATTN_MULTIVERSION
void QuantizeRowU8(const float* row, int64_t cols, uint8_t* out, float* scale_out) {
  using vec::F16;
  constexpr int64_t w = vec::kWidth;
  F16 vmax = vec::Splat(0.0f);
  int64_t k = 0;
  for (; k + w <= cols; k += w) {
    const F16 v = vec::Load(row + k);
    vmax = vec::Max(vmax, vec::Max(v, -v));
  }
  float max_abs = vec::ReduceMax(vmax);
  for (; k < cols; ++k) max_abs = std::max(max_abs, std::fabs(row[k]));
  const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
  const float inv = 1.0f / scale;
  *scale_out = scale;
  const F16 magic = vec::Splat(12582912.0f), hi = vec::Splat(127.0f), lo = vec::Splat(-127.0f);
  for (k = 0; k + w <= cols; k += w) {
    F16 q = (vec::Load(row + k) * inv + magic) - magic;
    q = q < lo ? lo : q;
    q = q > hi ? hi : q;
    const vec::I16 qi = __builtin_convertvector(q, vec::I16) + kActivationZeroPoint;
    for (int i = 0; i < w; ++i) out[k + i] = static_cast<uint8_t>(qi[i]);
  }
  for (; k < cols; ++k) {
    const float v = std::clamp(std::nearbyint(row[k] * inv), -127.0f, 127.0f);
    out[k] = static_cast<uint8_t>(static_cast<int>(v) + kActivationZeroPoint);
  }
}

// The int8 epilogue of one row: o = s · a + bias (kNone, GELU before its eltwise pass), o +=
// s · a + bias (residual), o = max(s · a + bias, 0) (ReLU).
ATTN_MULTIVERSION
void ScaleRowAddBias(const float* a, float s, const float* bias, int64_t n, DensePostOp op,
                     float* o) {
  using vec::F16;
  constexpr int64_t w = vec::kWidth;
  const F16 vs = vec::Splat(s), zero = vec::Splat(0.0f);
  int64_t j = 0;
  for (; j + w <= n; j += w) {
    F16 v = vec::Load(a + j) * vs + vec::Load(bias + j);
    if (op == DensePostOp::kResidualAdd) v += vec::Load(o + j);
    if (op == DensePostOp::kRelu) v = vec::Max(v, zero);
    vec::Store(o + j, v);
  }
  for (; j < n; ++j) {
    float v = s * a[j] + bias[j];
    if (op == DensePostOp::kResidualAdd) v += o[j];
    if (op == DensePostOp::kRelu) v = std::max(v, 0.0f);
    o[j] = v;
  }
}

}  // namespace

void QuantizeRowsU8(const float* x, int64_t rows, int64_t cols, uint8_t* q, float* scales) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) QuantizeRowU8(x + r * cols, cols, q + r * cols, scales + r);
}

absl::StatusOr<dnnl::memory::desc> PreferredWeightsDesc(const dnnl::engine& engine, int64_t in,
                                                        int64_t out, DType dtype) {
  try {
    if (dtype == DType::kInt8) {
      const dnnl::memory::desc any({in, out}, dt::s8, tag::any);
      return MakeInt8MatmulPd(engine, kMaxChunkRows, in, out, any).weights_desc();
    }
    const dnnl::memory::desc any({in, out}, dt::f32, tag::any);
    return MakeMatmulPd(engine, kMaxChunkRows, in, out, any, dnnl::primitive_attr()).weights_desc();
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, absl::StrCat("matmul ", in, "->", out));
  }
}

absl::StatusOr<PackedDense> PackedDense::Create(const dnnl::engine& engine, const Tensor& weight,
                                                const Tensor& bias, DType dtype) {
  ATTN_CHECK(weight.shape().size() == 2 && bias.shape().size() == 1);
  ATTN_CHECK(weight.dim(0) == bias.dim(0));
  if (dtype != DType::kF32 && dtype != DType::kInt8) {
    return absl::UnimplementedError(absl::StrCat("dense layers in ", DTypeName(dtype),
                                                 " are not implemented (fp32 and int8 only)"));
  }
  PackedDense d;
  d.dtype_ = dtype;
  d.out_ = weight.dim(0);
  d.in_ = weight.dim(1);
  auto desc = PreferredWeightsDesc(engine, d.in_, d.out_, dtype);
  if (!desc.ok()) return desc.status();
  d.weights_desc_ = *desc;
  // int8: q[n, k] = round(W[n, k] / scale[n]), scale[n] = max_k |W[n, k]| / 127.
  std::vector<int8_t> quantized;
  if (dtype == DType::kInt8) {
    d.scales_.Reset(static_cast<size_t>(d.out_));
    quantized.resize(static_cast<size_t>(d.out_ * d.in_));
    for (int64_t n = 0; n < d.out_; ++n) {
      const float* row = weight.data() + n * d.in_;
      const float scale = SymmetricScale({row, static_cast<size_t>(d.in_)});
      d.scales_.data()[n] = scale;
      for (int64_t k = 0; k < d.in_; ++k) {
        quantized[static_cast<size_t>(n * d.in_ + k)] = QuantizeSymmetric(row[k], scale);
      }
    }
  }
  try {
    // The checkpoint stores W as [out, in] row-major, i.e. the {in, out} matrix in `ba` order.
    const dnnl::memory::desc plain({d.in_, d.out_}, dtype == DType::kInt8 ? dt::s8 : dt::f32,
                                   tag::ba);
    void* plain_data = dtype == DType::kInt8 ? static_cast<void*>(quantized.data())
                                             : const_cast<float*>(weight.data());
    dnnl::memory src(plain, engine, plain_data);
    // With u8 activations and a zero point the int8 layout carries oneDNN's compensation terms
    // after the weights: the reorder computes them.
    const size_t bytes = d.weights_desc_.get_size();
    d.weights_.Reset(bytes);
    std::memset(d.weights_.data(), 0, bytes);
    dnnl::memory dst(d.weights_desc_, engine, d.weights_.data());
    dnnl::stream stream(engine);
    dnnl::reorder(src, dst).execute(stream, src, dst);
    stream.wait();
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, absl::StrCat("packing weights ", d.out_, "x", d.in_));
  }
  d.bias_.Reset(static_cast<size_t>(d.out_));
  std::memcpy(d.bias_.data(), bias.data(), static_cast<size_t>(d.out_) * sizeof(float));
  return d;
}

absl::StatusOr<PackedDense> PackedDense::CreateWithOptionalBias(const dnnl::engine& engine,
                                                                const Tensor& weight,
                                                                const Tensor& bias, DType dtype) {
  if (bias.size() > 0) return Create(engine, weight, bias, dtype);
  ATTN_CHECK(weight.shape().size() == 2);
  Tensor zero({weight.dim(0)});
  std::memset(zero.data(), 0, static_cast<size_t>(zero.size()) * sizeof(float));
  return Create(engine, weight, zero, dtype);
}

int64_t PackedDense::bytes() const {
  return static_cast<int64_t>(weights_.size() + (bias_.size() + scales_.size()) * sizeof(float));
}

namespace {

// fp32 x fp32 -> fp32 on oneDNN's matmul: exact-M primitives for M = 8, 16, ..., kMaxChunkRows,
// all created up front, so that no primitive is ever created after warm-up and no row of padding
// beyond the next multiple of 8 is computed. A batch of T rows runs as ceil(T / kMaxChunkRows)
// chunks.
class Fp32DenseKernel final : public DenseKernel {
 public:
  static absl::StatusOr<std::unique_ptr<DenseKernel>> Create(
      const dnnl::engine& engine, int64_t in, int64_t out, DensePostOp post_op,
      const dnnl::memory::desc& weights_desc);

  void Run(dnnl::stream& stream, const float* x, int64_t rows, const PackedDense& layer,
           float* y) override;
  int num_primitives() const override { return static_cast<int>(chunks_.size()); }
  const char* impl_name() const override { return impl_name_; }

 private:
  struct Chunk {
    dnnl::matmul matmul;
    dnnl::memory src;
    dnnl::memory dst;
  };
  Fp32DenseKernel() = default;

  int64_t in_ = 0;
  int64_t out_ = 0;
  dnnl::engine engine_;
  std::vector<Chunk> chunks_;  // chunks_[i] computes (i + 1) * kRowGranularity rows
  dnnl::memory weights_mem_;
  dnnl::memory bias_mem_;
  const char* impl_name_ = "";
};

absl::StatusOr<std::unique_ptr<DenseKernel>> Fp32DenseKernel::Create(
    const dnnl::engine& engine, int64_t in, int64_t out, DensePostOp post_op,
    const dnnl::memory::desc& weights_desc) {
  std::unique_ptr<Fp32DenseKernel> k(new Fp32DenseKernel());
  k->in_ = in;
  k->out_ = out;
  k->engine_ = engine;
  try {
    const dnnl::primitive_attr attr = MakeAttr(post_op);
    for (int64_t m = kRowGranularity; m <= kMaxChunkRows; m += kRowGranularity) {
      const auto pd = MakeMatmulPd(engine, m, in, out, weights_desc, attr);
      // The weights were packed for the layout `any` chose; a primitive that wanted another one
      // would need a second copy. oneDNN picks one layout for every M, so this holds; check it.
      if (pd.weights_desc() != weights_desc) {
        return absl::InternalError(absl::StrCat("matmul ", in, "->", out, " at M=", m,
                                                " wants a different weights layout"));
      }
      Chunk c{dnnl::matmul(pd), dnnl::memory(pd.src_desc(), engine, DNNL_MEMORY_NONE),
              dnnl::memory(pd.dst_desc(), engine, DNNL_MEMORY_NONE)};
      if (m == kMaxChunkRows) k->impl_name_ = pd.impl_info_str();
      k->chunks_.push_back(std::move(c));
    }
    k->weights_mem_ = dnnl::memory(weights_desc, engine, DNNL_MEMORY_NONE);
    k->bias_mem_ =
        dnnl::memory(dnnl::memory::desc({1, out}, dt::f32, tag::ab), engine, DNNL_MEMORY_NONE);
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, absl::StrCat("creating matmul ", in, "->", out));
  }
  return k;
}

void Fp32DenseKernel::Run(dnnl::stream& stream, const float* x, int64_t rows,
                          const PackedDense& layer, float* y) {
  ATTN_CHECK(layer.in_features() == in_ && layer.out_features() == out_ &&
             layer.dtype() == DType::kF32);
  weights_mem_.set_data_handle(const_cast<void*>(layer.packed_weights()));
  bias_mem_.set_data_handle(const_cast<float*>(layer.bias()));
  for (int64_t done = 0; done < rows;) {
    const int64_t m = std::min(kMaxChunkRows, RoundUpRows(rows - done));
    Chunk& c = chunks_[static_cast<size_t>(m / kRowGranularity - 1)];
    c.src.set_data_handle(const_cast<float*>(x + done * in_));
    c.dst.set_data_handle(y + done * out_);
    c.matmul.execute(stream, {{DNNL_ARG_SRC, c.src},
                              {DNNL_ARG_WEIGHTS, weights_mem_},
                              {DNNL_ARG_BIAS, bias_mem_},
                              {DNNL_ARG_DST, c.dst}});
    done += m;
  }
  stream.wait();
}

// u8 x s8 -> f32 on oneDNN's matmul, the same chunking as the fp32 kernel. Each Run quantizes the
// input rows (QuantizeRowsU8, a pass of its own: not yet fused into the producing LayerNorm or
// GELU) into a buffer the kernel owns, runs the matmul (acc · channel_scale), then an epilogue
// pass per chunk: · row_scale + bias, then the post-op (ReLU in the pass; GELU by a oneDNN
// eltwise primitive in place; the residual add from a scratch buffer the matmul wrote).
class Int8DenseKernel final : public DenseKernel {
 public:
  static absl::StatusOr<std::unique_ptr<DenseKernel>> Create(
      const dnnl::engine& engine, int64_t in, int64_t out, DensePostOp post_op,
      const dnnl::memory::desc& weights_desc);

  void Run(dnnl::stream& stream, const float* x, int64_t rows, const PackedDense& layer,
           float* y) override;
  int num_primitives() const override {
    return static_cast<int>(chunks_.size()) * (post_op_is_gelu() ? 2 : 1);
  }
  const char* impl_name() const override { return impl_name_; }

 private:
  struct Chunk {
    dnnl::matmul matmul;
    dnnl::memory src;
    dnnl::memory dst;
    dnnl::eltwise_forward gelu;  // GELU post-ops only
    dnnl::memory gelu_data;
  };
  Int8DenseKernel() = default;
  bool post_op_is_gelu() const {
    return post_op_ == DensePostOp::kGeluErf || post_op_ == DensePostOp::kGeluTanh;
  }
  // y[r] = op(scale[r] · acc[r] + bias) for the `m` rows of one chunk.
  void Epilogue(int64_t m, const float* acc, const float* scales, const float* bias, float* y);

  int64_t in_ = 0;
  int64_t out_ = 0;
  DensePostOp post_op_ = DensePostOp::kNone;
  std::vector<Chunk> chunks_;  // chunks_[i] computes (i + 1) * kRowGranularity rows
  dnnl::memory weights_mem_;
  dnnl::memory channel_scales_mem_;
  AlignedBuffer<uint8_t> quantized_;
  AlignedBuffer<float> row_scales_;
  AlignedBuffer<float> residual_scratch_;  // kResidualAdd: the matmul's output of one chunk
  const char* impl_name_ = "";
};

absl::StatusOr<std::unique_ptr<DenseKernel>> Int8DenseKernel::Create(
    const dnnl::engine& engine, int64_t in, int64_t out, DensePostOp post_op,
    const dnnl::memory::desc& weights_desc) {
  std::unique_ptr<Int8DenseKernel> k(new Int8DenseKernel());
  k->in_ = in;
  k->out_ = out;
  k->post_op_ = post_op;
  try {
    for (int64_t m = kRowGranularity; m <= kMaxChunkRows; m += kRowGranularity) {
      const auto pd = MakeInt8MatmulPd(engine, m, in, out, weights_desc);
      if (pd.weights_desc() != weights_desc) {
        return absl::InternalError(absl::StrCat("int8 matmul ", in, "->", out, " at M=", m,
                                                " wants a different weights layout"));
      }
      Chunk c{dnnl::matmul(pd), dnnl::memory(pd.src_desc(), engine, DNNL_MEMORY_NONE),
              dnnl::memory(pd.dst_desc(), engine, DNNL_MEMORY_NONE), {}, {}};
      if (k->post_op_is_gelu()) {
        const auto alg = post_op == DensePostOp::kGeluErf ? dnnl::algorithm::eltwise_gelu_erf
                                                          : dnnl::algorithm::eltwise_gelu_tanh;
        const dnnl::eltwise_forward::primitive_desc epd(
            dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, alg, pd.dst_desc(),
                                        0.0f, 0.0f),
            engine);
        c.gelu = dnnl::eltwise_forward(epd);
        c.gelu_data = dnnl::memory(pd.dst_desc(), engine, DNNL_MEMORY_NONE);
      }
      if (m == kMaxChunkRows) k->impl_name_ = pd.impl_info_str();
      k->chunks_.push_back(std::move(c));
    }
    k->weights_mem_ = dnnl::memory(weights_desc, engine, DNNL_MEMORY_NONE);
    k->channel_scales_mem_ =
        dnnl::memory(dnnl::memory::desc({1, out}, dt::f32, tag::ab), engine, DNNL_MEMORY_NONE);
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, absl::StrCat("creating int8 matmul ", in, "->", out));
  }
  return k;
}

void Int8DenseKernel::Epilogue(int64_t m, const float* acc, const float* scales,
                               const float* bias, float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < m; ++r) {
    ScaleRowAddBias(acc + r * out_, scales[r], bias, out_, post_op_, y + r * out_);
  }
}

void Int8DenseKernel::Run(dnnl::stream& stream, const float* x, int64_t rows,
                          const PackedDense& layer, float* y) {
  ATTN_CHECK(layer.in_features() == in_ && layer.out_features() == out_ &&
             layer.dtype() == DType::kInt8);
  const int64_t padded = RoundUpRows(rows);
  quantized_.EnsureSize(static_cast<size_t>(padded * in_));
  row_scales_.EnsureSize(static_cast<size_t>(padded));
  const bool residual = post_op_ == DensePostOp::kResidualAdd;
  if (residual) {
    residual_scratch_.EnsureSize(static_cast<size_t>(std::min(kMaxChunkRows, padded) * out_));
  }
  QuantizeRowsU8(x, padded, in_, quantized_.data(), row_scales_.data());
  weights_mem_.set_data_handle(const_cast<void*>(layer.packed_weights()));
  channel_scales_mem_.set_data_handle(const_cast<float*>(layer.weight_scales().data()));
  for (int64_t done = 0; done < rows;) {
    const int64_t m = std::min(kMaxChunkRows, RoundUpRows(rows - done));
    Chunk& c = chunks_[static_cast<size_t>(m / kRowGranularity - 1)];
    float* out = y + done * out_;
    float* acc = residual ? residual_scratch_.data() : out;
    c.src.set_data_handle(quantized_.data() + done * in_);
    c.dst.set_data_handle(acc);
    c.matmul.execute(stream, {{DNNL_ARG_SRC, c.src},
                              {DNNL_ARG_WEIGHTS, weights_mem_},
                              {DNNL_ARG_DST, c.dst},
                              {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1,
                               channel_scales_mem_}});
    stream.wait();
    Epilogue(m, acc, row_scales_.data() + done, layer.bias(), out);
    if (post_op_is_gelu()) {
      c.gelu_data.set_data_handle(out);
      c.gelu.execute(stream, {{DNNL_ARG_SRC, c.gelu_data}, {DNNL_ARG_DST, c.gelu_data}});
      stream.wait();
    }
    done += m;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<DenseKernel>> DenseKernel::Create(const dnnl::engine& engine,
                                                                 const PackedDense& layer,
                                                                 DensePostOp post_op) {
  switch (layer.dtype()) {
    case DType::kF32:
      return Fp32DenseKernel::Create(engine, layer.in_features(), layer.out_features(), post_op,
                                     layer.weights_desc());
    case DType::kInt8:
      if (post_op == DensePostOp::kSilu) {
        return absl::UnimplementedError("no int8 dense kernel with a SiLU post-op");
      }
      return Int8DenseKernel::Create(engine, layer.in_features(), layer.out_features(), post_op,
                                     layer.weights_desc());
    case DType::kF16:
    case DType::kBF16:
      break;
  }
  return absl::UnimplementedError(absl::StrCat("no dense kernel for ",
                                               DTypeName(layer.dtype()), " weights"));
}

}  // namespace attnserve::core
