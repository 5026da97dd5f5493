#include "core/tokenizer/normalizers/simple_normalizers.h"

#include <utility>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using tokenizer_json::CheckKeys;
using tokenizer_json::Err;

// Calls f(cp, start, end) for each character of text[begin, end) (valid UTF-8).
template <typename F>
void ForEachTextChar(absl::string_view text, size_t begin, size_t end, F f) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = begin;
  while (i < end) {
    char32_t cp;
    const int len = p[i] < 0x80 ? (cp = p[i], 1) : unicode::DecodeUtf8(p + i, &cp);
    const size_t next = i + static_cast<size_t>(len);
    f(cp, static_cast<uint32_t>(i), static_cast<uint32_t>(next));
    i = next;
  }
}

// A configuration string: valid UTF-8 (nlohmann checks it, but a stage must not depend on it).
absl::StatusOr<std::string> GetUtf8(const nlohmann::json& j, const char* key,
                                    absl::string_view source, absl::string_view where) {
  ATTN_ASSIGN_OR_RETURN(std::string s, tokenizer_json::GetString(j, key, source, where));
  if (absl::Status st = unicode::ValidateUtf8(s); !st.ok()) {
    return Err(source, absl::StrCat(where, ".", key, ": ", st.message()));
  }
  return s;
}

bool IsMark(char32_t cp) {
  const auto cat = static_cast<utf8proc_category_t>(
      utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->category);
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME;
}

bool IsWhitespace(char32_t cp) {
  return (unicode::CachedCharFlags(cp) & unicode::kWhitespace) != 0;
}

}  // namespace

std::vector<char32_t> DecodeUtf8String(absl::string_view s) {
  std::vector<char32_t> out;
  ForEachTextChar(s, 0, s.size(), [&](char32_t cp, uint32_t, uint32_t) { out.push_back(cp); });
  return out;
}

// ---- Lowercase ----

absl::StatusOr<std::unique_ptr<Normalizer>> LowercaseNormalizer::FromJson(
    const nlohmann::json& j, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type"}, source, "normalizer (Lowercase)"));
  return std::make_unique<LowercaseNormalizer>();
}

namespace {
inline void AppendLower(char32_t cp, uint32_t start, uint32_t end,
                        std::vector<NormalizedChar>& out) {
  if (cp < 0x80) {
    out.push_back({cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, start, end});
    return;
  }
  char32_t l[2];
  const int k = unicode::ToLower(cp, l);
  for (int i = 0; i < k; ++i) out.push_back({l[i], start, end});
}
}  // namespace

void LowercaseNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                    std::vector<NormalizedChar>& out) const {
  for (size_t i = 0; i < n; ++i) AppendLower(in[i].cp, in[i].start, in[i].end, out);
}

void LowercaseNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                        std::vector<NormalizedChar>& out) const {
  ForEachTextChar(text, begin, end,
                  [&](char32_t cp, uint32_t s, uint32_t e) { AppendLower(cp, s, e, out); });
}

// ---- Strip ----

absl::StatusOr<std::unique_ptr<Normalizer>> StripNormalizer::FromJson(const nlohmann::json& j,
                                                                      absl::string_view source) {
  constexpr absl::string_view kWhere = "normalizer (Strip)";
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type", "strip_left", "strip_right"}, source, kWhere));
  // Both are required by the Rust crate's serde struct.
  for (const char* k : {"strip_left", "strip_right"}) {
    if (!j.contains(k) || !j[k].is_boolean()) {
      return Err(source, absl::StrCat(kWhere, ".", k, " must be true or false"));
    }
  }
  return std::make_unique<StripNormalizer>(j["strip_left"].get<bool>(),
                                           j["strip_right"].get<bool>());
}

std::string StripNormalizer::Describe() const {
  return absl::StrCat("Strip(left=", left_ ? "true" : "false",
                      ", right=", right_ ? "true" : "false", ")");
}

void StripNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                std::vector<NormalizedChar>& out) const {
  size_t b = 0, e = n;
  if (left_) {
    while (b < e && IsWhitespace(in[b].cp)) ++b;
  }
  if (right_) {
    while (e > b && IsWhitespace(in[e - 1].cp)) --e;
  }
  out.insert(out.end(), in + b, in + e);
}

void StripNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                    std::vector<NormalizedChar>& out) const {
  const size_t first = out.size();
  bool leading = left_;
  ForEachTextChar(text, begin, end, [&](char32_t cp, uint32_t s, uint32_t e) {
    if (leading && IsWhitespace(cp)) return;
    leading = false;
    out.push_back({cp, s, e});
  });
  if (right_) {
    while (out.size() > first && IsWhitespace(out.back().cp)) out.pop_back();
  }
}

// ---- StripAccents ----

absl::StatusOr<std::unique_ptr<Normalizer>> StripAccentsNormalizer::FromJson(
    const nlohmann::json& j, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type"}, source, "normalizer (StripAccents)"));
  return std::make_unique<StripAccentsNormalizer>();
}

void StripAccentsNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                       std::vector<NormalizedChar>& out) const {
  for (size_t i = 0; i < n; ++i) {
    if (in[i].cp < 0x300 || !IsMark(in[i].cp)) out.push_back(in[i]);
  }
}

void StripAccentsNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                           std::vector<NormalizedChar>& out) const {
  ForEachTextChar(text, begin, end, [&](char32_t cp, uint32_t s, uint32_t e) {
    if (cp < 0x300 || !IsMark(cp)) out.push_back({cp, s, e});
  });
}

// ---- Replace ----

ReplaceNormalizer::ReplaceNormalizer(std::unique_ptr<Regex> pattern, std::string content)
    : pattern_(std::move(pattern)),
      content_utf8_(std::move(content)),
      content_(DecodeUtf8String(content_utf8_)) {}

absl::StatusOr<std::unique_ptr<Normalizer>> ReplaceNormalizer::FromJson(const nlohmann::json& j,
                                                                        absl::string_view source) {
  constexpr absl::string_view kWhere = "normalizer (Replace)";
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type", "pattern", "content"}, source, kWhere));
  // An empty match would insert between characters; nobody writes such a pattern, and we would
  // have to reproduce the alignment the crate gives the inserted characters.
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<Regex> pattern,
                        tokenizer_json::GetPattern(j, "pattern", /*empty_ok=*/false, source,
                                                   kWhere));
  ATTN_ASSIGN_OR_RETURN(std::string content, GetUtf8(j, "content", source, kWhere));
  return std::make_unique<ReplaceNormalizer>(std::move(pattern), std::move(content));
}

std::string ReplaceNormalizer::Describe() const {
  return absl::StrCat("Replace('", pattern_->pattern(), "' -> '", content_utf8_, "')");
}

void ReplaceNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                  std::vector<NormalizedChar>& out) const {
  // The pattern runs on the UTF-8 of the characters; char_at maps each byte back to its
  // character (one entry per byte, plus one for the end).
  thread_local std::string utf8;
  thread_local std::vector<uint32_t> char_at;
  thread_local std::vector<RegexMatch> matches;
  utf8.clear();
  char_at.clear();
  for (size_t i = 0; i < n; ++i) {
    char buf[4];
    const int len = unicode::EncodeUtf8(in[i].cp, buf);
    utf8.append(buf, static_cast<size_t>(len));
    char_at.insert(char_at.end(), static_cast<size_t>(len), static_cast<uint32_t>(i));
  }
  char_at.push_back(static_cast<uint32_t>(n));
  matches.clear();
  pattern_->FindAll(utf8, matches);
  size_t i = 0;
  for (const RegexMatch& m : matches) {
    const size_t first = char_at[m.start];
    const size_t last = char_at[m.end];  // past the match (a match ends on a character boundary)
    out.insert(out.end(), in + i, in + first);
    // As Hugging Face: inserted characters share the alignment of the byte before them, i.e.
    // of the last character of the match.
    const NormalizedChar& before = in[last - 1];
    for (const char32_t c : content_) out.push_back({c, before.start, before.end});
    i = last;
  }
  out.insert(out.end(), in + i, in + n);
  if (utf8.capacity() > (size_t{1} << 20)) {
    utf8 = std::string();
    char_at = std::vector<uint32_t>();
  }
}

// ---- Prepend ----

PrependNormalizer::PrependNormalizer(std::string prepend)
    : prepend_utf8_(std::move(prepend)), prepend_(DecodeUtf8String(prepend_utf8_)) {}

absl::StatusOr<std::unique_ptr<Normalizer>> PrependNormalizer::FromJson(const nlohmann::json& j,
                                                                        absl::string_view source) {
  constexpr absl::string_view kWhere = "normalizer (Prepend)";
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type", "prepend"}, source, kWhere));
  ATTN_ASSIGN_OR_RETURN(std::string prepend, GetUtf8(j, "prepend", source, kWhere));
  return std::make_unique<PrependNormalizer>(std::move(prepend));
}

std::string PrependNormalizer::Describe() const {
  return absl::StrCat("Prepend('", prepend_utf8_, "')");
}

void PrependNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                  std::vector<NormalizedChar>& out) const {
  if (n == 0) return;
  // Hugging Face's NormalizedString::prepend: the new characters replace-and-reinsert the first
  // one, so all of them carry its range.
  for (const char32_t c : prepend_) out.push_back({c, in[0].start, in[0].end});
  out.insert(out.end(), in, in + n);
}

void PrependNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                      std::vector<NormalizedChar>& out) const {
  bool first = true;
  ForEachTextChar(text, begin, end, [&](char32_t cp, uint32_t s, uint32_t e) {
    if (first) {
      for (const char32_t c : prepend_) out.push_back({c, s, e});
      first = false;
    }
    out.push_back({cp, s, e});
  });
}

}  // namespace attnserve::core
