// ModelSpec: everything outside a model family may know of a loaded model — its sizes, limits,
// defaults, dtypes and outputs. The batcher, the request layer, Info, the metrics and the
// offline commands see this and the Model interface (core/model/model.h), never a family's own
// types, so that a new family is new files under core/model/<family>/ and nothing else.
#ifndef ATTNSERVE_CORE_MODEL_MODEL_SPEC_H_
#define ATTNSERVE_CORE_MODEL_MODEL_SPEC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

#include "core/tensor/dtype.h"

namespace attnserve::core {

struct SentenceDense;  // core/heads/sentence_dense.h

// The pooling modes of sentence-transformers' Pooling module, computed as it does: the first
// token; the mean; the per-dimension max; the sum over sqrt(number of tokens); the mean weighted
// by position (token i, from 0, weighs i + 1); the last token.
enum class Pooling { kCls, kMean, kMax, kMeanSqrtLen, kWeightedMean, kLastToken };

// "cls" | "mean" | "max" | "mean_sqrt_len" | "weighted_mean" | "last_token" (the proto
// enum's names, lowercase)
absl::string_view PoolingName(Pooling pooling);
// A PoolingName in any case ("CLS" too); false for anything else.
bool ParsePooling(absl::string_view name, Pooling* pooling);

// What a model directory says about producing sentence embeddings (sentence-transformers files),
// with the defaults used when it says nothing.
struct EmbeddingDefaults {
  // sentence-transformers creates MEAN pooling for a plain Hugging Face model; so do we.
  Pooling pooling = Pooling::kMean;
  bool normalize = false;
  // Longest input, in tokens including special tokens; min(max_seq_length, max_positions).
  int max_seq_length = 0;
  // The sub-directories of modules.json's Dense modules, in order (LoadModel reads them into
  // ModelSpec::sentence_dense).
  std::vector<std::string> dense_modules;
  // config_sentence_transformers.json's `prompts` (name -> text prepended to the input text,
  // e.g. "query: "), sorted by name; and its default_prompt_name ("" = none), which is one of
  // them.
  std::vector<std::pair<std::string, std::string>> prompts;
  std::string default_prompt_name;
  // 1_Pooling/config.json's include_prompt: false leaves the prompt's tokens out of pooling
  // (INSTRUCTOR-style models).
  bool include_prompt = true;
};

// The text of prompt `name` in d.prompts; nullptr when it has none of that name.
const std::string* PromptText(const EmbeddingDefaults& d, absl::string_view name);
// "passage, query" (d.prompts' names), or "none", for messages.
std::string PromptNames(const EmbeddingDefaults& d);

// Which outputs a model can produce for a sequence.
struct ModelOutputs {
  bool token_embeddings = true;  // the last hidden state of every token
  bool pooled = true;            // a sentence vector pooled from it
};

// What a model can be asked to do. Every model embeds; a sequence-classification head (a
// checkpoint's *ForSequenceClassification tensors) adds kClassify (Predict), and kRerank when
// it has one label (a cross-encoder).
enum class Task { kEmbed, kClassify, kRerank };

absl::string_view TaskName(Task task);  // "embed" | "classify" | "rerank"

// How a classifier's logits become the scores a client gets (config.json's problem_type).
enum class ProblemType {
  kUnspecified,             // no problem_type: softmax over 2+ labels, sigmoid of 1
  kSingleLabel,             // "single_label_classification": softmax
  kMultiLabel,              // "multi_label_classification": sigmoid of each logit
  kRegression,              // "regression": the raw logits
};

// A sequence-classification head: `labels` (config.json's id2label, in id order; LABEL_<i> where
// it says nothing) has num_labels entries.
struct ClassifierSpec {
  std::vector<std::string> labels;
  ProblemType problem_type = ProblemType::kUnspecified;
  // False when config.json's `architectures` names no *ForSequenceClassification class (e.g.
  // BertForTokenClassification, whose `classifier` is another head): its tensors are not read.
  bool head_declared = true;
  int num_labels() const { return static_cast<int>(labels.size()); }
};

struct ModelSpec {
  // config.json's model_type ("bert"), as reported by Info and the metrics.
  std::string architecture;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  // Longest sequence the model can take (its position table), special tokens included.
  int max_positions = 0;
  // Token ids are valid in [0, vocab_size), type ids in [0, type_vocab_size).
  int vocab_size = 0;
  int type_vocab_size = 1;
  // Whether the type ids the tokenizer produces (0/1 for a text pair) go to the model. False
  // for families whose Hugging Face tokenizer returns no token_type_ids (RoBERTa, DistilBERT):
  // the model then sees type 0 everywhere, as in transformers. Type ids a client sends with token
  // ids are always checked against type_vocab_size.
  bool tokenizer_type_ids = true;
  EmbeddingDefaults defaults;
  // sentence-transformers Dense modules applied to every pooled vector, in order (before
  // Matryoshka truncation and normalization); null: none. Shared, immutable.
  std::shared_ptr<const std::vector<SentenceDense>> sentence_dense;
  // Size of the pooled vector: the last Dense module's out_features; 0 means hidden_size.
  int sentence_embedding_size = 0;
  int embedding_size() const {
    return sentence_embedding_size > 0 ? sentence_embedding_size : hidden_size;
  }
  ModelOutputs outputs;
  // Set when the model has a sequence-classification head (num_labels() > 0).
  ClassifierSpec classifier;
  // What the model can do: kEmbed, then kClassify and kRerank as its heads allow.
  std::vector<Task> tasks() const;
  bool has_task(Task task) const;
  // "embed, classify, rerank", for messages.
  std::string TaskList() const;
  // What the forward pass computes in.
  DType compute_dtype = DType::kF32;
  // The checkpoint's tensors: "fp32", "fp16", "bf16" (lowercase, as everywhere we print a dtype)
  // or "mixed".
  std::string weights_dtype;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_MODEL_SPEC_H_
