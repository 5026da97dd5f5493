#include "core/heads/sentence_dense.h"

#include <cmath>

#include "absl/strings/str_cat.h"

#include "core/util/check.h"

namespace attnserve::core {

absl::StatusOr<SentenceActivation> ParseSentenceActivation(absl::string_view name,
                                                           absl::string_view source) {
  const struct {
    const char* short_name;  // the class name
    SentenceActivation activation;
  } known[] = {
      {"Identity", SentenceActivation::kIdentity}, {"Tanh", SentenceActivation::kTanh},
      {"ReLU", SentenceActivation::kRelu},         {"GELU", SentenceActivation::kGeluErf},
      {"Sigmoid", SentenceActivation::kSigmoid},
  };
  for (const auto& k : known) {
    for (const std::string& full :
         {absl::StrCat("torch.nn.modules.activation.", k.short_name),
          absl::StrCat("torch.nn.modules.linear.", k.short_name),
          absl::StrCat("torch.nn.", k.short_name)}) {
      if (name == full) return k.activation;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source, ": activation_function '", name,
      "' is not supported (supported: torch.nn Identity, Tanh, ReLU, GELU, Sigmoid)"));
}

void ApplySentenceDense(const SentenceDense& d, std::span<const float> x, std::span<float> out) {
  ATTN_CHECK(static_cast<int>(x.size()) >= d.in && static_cast<int>(out.size()) >= d.out);
  for (int o = 0; o < d.out; ++o) {
    const float* w = d.weight.data() + static_cast<size_t>(o) * static_cast<size_t>(d.in);
    double acc = d.bias.empty() ? 0.0 : d.bias[static_cast<size_t>(o)];
    for (int i = 0; i < d.in; ++i) acc += static_cast<double>(w[i]) * x[static_cast<size_t>(i)];
    switch (d.activation) {
      case SentenceActivation::kIdentity:
        break;
      case SentenceActivation::kTanh:
        acc = std::tanh(acc);
        break;
      case SentenceActivation::kRelu:
        acc = acc > 0.0 ? acc : 0.0;
        break;
      case SentenceActivation::kGeluErf:
        acc = 0.5 * acc * (1.0 + std::erf(acc / std::sqrt(2.0)));
        break;
      case SentenceActivation::kSigmoid:
        acc = 1.0 / (1.0 + std::exp(-acc));
        break;
    }
    if (d.residual) acc += x[static_cast<size_t>(o)];
    out[static_cast<size_t>(o)] = static_cast<float>(acc);
  }
}

}  // namespace attnserve::core
