#include "core/model/config_json.h"

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace attnserve::core {

using nlohmann::json;

DensePostOp ActivationPostOp(Activation activation) {
  switch (activation) {
    case Activation::kGeluErf:
      return DensePostOp::kGeluErf;
    case Activation::kGeluTanh:
      return DensePostOp::kGeluTanh;
    case Activation::kRelu:
      return DensePostOp::kRelu;
  }
  return DensePostOp::kGeluErf;
}

absl::Status ConfigError(absl::string_view source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

absl::StatusOr<json> ParseConfigObject(absl::string_view text, absl::string_view source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ConfigError(source, "not valid JSON");
  if (!j.is_object()) return ConfigError(source, "not a JSON object");
  return j;
}

absl::Status ReadConfigInt(const json& j, absl::string_view source, const char* key, bool required,
                           int* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return ConfigError(source, absl::StrCat("missing required key '", key, "'"));
    return absl::OkStatus();
  }
  if (!it->is_number_integer()) {
    return ConfigError(source, absl::StrCat("'", key, "' must be an integer; was ", it->dump()));
  }
  const long long v = it->get<long long>();
  if (v < INT32_MIN || v > INT32_MAX) {
    return ConfigError(source, absl::StrCat("'", key, "' is out of range: ", v));
  }
  *out = static_cast<int>(v);
  return absl::OkStatus();
}

absl::Status ReadConfigFloat(const json& j, absl::string_view source, const char* key, float* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number()) return ConfigError(source, absl::StrCat("'", key, "' must be a number"));
  *out = it->get<float>();
  return absl::OkStatus();
}

absl::Status ReadConfigBool(const json& j, absl::string_view source, const char* key, bool* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_boolean()) {
    return ConfigError(source, absl::StrCat("'", key, "' must be true or false; was ", it->dump()));
  }
  *out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status ReadConfigTheta(const json& j, absl::string_view source, const char* key,
                             double* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number() || it->get<double>() <= 0.0) {
    return ConfigError(source, absl::StrCat("'", key, "' must be a positive number; was ",
                                            it->dump()));
  }
  *out = it->get<double>();
  return absl::OkStatus();
}

absl::Status ReadConfigActivation(const json& j, absl::string_view source, const char* key,
                                  Activation* out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  const std::string act = it->is_string() ? it->get<std::string>() : it->dump();
  if (act == "gelu") {
    *out = Activation::kGeluErf;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") {
    *out = Activation::kGeluTanh;
  } else if (act == "relu") {
    *out = Activation::kRelu;
  } else {
    return ConfigError(source, absl::StrCat(key, " '", act,
                                            "' is not supported (supported: gelu, gelu_new, "
                                            "gelu_pytorch_tanh, gelu_fast, relu)"));
  }
  return absl::OkStatus();
}

absl::Status CheckConfigRanges(absl::string_view source,
                               std::initializer_list<ConfigRange> fields) {
  for (const ConfigRange& f : fields) {
    if (f.value <= 0 || f.value > f.max) {
      return ConfigError(source,
                         absl::StrCat("'", f.key, "' must be in [1, ", f.max, "]; was ", f.value));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckConfigModelType(const json& j, absl::string_view source,
                                  absl::string_view model_type) {
  const auto it = j.find("model_type");
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_string() || it->get<std::string>() != model_type) {
    return ConfigError(source, absl::StrCat("model_type ", it->dump(),
                                            " is not supported (supported: \"", model_type, "\")"));
  }
  return absl::OkStatus();
}

}  // namespace attnserve::core
