// Sequence classification on top of an encoder's last hidden state, as Hugging Face's
// *ForSequenceClassification heads compute it: the first token's vector ([CLS] / <s>) through a
// dense layer and an activation, then a dense layer to one logit per label:
//
//   BERT        pooler.dense + tanh, classifier                 (BertForSequenceClassification)
//   RoBERTa     classifier.dense + tanh, classifier.out_proj    (RobertaClassificationHead)
//   DistilBERT  pre_classifier + ReLU, classifier
//
// (dropout is the identity at inference). The families say which tensors and activation
// (ClassifierTensorNames); the math here knows no family. Then the scores a client gets:
// softmax, sigmoid or the raw logits (ScoreFunction), chosen from config.json's problem_type.
//
// SequenceClassifier is immutable after Create and thread-safe; it owns its weights.
#ifndef ATTNSERVE_CORE_HEADS_CLASSIFIER_H_
#define ATTNSERVE_CORE_HEADS_CLASSIFIER_H_

#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/model/model_spec.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

enum class ClassifierActivation { kTanh, kRelu };

// Where a family's checkpoint keeps its classification head (stems: ".weight" / ".bias" are
// appended; looked up bare and under the family's prefixes). Empty `out`: the family has none.
struct ClassifierTensorNames {
  std::string dense;  // [hidden, hidden]
  std::string out;    // [num_labels, hidden]
  ClassifierActivation activation = ClassifierActivation::kTanh;
};

class SequenceClassifier {
 public:
  // Weights in PyTorch's Linear layout: dense_weight [hidden, hidden], dense_bias [hidden],
  // out_weight [num_labels, hidden], out_bias [num_labels]. InvalidArgument on other shapes.
  static absl::StatusOr<std::unique_ptr<const SequenceClassifier>> Create(
      Tensor dense_weight, Tensor dense_bias, Tensor out_weight, Tensor out_bias,
      ClassifierActivation activation);

  int hidden_size() const { return hidden_; }
  int num_labels() const { return labels_; }

  // The logits of one sequence from its first token's last hidden state (`hidden_size()`
  // floats) into `logits` (num_labels() floats). Does not block; allocates nothing.
  void Logits(const float* first_token, std::span<float> logits) const;

 private:
  SequenceClassifier() = default;

  int hidden_ = 0;
  int labels_ = 0;
  ClassifierActivation activation_ = ClassifierActivation::kTanh;
  Tensor dense_weight_, dense_bias_, out_weight_, out_bias_;
};

// What turns logits into scores.
enum class ScoreFunction { kSoftmax, kSigmoid, kIdentity };

// The scores of `spec`'s problem type: single_label -> softmax, multi_label -> sigmoid,
// regression -> identity; unspecified -> sigmoid for one label (a cross-encoder, as
// sentence-transformers' CrossEncoder and TEI do), softmax for more.
ScoreFunction DefaultScoreFunction(const ClassifierSpec& spec);

// `out[i]` = fn applied to `logits` (softmax over all of them; sigmoid / identity each).
void ApplyScoreFunction(ScoreFunction fn, std::span<const float> logits, std::span<float> out);

// config.json's classification settings, family-independent (transformers' PretrainedConfig):
// id2label (keys "0".."n-1", each once) or else num_labels (LABEL_<i>), problem_type, and
// whether `architectures` (when given) declares a *ForSequenceClassification head.
// Labels are empty when the config says neither. InvalidArgument naming `source` and the key for
// malformed values.
absl::StatusOr<ClassifierSpec> ParseClassifierConfig(absl::string_view json_text,
                                                     absl::string_view source);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_HEADS_CLASSIFIER_H_
