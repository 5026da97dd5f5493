#include "core/tokenizer/pre_tokenizers/metaspace.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/normalizers/simple_normalizers.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

absl::StatusOr<MetaspaceOptions> MetaspaceOptions::FromJson(const nlohmann::json& j,
                                                            absl::string_view source,
                                                            absl::string_view where_in) {
  const std::string where = absl::StrCat(where_in, " (Metaspace)");
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      j, {"type", "replacement", "prepend_scheme", "split", "add_prefix_space", "str_rep"}, source,
      where));
  MetaspaceOptions o;
  ATTN_ASSIGN_OR_RETURN(std::string rep,
                        tokenizer_json::GetString(j, "replacement", source, where));
  if (!unicode::ValidateUtf8(rep).ok() || DecodeUtf8String(rep).size() != 1) {
    return Err(source, absl::StrCat(where, ".replacement must be one character; was '", rep, "'"));
  }
  o.replacement = DecodeUtf8String(rep)[0];
  if (const auto it = j.find("prepend_scheme"); it != j.end()) {
    const std::string s = it->is_string() ? it->get<std::string>() : "";
    if (s == "always") {
      o.prepend_scheme = PrependScheme::kAlways;
    } else if (s == "first") {
      o.prepend_scheme = PrependScheme::kFirst;
    } else if (s == "never") {
      o.prepend_scheme = PrependScheme::kNever;
    } else {
      return Err(source, absl::StrCat(where,
                                      ".prepend_scheme must be \"always\", \"first\" or "
                                      "\"never\"; was ",
                                      it->dump()));
    }
  }
  ATTN_ASSIGN_OR_RETURN(const bool add_prefix_space,
                        tokenizer_json::GetBool(j, "add_prefix_space", true, source, where));
  if (!add_prefix_space) {
    // As the Rust crate: the scheme defaults to "always" first, so add_prefix_space=false needs
    // an explicit "never".
    if (o.prepend_scheme != PrependScheme::kNever) {
      return Err(source,
                 absl::StrCat(where, ": add_prefix_space does not match declared prepend_scheme"));
    }
    o.prepend_scheme = PrependScheme::kNever;
  }
  ATTN_ASSIGN_OR_RETURN(o.split, tokenizer_json::GetBool(j, "split", true, source, where));
  if (const auto it = j.find("str_rep"); it != j.end() && !it->is_string() && !it->is_null()) {
    return Err(source, absl::StrCat(where, ".str_rep must be a string"));
  }
  return o;
}

std::string MetaspaceOptions::Describe() const {
  char buf[4];
  const int n = unicode::EncodeUtf8(replacement, buf);
  const char* scheme = prepend_scheme == PrependScheme::kAlways  ? "always"
                       : prepend_scheme == PrependScheme::kFirst ? "first"
                                                                 : "never";
  return absl::StrCat("Metaspace(replacement='", absl::string_view(buf, static_cast<size_t>(n)),
                      "', prepend_scheme=", scheme, ", split=", split ? "true" : "false", ")");
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> Metaspace::FromJson(const nlohmann::json& j,
                                                                  absl::string_view source) {
  ATTN_ASSIGN_OR_RETURN(MetaspaceOptions o, MetaspaceOptions::FromJson(j, source, "pre_tokenizer"));
  return std::make_unique<Metaspace>(o);
}

std::string Metaspace::Describe() const { return options_.Describe(); }

void Metaspace::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                            std::vector<CharSpan>& words) const {
  if (begin >= end) return;
  if (!options_.split) {
    words.push_back({begin, end});
    return;
  }
  // MergedWithNext: each word starts at a replacement (or at the start).
  uint32_t start = begin;
  for (uint32_t i = begin + 1; i < end; ++i) {
    if (s.chars[i].cp == options_.replacement) {
      words.push_back({start, i});
      start = i;
    }
  }
  words.push_back({start, end});
}

void Metaspace::PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                                bool at_input_start, NormalizedString& out,
                                std::vector<CharSpan>& words) const {
  if (begin >= end) return;
  const auto first = static_cast<uint32_t>(out.chars.size());
  const char32_t rep = options_.replacement;
  // NormalizedString::replace(' ', rep), then prepend(rep) unless the text starts with rep: the
  // prepended character carries the range of the first character.
  const char32_t c0 = s.chars[begin].cp == U' ' ? rep : s.chars[begin].cp;
  const bool prepend =
      c0 != rep &&
      (options_.prepend_scheme == MetaspaceOptions::PrependScheme::kAlways ||
       (options_.prepend_scheme == MetaspaceOptions::PrependScheme::kFirst && at_input_start));
  if (prepend) out.chars.push_back({rep, s.chars[begin].start, s.chars[begin].end});
  for (uint32_t i = begin; i < end; ++i) {
    NormalizedChar c = s.chars[i];
    if (c.cp == U' ') c.cp = rep;
    out.chars.push_back(c);
  }
  const auto last = static_cast<uint32_t>(out.chars.size());
  if (!options_.split) {
    words.push_back({first, last});
    return;
  }
  uint32_t start = first;
  for (uint32_t i = first + 1; i < last; ++i) {
    if (out.chars[i].cp == rep) {
      words.push_back({start, i});
      start = i;
    }
  }
  words.push_back({start, last});
}

}  // namespace attnserve::core
