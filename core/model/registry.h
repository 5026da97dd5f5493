// The model families attnserve can load, by config.json "model_type".
#ifndef ATTNSERVE_CORE_MODEL_REGISTRY_H_
#define ATTNSERVE_CORE_MODEL_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/model/family.h"

namespace attnserve::core {

// The family serving `model_type`; NotFound listing the supported types otherwise. `source`
// names the file in the message ("/models/x/config.json").
absl::StatusOr<const ModelFamily*> FindModelFamily(absl::string_view model_type,
                                                   absl::string_view source);

// Every supported model_type, sorted.
std::vector<std::string> SupportedModelTypes();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_REGISTRY_H_
