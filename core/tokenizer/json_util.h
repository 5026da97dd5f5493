// Helpers for reading tokenizer.json stage configurations (internal to core/tokenizer: the
// loader and the stage factories). Every error names the file (`source`) and where in it.
// All functions are pure and thread-safe.
#ifndef ATTNSERVE_CORE_TOKENIZER_JSON_UTIL_H_
#define ATTNSERVE_CORE_TOKENIZER_JSON_UTIL_H_

#include <initializer_list>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/regex.h"

namespace attnserve::core::tokenizer_json {

// InvalidArgument "<source>: <what>".
absl::Status Err(absl::string_view source, absl::string_view what);

// Keys of `obj` outside `known` are an error ("<where>: unsupported option 'k'"): an option we
// do not understand could change the result.
absl::Status CheckKeys(const nlohmann::json& obj, std::initializer_list<const char*> known,
                       absl::string_view source, absl::string_view where);

// obj[key]; `def` when absent or null; an error when not a boolean.
absl::StatusOr<bool> GetBool(const nlohmann::json& obj, const char* key, bool def,
                             absl::string_view source, absl::string_view where);

// obj[key]; an error when absent or not a string.
absl::StatusOr<std::string> GetString(const nlohmann::json& obj, const char* key,
                                      absl::string_view source, absl::string_view where);

// obj[key], a pattern: {"String": s} (matched literally) or {"Regex": r} (Oniguruma syntax),
// compiled. An error when absent, malformed or not compiling, and, unless `empty_ok`, when the
// pattern can match the empty string (Replace: an empty match would insert between characters,
// whose alignment we do not reproduce).
absl::StatusOr<std::unique_ptr<Regex>> GetPattern(const nlohmann::json& obj, const char* key,
                                                  bool empty_ok, absl::string_view source,
                                                  absl::string_view where);

// obj["type"] when it is a string, else "".
std::string TypeOf(const nlohmann::json& obj);

}  // namespace attnserve::core::tokenizer_json

#endif  // ATTNSERVE_CORE_TOKENIZER_JSON_UTIL_H_
