#include "core/tokenizer/json_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace attnserve::core::tokenizer_json {

using nlohmann::json;

absl::Status Err(absl::string_view source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

absl::Status CheckKeys(const json& obj, std::initializer_list<const char*> known,
                       absl::string_view source, absl::string_view where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
      return Err(source, absl::StrCat(where, ": unsupported option '", it.key(), "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> GetBool(const json& obj, const char* key, bool def, absl::string_view source,
                             absl::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  if (!it->is_boolean()) {
    return Err(source, absl::StrCat(where, ".", key, " must be true or false; was ", it->dump()));
  }
  return it->get<bool>();
}

absl::StatusOr<std::string> GetString(const json& obj, const char* key, absl::string_view source,
                                      absl::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return Err(source, absl::StrCat(where, ".", key, " must be a string"));
  }
  return it->get<std::string>();
}

std::string TypeOf(const json& obj) {
  if (!obj.is_object()) return "";
  const auto it = obj.find("type");
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace attnserve::core::tokenizer_json
