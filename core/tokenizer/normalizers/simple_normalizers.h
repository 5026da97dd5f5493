// The small normalizers of Hugging Face tokenizers that SentencePiece-style files chain in a
// Sequence: Lowercase, Strip, StripAccents, Replace (String or Regex pattern), Prepend. Each follows the
// Rust crate's NormalizedString operation, including the alignments it gives: a character that
// a normalizer produces carries the original byte range of the character it replaced.
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_SIMPLE_NORMALIZERS_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_SIMPLE_NORMALIZERS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/normalizers/normalizer.h"
#include "core/tokenizer/regex.h"

namespace attnserve::core {

// {"type": "Lowercase"}: Rust's char::to_lowercase per character (full mapping, 'İ' -> "i̇",
// no final-sigma rule). Immutable, thread-safe.
class LowercaseNormalizer final : public Normalizer {
 public:
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);
  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override { return "Lowercase"; }
};

// {"type": "Strip", "strip_left": b, "strip_right": b}: drops leading / trailing White_Space
// characters. Immutable, thread-safe.
class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);
  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

 private:
  bool left_;
  bool right_;
};

// {"type": "StripAccents"}: drops every combining mark (general category Mn, Mc, Me), without
// decomposing first (files put NFD / NFKD before it). Immutable, thread-safe.
class StripAccentsNormalizer final : public Normalizer {
 public:
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);
  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override { return "StripAccents"; }
};

// {"type": "Replace", "pattern": {"String": s} or {"Regex": r}, "content": c}: every match
// (left to right, not overlapping, as the crate's find_matches) becomes c; the new characters
// take the range of the last character of the match (Hugging Face's NormalizedString::replace).
// A pattern that can match the empty string is a load error. Immutable, thread-safe.
class ReplaceNormalizer final : public Normalizer {
 public:
  // `pattern` never matches the empty string.
  ReplaceNormalizer(std::unique_ptr<Regex> pattern, std::string content);
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);
  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

 private:
  std::unique_ptr<Regex> pattern_;
  std::string content_utf8_;
  std::vector<char32_t> content_;
};

// {"type": "Prepend", "prepend": s}: s before a non-empty text; its characters take the range of
// the first character. Immutable, thread-safe.
class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend);
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);
  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

 private:
  std::string prepend_utf8_;
  std::vector<char32_t> prepend_;
};

// The code points of valid UTF-8 `s` (a configuration string, already validated).
std::vector<char32_t> DecodeUtf8String(absl::string_view s);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_SIMPLE_NORMALIZERS_H_
