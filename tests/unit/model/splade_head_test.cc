// SpladeHead's math against a float64 reference written out the direct way in this test: the
// whole [tokens x vocab] logits, log1p(relu) of each, then the max over tokens (as
// sentence-transformers' SpladePooling does it), for sequences shorter and longer than the row
// chunk; Sparsify's non-zero selection and top-k order; shape checks.
#include "core/heads/splade.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace attnserve::core {
namespace {

Tensor Random(std::vector<int64_t> shape, std::mt19937& rng, float scale, float offset = 0.0f) {
  Tensor t(std::move(shape));
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& x : t.span()) x = offset + scale * d(rng);
  return t;
}

struct Weights {
  Tensor dw, db, g, b, ow, ob;
};

Weights MakeWeights(int h, int v, std::mt19937& rng) {
  return {Random({h, h}, rng, 0.3f), Random({h}, rng, 0.1f), Random({h}, rng, 0.1f, 1.0f),
          Random({h}, rng, 0.1f),    Random({v, h}, rng, 0.3f), Random({v}, rng, 0.5f, -0.5f)};
}

double Gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

std::vector<double> Reference(const Weights& w, float eps, const std::vector<float>& tokens,
                              int n, int h, int v) {
  std::vector<std::vector<double>> act(n, std::vector<double>(v));
  for (int t = 0; t < n; ++t) {
    std::vector<double> y(h);
    for (int o = 0; o < h; ++o) {
      double s = w.db.data()[o];
      for (int i = 0; i < h; ++i) s += double(w.dw.data()[o * h + i]) * tokens[t * h + i];
      y[o] = Gelu(s);
    }
    double mean = 0, var = 0;
    for (double x : y) mean += x;
    mean /= h;
    for (double x : y) var += (x - mean) * (x - mean);
    var /= h;
    for (int i = 0; i < h; ++i) {
      y[i] = (y[i] - mean) / std::sqrt(var + eps) * w.g.data()[i] + w.b.data()[i];
    }
    for (int o = 0; o < v; ++o) {
      double s = w.ob.data()[o];
      for (int i = 0; i < h; ++i) s += double(w.ow.data()[o * h + i]) * y[i];
      act[t][o] = std::log1p(std::max(0.0, s));
    }
  }
  std::vector<double> pooled(v, 0.0);
  for (int o = 0; o < v; ++o) {
    pooled[o] = act[0][o];
    for (int t = 1; t < n; ++t) pooled[o] = std::max(pooled[o], act[t][o]);
  }
  return pooled;
}

Tensor Copy(const Tensor& t) {
  Tensor c(t.shape());
  std::copy(t.span().begin(), t.span().end(), c.span().begin());
  return c;
}

TEST(SpladeHeadTest, MatchesDirectComputationAcrossRowChunks) {
  constexpr int h = 24, v = 97;
  constexpr float eps = 1e-12f;
  std::mt19937 rng(13);
  Weights w = MakeWeights(h, v, rng);
  auto head = SpladeHead::Create(Copy(w.dw), Copy(w.db), Copy(w.g), Copy(w.b), eps, Copy(w.ow),
                                 Copy(w.ob), MlmActivation::kGeluErf);
  ASSERT_TRUE(head.ok()) << head.status();
  for (int n : {1, 5, SpladeHead::kRowChunk, SpladeHead::kRowChunk + 1, 37}) {
    std::vector<float> tokens(static_cast<size_t>(n) * h);
    std::normal_distribution<float> d;
    for (float& x : tokens) x = d(rng);
    std::vector<float> got(v);
    (*head)->PoolWeights(tokens.data(), n, got);
    const std::vector<double> want = Reference(w, eps, tokens, n, h, v);
    int zeros = 0;
    for (int o = 0; o < v; ++o) {
      EXPECT_NEAR(got[o], want[o], 1e-5) << "n=" << n << " vocab id " << o;
      EXPECT_EQ(got[o] == 0.0f, want[o] == 0.0) << "n=" << n << " vocab id " << o;
      zeros += want[o] == 0.0;
    }
    if (n == 1) {
      EXPECT_GT(zeros, 0) << "the fixture should exercise the relu";
    }
  }
}

TEST(SpladeHeadTest, SparsifyKeepsNonZeroAndTopK) {
  const std::vector<float> w = {0.0f, 0.5f, 0.0f, 2.0f, 0.5f, 1.0f};
  SparseVector all = SpladeHead::Sparsify(w, 0);
  EXPECT_EQ(all.indices, (std::vector<int32_t>{1, 3, 4, 5}));
  EXPECT_EQ(all.values, (std::vector<float>{0.5f, 2.0f, 0.5f, 1.0f}));
  SparseVector top = SpladeHead::Sparsify(w, 3);
  EXPECT_EQ(top.indices, (std::vector<int32_t>{3, 5, 1}));
  EXPECT_EQ(top.values, (std::vector<float>{2.0f, 1.0f, 0.5f}));
  EXPECT_EQ(SpladeHead::Sparsify(w, 10).indices.size(), 4u);
}

TEST(SpladeHeadTest, RejectsInconsistentShapes) {
  std::mt19937 rng(1);
  Weights w = MakeWeights(8, 11, rng);
  auto head = SpladeHead::Create(Copy(w.dw), Copy(w.db), Copy(w.g), Copy(w.b), 1e-12f,
                                 Random({11, 7}, rng, 1.0f), Copy(w.ob), MlmActivation::kRelu);
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(head.status().message().find("[11, 7]"), std::string::npos) << head.status();
}

}  // namespace
}  // namespace attnserve::core
