// Loading a model by name: "demo" (built in) or a Hugging Face model directory:
//   config.json                      architecture: model_type picks the family
//                                    (core/model/registry.h), which reads the rest
//   model.safetensors                weights (F32 / F16 / BF16)
//   modules.json, 1_Pooling/config.json, N_Dense/, sentence_bert_config.json
//                                    (sentence-transformers, optional) default pooling, Dense
//                                    layers, normalize, max_seq_length
// Every problem is an error naming the file (and tensor): the server prints it and exits non-zero.
#ifndef ATTNSERVE_CORE_MODEL_MODEL_LOADER_H_
#define ATTNSERVE_CORE_MODEL_MODEL_LOADER_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

#include "core/model/accuracy_gate.h"
#include "core/model/model.h"
#include "core/model/model_spec.h"
#include "core/tokenizer/tokenizer.h"

namespace attnserve::core {

struct LoadedModel {
  std::string name;  // "demo" or the directory's base name
  std::string path;  // the directory, empty for the demo
  std::shared_ptr<const Model> model;
  // nullptr when the directory has neither tokenizer.json nor vocab.txt (text inputs are then
  // an error: "the model has no tokenizer").
  std::shared_ptr<const Tokenizer> tokenizer;
  double load_seconds = 0.0;  // read + convert + pack (+ the accuracy gate)
  // What the accuracy gate measured: set when the compute dtype is not fp32.
  absl::optional<AccuracyReport> accuracy;

  // The model's description: sizes, defaults, dtypes, outputs.
  const ModelSpec& spec() const { return model->spec(); }
};

// How to load: the compute dtype, and the accuracy gate of a dtype other than fp32.
struct LoadOptions {
  // kF32 (exact) or kInt8 (dense layers u8 x s8; attention, softmax and norms stay fp32).
  DType dtype = DType::kF32;
  // The gate: the model in `dtype` against fp32 on the built-in calibration set
  // (core/model/accuracy_gate.h). Loading fails (FailedPrecondition, with the figures) when the
  // lowest per-vector cosine is below min_cosine, unless enforce_accuracy_gate is false (then
  // LoadedModel::accuracy says it failed).
  double min_cosine = 0.98;
  bool enforce_accuracy_gate = true;
};

absl::StatusOr<LoadedModel> LoadModel(const std::string& name_or_dir,
                                      const LoadOptions& options = {});

// Only the tokenizer of "demo" or a model directory (no weights): nullptr when the directory has
// neither tokenizer.json nor vocab.txt. `spec`, when given, is checked: a tokenizer with more
// ids than spec->vocab_size is an error.
absl::StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(const std::string& name_or_dir,
                                                               const ModelSpec* spec = nullptr);

// The sentence-transformers defaults declared in `dir` (EmbeddingDefaults' defaults where the
// files are absent): the pooling mode (1_Pooling/config.json, "pooling_mode" or the older
// pooling_mode_* booleans), Normalize, the Dense modules' directories, max_seq_length.
// Unsupported modules and several pooling modes at once are errors: silently ignoring them
// would return different vectors.
// `max_positions` caps max_seq_length.
absl::StatusOr<EmbeddingDefaults> ReadEmbeddingDefaults(const std::filesystem::path& dir,
                                                        int max_positions);

// How ReadEmbeddingDefaults reads a file of the model directory: its text, or nullopt when it
// does not exist. (The seam that lets tests and the fuzz target give the files as strings.)
using ModelFileReader = std::function<absl::StatusOr<absl::optional<std::string>>(
    const std::filesystem::path& path)>;

// ReadEmbeddingDefaults with the files of `dir` read through `read`.
absl::StatusOr<EmbeddingDefaults> ReadEmbeddingDefaults(const std::filesystem::path& dir,
                                                        int max_positions,
                                                        const ModelFileReader& read);

// config.json's model_type ("bert" when absent: configs from before model_type existed are
// BERT), which picks the family (FindModelFamily). InvalidArgument naming `source` when the text
// is not a JSON object or model_type is not a string.
absl::StatusOr<std::string> ConfigModelType(absl::string_view config_text,
                                            absl::string_view source);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_MODEL_LOADER_H_
