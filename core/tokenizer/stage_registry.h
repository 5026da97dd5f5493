// The stage registries: for each kind of pipeline stage, the tokenizer.json "type" names we
// support and the factory that builds each from its JSON object. Internal to core/tokenizer
// (the loader and tests). Adding a stage = its file + one line in stage_registry.cc.
#ifndef ATTNSERVE_CORE_TOKENIZER_STAGE_REGISTRY_H_
#define ATTNSERVE_CORE_TOKENIZER_STAGE_REGISTRY_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/decoders/decoder.h"
#include "core/tokenizer/models/model.h"
#include "core/tokenizer/normalizers/normalizer.h"
#include "core/tokenizer/post_processors/post_processor.h"
#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"

namespace attnserve::core {

// Immutable after construction; thread-safe. `Stage` is the stage interface (Normalizer, ...).
template <typename Stage>
class StageRegistry {
 public:
  // Builds a stage from its tokenizer.json object; errors name `source` (the file).
  using Factory = absl::StatusOr<std::unique_ptr<Stage>> (*)(const nlohmann::json& config,
                                                             absl::string_view source);

  // `unsupported`: how an error names an unknown type: "<unsupported> 'T' is not supported
  // (supported: A, B<or_null>)", e.g. unsupported = "normalizer type", or_null = ", or null".
  StageRegistry(std::string unsupported, std::string or_null,
                std::initializer_list<std::pair<const char*, Factory>> factories)
      : unsupported_(std::move(unsupported)), or_null_(std::move(or_null)), factories_(factories) {}

  // nullptr when `type` is not registered.
  Factory Find(absl::string_view type) const {
    for (const auto& [name, factory] : factories_) {
      if (type == name) return factory;
    }
    return nullptr;
  }

  // The stage of type `type` built from `config`; InvalidArgument naming `source` and the type
  // (`shown`, when given, instead of the type: e.g. the JSON of an object without a type) when
  // the type is not registered.
  absl::StatusOr<std::unique_ptr<Stage>> Create(absl::string_view type,
                                                const nlohmann::json& config,
                                                absl::string_view source,
                                                absl::string_view shown = {}) const {
    if (Factory f = Find(type); f != nullptr) return f(config, source);
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", unsupported_, " '",
                                                   shown.empty() ? type : shown,
                                                   "' is not supported (supported: ", Names(),
                                                   or_null_, ")"));
  }

  // "A, B, C": the registered types, in registration order.
  std::string Names() const {
    return absl::StrJoin(factories_, ", ", [](std::string* out, const auto& e) {
      absl::StrAppend(out, e.first);
    });
  }

 private:
  std::string unsupported_;
  std::string or_null_;
  std::vector<std::pair<const char*, Factory>> factories_;
};

const StageRegistry<Normalizer>& NormalizerRegistry();
const StageRegistry<PreTokenizer>& PreTokenizerRegistry();
const StageRegistry<TokenizerModel>& TokenizerModelRegistry();
const StageRegistry<PostProcessor>& PostProcessorRegistry();
const StageRegistry<Decoder>& DecoderRegistry();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_STAGE_REGISTRY_H_
