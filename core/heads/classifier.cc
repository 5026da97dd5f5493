#include "core/heads/classifier.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "core/model/config_json.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Eight independent partial sums: the head is a few thousand dot products per batch, and the
// chains of one accumulator would be latency-bound.
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

// y = W x + b, W [out, in] row-major (PyTorch's Linear).
void Linear(const Tensor& w, const Tensor& b, const float* x, float* y) {
  const int out = static_cast<int>(w.dim(0)), in = static_cast<int>(w.dim(1));
  for (int o = 0; o < out; ++o) {
    y[o] = b.data()[o] + Dot(w.data() + static_cast<int64_t>(o) * in, x, in);
  }
}

bool IsShape(const Tensor& t, std::initializer_list<int64_t> shape) {
  return t.shape() == std::vector<int64_t>(shape);
}

std::string ShapeString(const Tensor& t) {
  std::string s = "[";
  for (size_t i = 0; i < t.shape().size(); ++i) absl::StrAppend(&s, i ? ", " : "", t.shape()[i]);
  return s + "]";
}

}  // namespace

absl::StatusOr<std::unique_ptr<const SequenceClassifier>> SequenceClassifier::Create(
    Tensor dense_weight, Tensor dense_bias, Tensor out_weight, Tensor out_bias,
    ClassifierActivation activation) {
  if (dense_weight.shape().size() != 2 || out_weight.shape().size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("a classification head needs 2-d weights; got dense ",
                     ShapeString(dense_weight), " and out ", ShapeString(out_weight)));
  }
  const int64_t h = dense_weight.dim(1), n = out_weight.dim(0);
  if (h <= 0 || n <= 0 || !IsShape(dense_weight, {h, h}) || !IsShape(dense_bias, {h}) ||
      !IsShape(out_weight, {n, h}) || !IsShape(out_bias, {n})) {
    return absl::InvalidArgumentError(absl::StrCat(
        "inconsistent classification head: dense weight ", ShapeString(dense_weight), ", bias ",
        ShapeString(dense_bias), "; out weight ", ShapeString(out_weight), ", bias ",
        ShapeString(out_bias), " (expected [H, H], [H], [labels, H], [labels])"));
  }
  std::unique_ptr<SequenceClassifier> c(new SequenceClassifier());
  c->hidden_ = static_cast<int>(h);
  c->labels_ = static_cast<int>(n);
  c->activation_ = activation;
  c->dense_weight_ = std::move(dense_weight);
  c->dense_bias_ = std::move(dense_bias);
  c->out_weight_ = std::move(out_weight);
  c->out_bias_ = std::move(out_bias);
  return std::unique_ptr<const SequenceClassifier>(std::move(c));
}

void SequenceClassifier::Logits(const float* first_token, std::span<float> logits) const {
  ATTN_CHECK(static_cast<int>(logits.size()) == labels_);
  // A few KiB at most (hidden_size floats), on the compute thread's stack-like scratch.
  thread_local std::vector<float> pooled;
  pooled.resize(static_cast<size_t>(hidden_));
  Linear(dense_weight_, dense_bias_, first_token, pooled.data());
  for (float& x : pooled) {
    x = activation_ == ClassifierActivation::kTanh ? std::tanh(x) : std::max(x, 0.0f);
  }
  Linear(out_weight_, out_bias_, pooled.data(), logits.data());
}

ScoreFunction DefaultScoreFunction(const ClassifierSpec& spec) {
  switch (spec.problem_type) {
    case ProblemType::kSingleLabel:
      return ScoreFunction::kSoftmax;
    case ProblemType::kMultiLabel:
      return ScoreFunction::kSigmoid;
    case ProblemType::kRegression:
      return ScoreFunction::kIdentity;
    case ProblemType::kUnspecified:
      break;
  }
  return spec.num_labels() == 1 ? ScoreFunction::kSigmoid : ScoreFunction::kSoftmax;
}

void ApplyScoreFunction(ScoreFunction fn, std::span<const float> logits, std::span<float> out) {
  ATTN_CHECK(out.size() == logits.size());
  switch (fn) {
    case ScoreFunction::kIdentity:
      std::copy(logits.begin(), logits.end(), out.begin());
      return;
    case ScoreFunction::kSigmoid:
      for (size_t i = 0; i < logits.size(); ++i) {
        out[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(logits[i]))));
      }
      return;
    case ScoreFunction::kSoftmax: {
      if (logits.empty()) return;
      const float m = *std::max_element(logits.begin(), logits.end());
      double sum = 0.0;
      for (float x : logits) sum += std::exp(static_cast<double>(x - m));
      for (size_t i = 0; i < logits.size(); ++i) {
        out[i] = static_cast<float>(std::exp(static_cast<double>(logits[i] - m)) / sum);
      }
      return;
    }
  }
}

absl::StatusOr<ClassifierSpec> ParseClassifierConfig(absl::string_view json_text,
                                                     absl::string_view source) {
  ATTN_ASSIGN_OR_RETURN(const nlohmann::json j, ParseConfigObject(json_text, source));
  ClassifierSpec spec;
  if (const auto it = j.find("architectures"); it != j.end() && it->is_array() && !it->empty()) {
    spec.head_declared = false;
    for (const auto& a : *it) {
      if (a.is_string() && a.get<std::string>().ends_with("ForSequenceClassification")) {
        spec.head_declared = true;
      }
    }
  }
  if (const auto it = j.find("problem_type"); it != j.end() && !it->is_null()) {
    const std::string p = it->is_string() ? it->get<std::string>() : "";
    if (p == "single_label_classification") {
      spec.problem_type = ProblemType::kSingleLabel;
    } else if (p == "multi_label_classification") {
      spec.problem_type = ProblemType::kMultiLabel;
    } else if (p == "regression") {
      spec.problem_type = ProblemType::kRegression;
    } else {
      return ConfigError(source, absl::StrCat("problem_type must be \"regression\", "
                                              "\"single_label_classification\" or "
                                              "\"multi_label_classification\"; was ",
                                              it->dump()));
    }
  }
  if (const auto it = j.find("id2label"); it != j.end() && !it->is_null()) {
    if (!it->is_object() || it->empty() || it->size() > 100000) {
      return ConfigError(source, "id2label must be a non-empty object {\"0\": label, ...}");
    }
    spec.labels.assign(it->size(), "");
    std::vector<bool> seen(it->size(), false);
    for (const auto& [key, value] : it->items()) {
      size_t id = 0;
      if (!absl::SimpleAtoi(key, &id) || id >= seen.size() || seen[id] || !value.is_string()) {
        return ConfigError(source,
                           absl::StrCat("id2label must map each id 0..", seen.size() - 1,
                                        " to a string once; bad entry \"", key, "\""));
      }
      seen[id] = true;
      spec.labels[id] = value.get<std::string>();
    }
  } else if (j.contains("num_labels")) {
    int n = 0;
    ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "num_labels", false, &n));
    ATTN_RETURN_IF_ERROR(CheckConfigRanges(source, {{"num_labels", n, 100000}}));
    for (int i = 0; i < n; ++i) spec.labels.push_back(absl::StrCat("LABEL_", i));
  }
  return spec;
}

}  // namespace attnserve::core
