// ModelFamily: how one family of architectures (BERT, RoBERTa, ...) turns a Hugging Face model
// directory into a Model. Loading is two steps, so that the loader can read what depends on the
// architecture (the sentence-transformers defaults, the tokenizer check) before the weights:
//
//   1. ParseConfig(config.json)       -> FamilyConfig: the family's own settings + the
//                                        architecture part of the ModelSpec
//   2. Build(config, spec, weights)   -> the Model (weights checked against the config, packed)
//
// Implementations are stateless singletons registered in core/model/registry.cc.
#ifndef ATTNSERVE_CORE_MODEL_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_FAMILY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/model/model.h"
#include "core/model/model_spec.h"
#include "core/model/weights_reader.h"

namespace attnserve::core {

// A family's parsed config.json. `spec` has the architecture fields set (architecture, sizes,
// max_positions, vocabularies, outputs, compute dtype); the loader fills in the rest.
struct FamilyConfig {
  virtual ~FamilyConfig() = default;
  ModelSpec spec;
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;

  // The config.json "model_type" values this family serves.
  virtual std::vector<std::string> model_types() const = 0;

  // Parses config.json text; errors name `source` and the key.
  virtual absl::StatusOr<std::unique_ptr<FamilyConfig>> ParseConfig(
      absl::string_view json_text, absl::string_view source) const = 0;

  // Reads every tensor the model needs from `weights` (errors name the source and the tensor)
  // and prepares them for compute in spec.compute_dtype (set by the loader from --dtype;
  // Unimplemented for a dtype the family cannot compute in). `spec` is the complete description
  // the Model will report.
  virtual absl::StatusOr<std::shared_ptr<const Model>> Build(const FamilyConfig& config,
                                                             ModelSpec spec,
                                                             WeightsReader& weights) const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_FAMILY_H_
