// The int8 dense kernel against fp64: within a bound derived from the scales, and, tighter,
// equal (to fp32 rounding) to the fp64 product of the dequantized operands, which checks the
// epilogue (row scale, channel scale, then the bias, then the post-op).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/dnnl/dnnl_util.h"
#include "core/layers/dense.h"

namespace attnserve::core {
namespace {

TEST(Int8QuantizeTest, SymmetricRoundTripIsWithinHalfAStep) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> v(1000);
  for (float& x : v) x = dist(rng);
  v[17] = -25.0f;  // the extreme value maps to -127 exactly
  const float scale = SymmetricScale(v);
  EXPECT_FLOAT_EQ(scale, 25.0f / 127.0f);
  EXPECT_EQ(QuantizeSymmetric(v[17], scale), -127);
  for (const float x : v) {
    const int8_t q = QuantizeSymmetric(x, scale);
    EXPECT_LE(std::fabs(q * scale - x), scale / 2 * (1 + 1e-6f)) << x;
  }
}

TEST(Int8QuantizeTest, SaturatesAndKeepsZerosExact) {
  EXPECT_EQ(QuantizeSymmetric(1000.0f, 1.0f), 127);
  EXPECT_EQ(QuantizeSymmetric(-1000.0f, 1.0f), -127);  // never -128: the range is symmetric
  EXPECT_EQ(QuantizeSymmetric(0.0f, 0.5f), 0);
  const std::vector<float> zeros(16, 0.0f);
  EXPECT_EQ(SymmetricScale(zeros), 1.0f);
}

TEST(Int8QuantizeTest, RowsU8AreTheSymmetricCodesShiftedByTheZeroPoint) {
  const int64_t rows = 5, cols = 37;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  std::vector<float> x(static_cast<size_t>(rows * cols));
  for (float& v : x) v = dist(rng);
  std::fill(x.begin() + 2 * cols, x.begin() + 3 * cols, 0.0f);  // an all-zero row
  std::vector<uint8_t> q(x.size());
  std::vector<float> scales(rows);
  QuantizeRowsU8(x.data(), rows, cols, q.data(), scales.data());
  for (int64_t r = 0; r < rows; ++r) {
    const std::span<const float> row(x.data() + r * cols, static_cast<size_t>(cols));
    EXPECT_FLOAT_EQ(scales[r], SymmetricScale(row)) << "row " << r;
    for (int64_t k = 0; k < cols; ++k) {
      const int expected = QuantizeSymmetric(row[k], scales[r]) + kActivationZeroPoint;
      // x * (1 / s) and x / s may differ in the last bit, which can move a value sitting exactly
      // between two codes: at most one code apart, and never past the range.
      EXPECT_NEAR(q[static_cast<size_t>(r * cols + k)], expected, 1) << r << "," << k;
      const float back = (q[static_cast<size_t>(r * cols + k)] - kActivationZeroPoint) * scales[r];
      EXPECT_LE(std::fabs(back - row[k]), scales[r] * 0.5f * (1 + 1e-5f)) << r << "," << k;
    }
  }
}

struct Int8Case {
  int64_t rows, in, out;
  DensePostOp post_op;
};

double Gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

double ApplyPostOp(DensePostOp op, double v, double residual) {
  switch (op) {
    case DensePostOp::kNone: return v;
    case DensePostOp::kGeluErf: return Gelu(v);
    case DensePostOp::kRelu: return std::max(v, 0.0);
    case DensePostOp::kResidualAdd: return v + residual;
    case DensePostOp::kGeluTanh: break;
    case DensePostOp::kSilu: break;  // no int8 kernel (Unimplemented)
  }
  ADD_FAILURE() << "post-op not covered";
  return v;
}

class Int8DenseKernelTest : public ::testing::TestWithParam<Int8Case> {};

TEST_P(Int8DenseKernelTest, WithinTheQuantizationBoundOfFp64) {
  const Int8Case c = GetParam();
  std::mt19937 rng(static_cast<unsigned>(c.rows * 131 + c.in * 3 + c.out));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Tensor w({c.out, c.in}), b({c.out});
  for (float& v : w.span()) v = dist(rng) / std::sqrt(static_cast<float>(c.in));
  w.data()[5] = 2.0f;  // an outlier in channel 0: its scale is coarser than the others'
  for (float& v : b.span()) v = dist(rng);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto packed = PackedDense::Create(engine, w, b, DType::kInt8);
  ASSERT_TRUE(packed.ok()) << packed.status();
  ASSERT_EQ(packed->weight_scales().size(), static_cast<size_t>(c.out));
  auto kernel = DenseKernel::Create(engine, *packed, c.post_op);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  // oneDNN's reference int8 matmul ("ref_int8:any") is ~100x slower than brgemm.
  EXPECT_EQ(std::string((*kernel)->impl_name()).rfind("ref", 0), std::string::npos)
      << (*kernel)->impl_name();

  const int64_t padded = RoundUpRows(c.rows);
  std::vector<float> x(static_cast<size_t>(padded * c.in), 0.0f);
  std::vector<float> y(static_cast<size_t>(padded * c.out), 0.0f);
  for (int64_t i = 0; i < c.rows * c.in; ++i) x[static_cast<size_t>(i)] = dist(rng);
  x[3] = 9.0f;  // an activation outlier in row 0
  for (int64_t i = 0; i < c.rows * c.out; ++i) y[static_cast<size_t>(i)] = dist(rng);
  const std::vector<float> residual = y;
  SetFlushDenormalsInTeam();
  (*kernel)->Run(stream, x.data(), c.rows, *packed, y.data());

  const std::span<const float> ws = packed->weight_scales();
  constexpr double kEps32 = std::numeric_limits<float>::epsilon();
  // |GELU'| <= 1.13 everywhere; ReLU and the identity are 1-Lipschitz.
  const double lipschitz = c.post_op == DensePostOp::kGeluErf ? 1.13 : 1.0;
  for (int64_t r = 0; r < c.rows; ++r) {
    const float* xr = x.data() + r * c.in;
    const float sx = SymmetricScale({xr, static_cast<size_t>(c.in)});
    for (int64_t o = 0; o < c.out; ++o) {
      const float* wo = w.data() + o * c.in;
      const double sw = ws[static_cast<size_t>(o)];
      double exact = b.data()[o], dequantized = b.data()[o], bound = 0.0, magnitude = 0.0;
      for (int64_t k = 0; k < c.in; ++k) {
        exact += static_cast<double>(xr[k]) * wo[k];
        dequantized += static_cast<double>(QuantizeSymmetric(xr[k], sx)) * sx *
                       (static_cast<double>(QuantizeSymmetric(wo[k], static_cast<float>(sw))) * sw);
        // x̂ŵ - xw = x·e_w + w·e_x + e_x·e_w with |e_x| <= sx/2, |e_w| <= sw/2.
        bound += std::fabs(xr[k]) * sw / 2 + std::fabs(wo[k]) * sx / 2 + sx * sw / 4;
        magnitude += std::fabs(static_cast<double>(xr[k]) * wo[k]);
      }
      const double res = residual[static_cast<size_t>(r * c.out + o)];
      const double got = y[static_cast<size_t>(r * c.out + o)];
      // fp32 epilogue: the int32 sum is exact; two scalings, the bias and the post-op round.
      const double rounding =
          8 * kEps32 * (magnitude + bound + std::fabs(b.data()[o]) + std::fabs(res) + 1);
      ASSERT_LE(std::fabs(got - ApplyPostOp(c.post_op, exact, res)),
                lipschitz * bound + rounding)
          << "row " << r << " col " << o;
      ASSERT_NEAR(got, ApplyPostOp(c.post_op, dequantized, res), lipschitz * rounding + 1e-5)
          << "row " << r << " col " << o << " (the dequantized product)";
    }
  }
}

// Below, at and above the 8-row granularity and the 512-row chunk; every post-op of an encoder.
INSTANTIATE_TEST_SUITE_P(
    Shapes, Int8DenseKernelTest,
    ::testing::Values(Int8Case{1, 64, 64, DensePostOp::kNone},
                      Int8Case{7, 96, 288, DensePostOp::kNone},
                      Int8Case{8, 96, 200, DensePostOp::kGeluErf},
                      Int8Case{9, 200, 96, DensePostOp::kResidualAdd},
                      Int8Case{130, 150, 64, DensePostOp::kRelu},
                      Int8Case{600, 64, 48, DensePostOp::kResidualAdd}));

TEST(Int8DenseTest, WeightsTakeAQuarterOfFp32) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Tensor w({768, 768}), b({768});
  for (float& v : w.span()) v = 0.01f;
  for (float& v : b.span()) v = 0.0f;
  auto f32 = PackedDense::Create(engine, w, b, DType::kF32);
  auto s8 = PackedDense::Create(engine, w, b, DType::kInt8);
  ASSERT_TRUE(f32.ok() && s8.ok());
  // s8 weights + a few KiB of compensation, scales and bias.
  EXPECT_LT(s8->bytes(), f32->bytes() / 4 + 16 * 1024);
}

}  // namespace
}  // namespace attnserve::core
