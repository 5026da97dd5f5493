// sentence-transformers' Dense module: a linear layer and an activation applied to the pooled
// sentence vector (out = act(W x + b), plus x with use_residual), as a model directory's
// N_Dense/ declares it (config.json: in_features, out_features, bias, activation_function;
// weights linear.weight [out, in] and linear.bias [out] in model.safetensors). Immutable; shared
// by all threads through ModelSpec::sentence_dense.
#ifndef ATTNSERVE_CORE_HEADS_SENTENCE_DENSE_H_
#define ATTNSERVE_CORE_HEADS_SENTENCE_DENSE_H_

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

// The torch.nn modules a Dense module's activation_function names.
enum class SentenceActivation { kIdentity, kTanh, kRelu, kGeluErf, kSigmoid };

// "torch.nn.modules.activation.Tanh" (ST's default), "...linear.Identity", "...activation.ReLU",
// "...activation.GELU", "...activation.Sigmoid" (also the short "torch.nn.Tanh" spellings);
// InvalidArgument naming `source` and listing these for anything else.
absl::StatusOr<SentenceActivation> ParseSentenceActivation(absl::string_view name,
                                                           absl::string_view source);

struct SentenceDense {
  int in = 0;
  int out = 0;
  std::vector<float> weight;  // [out, in], row-major (torch.nn.Linear)
  std::vector<float> bias;    // [out]; empty: no bias
  SentenceActivation activation = SentenceActivation::kTanh;
  bool residual = false;  // out += x (in == out)
};

// out[0, d.out) = the module applied to x[0, d.in) (accumulated in double).
void ApplySentenceDense(const SentenceDense& d, std::span<const float> x, std::span<float> out);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_HEADS_SENTENCE_DENSE_H_
