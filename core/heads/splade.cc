#include "core/heads/splade.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"

namespace attnserve::core {
namespace {

float Dot(const float* a, const float* b, int n) {
  float s[8] = {};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  }
  float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

std::string ShapeString(const Tensor& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.shape().size(); ++i) absl::StrAppend(&s, i ? ", " : "", t.shape()[i]);
  return s + "]";
}

float Activate(MlmActivation a, float x) {
  switch (a) {
    case MlmActivation::kGeluErf:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case MlmActivation::kGeluTanh:
      return 0.5f * x *
             (1.0f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    case MlmActivation::kRelu:
      return x > 0.0f ? x : 0.0f;
  }
  return x;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const SpladeHead>> SpladeHead::Create(
    Tensor dense_weight, Tensor dense_bias, Tensor norm_gamma, Tensor norm_beta, float norm_eps,
    Tensor decoder_weight, Tensor decoder_bias, MlmActivation activation) {
  const int64_t h = dense_weight.shape().size() == 2 ? dense_weight.dim(1) : 0;
  const int64_t v = decoder_weight.shape().size() == 2 ? decoder_weight.dim(0) : 0;
  using S = std::vector<int64_t>;
  if (h <= 0 || v <= 0 || dense_weight.shape() != S{h, h} || dense_bias.shape() != S{h} ||
      norm_gamma.shape() != S{h} || norm_beta.shape() != S{h} ||
      decoder_weight.shape() != S{v, h} || decoder_bias.shape() != S{v}) {
    return absl::InvalidArgumentError(absl::StrCat(
        "inconsistent masked-LM head: transform dense ", ShapeString(dense_weight), " + ",
        ShapeString(dense_bias), ", LayerNorm ", ShapeString(norm_gamma), " + ",
        ShapeString(norm_beta), ", decoder ", ShapeString(decoder_weight), " + ",
        ShapeString(decoder_bias), " (expected [H, H], [H], [H], [H], [vocab, H], [vocab])"));
  }
  std::unique_ptr<SpladeHead> s(new SpladeHead());
  s->hidden_ = static_cast<int>(h);
  s->vocab_ = static_cast<int>(v);
  s->eps_ = norm_eps;
  s->activation_ = activation;
  s->dense_weight_ = std::move(dense_weight);
  s->dense_bias_ = std::move(dense_bias);
  s->gamma_ = std::move(norm_gamma);
  s->beta_ = std::move(norm_beta);
  s->decoder_weight_ = std::move(decoder_weight);
  s->decoder_bias_ = std::move(decoder_bias);
  return std::unique_ptr<const SpladeHead>(std::move(s));
}

void SpladeHead::Logits(const float* token, float* t, float* logits) const {
  const int h = hidden_;
  for (int o = 0; o < h; ++o) {
    t[o] = Activate(activation_, dense_bias_.data()[o] +
                                     Dot(dense_weight_.data() + static_cast<int64_t>(o) * h,
                                         token, h));
  }
  double mean = 0.0, var = 0.0;
  for (int i = 0; i < h; ++i) mean += t[i];
  mean /= h;
  for (int i = 0; i < h; ++i) var += (t[i] - mean) * (t[i] - mean);
  var /= h;
  const float inv = static_cast<float>(1.0 / std::sqrt(var + eps_));
  for (int i = 0; i < h; ++i) {
    t[i] = (t[i] - static_cast<float>(mean)) * inv * gamma_.data()[i] + beta_.data()[i];
  }
  for (int v = 0; v < vocab_; ++v) {
    logits[v] =
        decoder_bias_.data()[v] + Dot(decoder_weight_.data() + static_cast<int64_t>(v) * h, t, h);
  }
}

void SpladeHead::PoolWeights(const float* tokens, int64_t num_tokens,
                             std::span<float> weights) const {
  std::fill(weights.begin(), weights.end(), 0.0f);
  // relu(x) >= 0 and log1p is increasing: max of log1p(relu(x)) = log1p(relu(max x)). Track the
  // running maximum of the logits (floored at 0, the relu), chunk by chunk, then one log1p.
  std::vector<float> scratch(hidden_);
  std::vector<float> logits(static_cast<size_t>(kRowChunk) * vocab_);
  for (int64_t start = 0; start < num_tokens; start += kRowChunk) {
    const int64_t rows = std::min<int64_t>(kRowChunk, num_tokens - start);
    for (int64_t r = 0; r < rows; ++r) {
      Logits(tokens + (start + r) * hidden_, scratch.data(), logits.data() + r * vocab_);
    }
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = logits.data() + r * vocab_;
      for (int v = 0; v < vocab_; ++v) weights[v] = std::max(weights[v], row[v]);
    }
  }
  for (float& w : weights) w = std::log1p(w);
}

SparseVector SpladeHead::Sparsify(std::span<const float> weights, int top_k) {
  SparseVector out;
  std::vector<int32_t> ids;
  for (size_t v = 0; v < weights.size(); ++v) {
    if (weights[v] > 0.0f) ids.push_back(static_cast<int32_t>(v));
  }
  if (top_k > 0 && static_cast<size_t>(top_k) < ids.size()) {
    std::partial_sort(ids.begin(), ids.begin() + top_k, ids.end(), [&](int32_t a, int32_t b) {
      return weights[a] != weights[b] ? weights[a] > weights[b] : a < b;
    });
    ids.resize(top_k);
  }
  out.indices = ids;
  for (int32_t id : ids) out.values.push_back(weights[id]);
  return out;
}

}  // namespace attnserve::core
