#include "core/layers/dense.h"

#include <cstring>

#include "absl/strings/str_cat.h"

#include "core/dnnl/dnnl_util.h"
#include "core/util/check.h"

namespace attnserve::core {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::primitive_attr MakeAttr(DensePostOp post_op) {
  dnnl::post_ops ops;
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
    case DensePostOp::kResidualAdd:
      ops.append_sum(1.0f);
      break;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
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

absl::StatusOr<dnnl::memory::desc> PreferredWeightsDesc(const dnnl::engine& engine, int64_t in,
                                                        int64_t out) {
  try {
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
  if (dtype != DType::kF32) {
    return absl::UnimplementedError(
        absl::StrCat("dense layers in ", DTypeName(dtype), " are not implemented (fp32 only)"));
  }
  PackedDense d;
  d.dtype_ = dtype;
  d.out_ = weight.dim(0);
  d.in_ = weight.dim(1);
  auto desc = PreferredWeightsDesc(engine, d.in_, d.out_);
  if (!desc.ok()) return desc.status();
  d.weights_desc_ = *desc;
  try {
    // The checkpoint stores W as [out, in] row-major, i.e. the {in, out} matrix in `ba` order.
    const dnnl::memory::desc plain({d.in_, d.out_}, dt::f32, tag::ba);
    dnnl::memory src(plain, engine, const_cast<float*>(weight.data()));
    const size_t bytes = d.weights_desc_.get_size();
    d.weights_.Reset((bytes + sizeof(float) - 1) / sizeof(float));
    std::memset(d.weights_.data(), 0, d.weights_.size() * sizeof(float));
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
  return static_cast<int64_t>((weights_.size() + bias_.size()) * sizeof(float));
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
  weights_mem_.set_data_handle(const_cast<float*>(layer.packed_weights()));
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


}  // namespace

absl::StatusOr<std::unique_ptr<DenseKernel>> DenseKernel::Create(const dnnl::engine& engine,
                                                                 const PackedDense& layer,
                                                                 DensePostOp post_op) {
  switch (layer.dtype()) {
    case DType::kF32:
      return Fp32DenseKernel::Create(engine, layer.in_features(), layer.out_features(), post_op,
                                     layer.weights_desc());
    case DType::kF16:
    case DType::kBF16:
    case DType::kInt8:
      break;
  }
  return absl::UnimplementedError(absl::StrCat("no dense kernel for ",
                                               DTypeName(layer.dtype()), " weights"));
}

}  // namespace attnserve::core
