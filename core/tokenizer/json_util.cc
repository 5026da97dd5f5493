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

absl::StatusOr<std::unique_ptr<Regex>> GetPattern(const json& obj, const char* key,
                                                  bool empty_ok, absl::string_view source,
                                                  absl::string_view where) {
  const auto p = obj.find(key);
  if (p == obj.end() || !p->is_object() || p->size() != 1 ||
      !(p->contains("String") || p->contains("Regex")) || !p->begin()->is_string()) {
    return Err(source,
               absl::StrCat(where, ".", key, " must be {\"String\": s} or {\"Regex\": r}"));
  }
  const bool literal = p->contains("String");
  const std::string& text = p->begin()->get_ref<const std::string&>();
  const std::string at =
      absl::StrCat(source, ": ", where, ".", key, literal ? ".String" : ".Regex");
  absl::StatusOr<std::unique_ptr<Regex>> re =
      literal ? Regex::Literal(text, at) : Regex::Compile(text, at);
  if (!re.ok()) return re.status();
  if (!empty_ok && (*re)->CanMatchEmpty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ": '", text, "' can match the empty string; not supported here"));
  }
  return re;
}

std::string TypeOf(const json& obj) {
  if (!obj.is_object()) return "";
  const auto it = obj.find("type");
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace attnserve::core::tokenizer_json
