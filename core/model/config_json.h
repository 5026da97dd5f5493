// Reading a Hugging Face config.json: the typed getters every family's config parser uses, with
// errors that name the file and the key.
#ifndef ATTNSERVE_CORE_MODEL_CONFIG_JSON_H_
#define ATTNSERVE_CORE_MODEL_CONFIG_JSON_H_

#include <initializer_list>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/layers/dense.h"

namespace attnserve::core {

// The feed-forward activations of the encoder families (config.json hidden_act / activation).
enum class Activation { kGeluErf, kGeluTanh, kRelu };

// The dense post-op computing `activation`.
DensePostOp ActivationPostOp(Activation activation);

// InvalidArgument "<source>: <what>".
absl::Status ConfigError(absl::string_view source, absl::string_view what);

// Parses `text` as a JSON object; errors name `source`.
absl::StatusOr<nlohmann::json> ParseConfigObject(absl::string_view text, absl::string_view source);

// `*out` = j[key] when present and not null; an error when absent and `required`, not an
// integer or outside int32. Leaves `*out` unchanged when absent and optional.
absl::Status ReadConfigInt(const nlohmann::json& j, absl::string_view source, const char* key,
                           bool required, int* out);
// The same for a number (an optional key).
absl::Status ReadConfigFloat(const nlohmann::json& j, absl::string_view source, const char* key,
                             float* out);
// The same for a boolean (an optional key).
absl::Status ReadConfigBool(const nlohmann::json& j, absl::string_view source, const char* key,
                            bool* out);
// The same for a rotary theta: a positive number, as a double (some configs write 1e6 and more).
absl::Status ReadConfigTheta(const nlohmann::json& j, absl::string_view source, const char* key,
                             double* out);
// j[key] as an activation ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"), when
// present; anything else is an error listing those.
absl::Status ReadConfigActivation(const nlohmann::json& j, absl::string_view source,
                                  const char* key, Activation* out);
// A size read from config.json and its bounds: [1, max]. The upper bounds catch corrupt or
// hostile files before they turn into giant allocations.
struct ConfigRange {
  const char* key;
  int value;
  int max;
};
// The first field outside its range, as "'<key>' must be in [1, <max>]; was <value>".
absl::Status CheckConfigRanges(absl::string_view source, std::initializer_list<ConfigRange> fields);

// An error unless j["model_type"] is absent or `model_type`.
absl::Status CheckConfigModelType(const nlohmann::json& j, absl::string_view source,
                                  absl::string_view model_type);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_CONFIG_JSON_H_
