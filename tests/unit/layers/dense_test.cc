#include "core/layers/dense.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/dnnl/dnnl_util.h"

namespace attnserve::core {
namespace {

struct DenseCase {
  int64_t rows, in, out;
  DensePostOp post_op;
};

double Gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
double GeluTanh(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

class DenseKernelTest : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseKernelTest, MatchesNaiveMatmul) {
  const DenseCase c = GetParam();
  std::mt19937 rng(static_cast<unsigned>(c.rows * 31 + c.in * 7 + c.out));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Tensor w({c.out, c.in}), b({c.out});
  for (float& v : w.span()) v = dist(rng) / std::sqrt(static_cast<float>(c.in));
  for (float& v : b.span()) v = dist(rng);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto packed = PackedDense::Create(engine, w, b);
  ASSERT_TRUE(packed.ok()) << packed.status();
  auto kernel = DenseKernel::Create(engine, *packed, c.post_op);
  ASSERT_TRUE(kernel.ok()) << kernel.status();

  const int64_t padded = RoundUpRows(c.rows);
  std::vector<float> x(static_cast<size_t>(padded * c.in), 0.0f);
  std::vector<float> y(static_cast<size_t>(padded * c.out), 0.0f);
  for (int64_t i = 0; i < c.rows * c.in; ++i) x[static_cast<size_t>(i)] = dist(rng);
  for (int64_t i = 0; i < c.rows * c.out; ++i) y[static_cast<size_t>(i)] = dist(rng);
  const std::vector<float> residual = y;
  SetFlushDenormalsInTeam();
  (*kernel)->Run(stream, x.data(), c.rows, *packed, y.data());

  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t o = 0; o < c.out; ++o) {
      double acc = b.data()[o];
      for (int64_t k = 0; k < c.in; ++k) {
        acc += static_cast<double>(x[static_cast<size_t>(r * c.in + k)]) * w.data()[o * c.in + k];
      }
      switch (c.post_op) {
        case DensePostOp::kNone: break;
        case DensePostOp::kGeluErf: acc = Gelu(acc); break;
        case DensePostOp::kGeluTanh: acc = GeluTanh(acc); break;
        case DensePostOp::kRelu: acc = std::max(acc, 0.0); break;
        case DensePostOp::kSilu: acc = acc / (1.0 + std::exp(-acc)); break;
        case DensePostOp::kResidualAdd: acc += residual[static_cast<size_t>(r * c.out + o)]; break;
      }
      ASSERT_NEAR(y[static_cast<size_t>(r * c.out + o)], acc, 1e-4)
          << "row " << r << " col " << o;
    }
  }
}

// Row counts below, at and above the 8-row granularity and the 512-row chunk; shapes that are not
// multiples of 16 (200, 150) like some real intermediate sizes.
INSTANTIATE_TEST_SUITE_P(
    Shapes, DenseKernelTest,
    ::testing::Values(DenseCase{1, 64, 64, DensePostOp::kNone},
                      DenseCase{7, 96, 288, DensePostOp::kNone},
                      DenseCase{8, 96, 200, DensePostOp::kGeluErf},
                      DenseCase{9, 200, 96, DensePostOp::kResidualAdd},
                      DenseCase{100, 64, 150, DensePostOp::kGeluTanh},
                      DenseCase{130, 150, 64, DensePostOp::kRelu},
                      DenseCase{37, 64, 70, DensePostOp::kSilu},
                      DenseCase{512, 32, 48, DensePostOp::kResidualAdd},
                      DenseCase{513, 48, 32, DensePostOp::kGeluErf},
                      DenseCase{1100, 40, 24, DensePostOp::kResidualAdd}));

TEST(DenseKernelTest, CreatesAllChunkPrimitivesUpFrontWithBrgemm) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Tensor w({1536, 384}), b({1536});
  std::fill(w.span().begin(), w.span().end(), 0.0f);
  std::fill(b.span().begin(), b.span().end(), 0.0f);
  auto packed = PackedDense::Create(engine, w, b);
  ASSERT_TRUE(packed.ok()) << packed.status();
  EXPECT_EQ(packed->dtype(), DType::kF32);
  auto kernel = DenseKernel::Create(engine, *packed, DensePostOp::kGeluErf);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  EXPECT_EQ((*kernel)->num_primitives(), kMaxChunkRows / kRowGranularity);
  // A reference ("ref:") implementation would be orders of magnitude slower.
  EXPECT_EQ(std::string((*kernel)->impl_name()).rfind("ref", 0), std::string::npos)
      << (*kernel)->impl_name();
}

TEST(DenseKernelTest, PrecisionsWithoutAKernelAreRefusedByName) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Tensor w({16, 16}), b({16});
  std::fill(w.span().begin(), w.span().end(), 0.0f);
  std::fill(b.span().begin(), b.span().end(), 0.0f);
  for (DType t : {DType::kF16, DType::kBF16}) {
    auto packed = PackedDense::Create(engine, w, b, t);
    ASSERT_FALSE(packed.ok());
    EXPECT_EQ(packed.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_THAT(std::string(packed.status().message()),
                ::testing::HasSubstr(std::string(DTypeName(t))));
  }
}

}  // namespace
}  // namespace attnserve::core
