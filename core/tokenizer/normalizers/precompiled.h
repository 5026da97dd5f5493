// PrecompiledNormalizer: Hugging Face's Precompiled normalizer, the SentencePiece normalization
// rules compiled into `precompiled_charsmap` (base64 in tokenizer.json): a Darts double-array
// trie over UTF-8 bytes whose values index NUL-terminated replacement strings.
//
// As the Rust crate (tokenizers' precompiled.rs over spm_precompiled): the text is cut into
// extended grapheme clusters; a cluster shorter than 6 bytes whose bytes start with a trie key is
// replaced whole by the replacement of the SHORTEST such key; otherwise each character is looked
// up alone. The alignments come from the same (odd) change list the crate hands to
// NormalizedString::transform, including where a removal is charged to the previous character.
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_PRECOMPILED_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_PRECOMPILED_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/normalizers/normalizer.h"

namespace attnserve::core {

// Immutable after Create(); thread-safe. Owns the trie and the replacement strings.
class PrecompiledNormalizer final : public Normalizer {
 public:
  // `blob`: the decoded precompiled_charsmap. Errors (naming `source`) for a blob that is
  // truncated, has an empty trie, or whose strings are not UTF-8.
  static absl::StatusOr<std::unique_ptr<PrecompiledNormalizer>> Create(absl::string_view blob,
                                                                       absl::string_view source);
  // {"type": "Precompiled", "precompiled_charsmap": "<base64>"}.
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);

  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

  // The replacement of the shortest trie key that prefixes `key` (up to its first NUL byte);
  // false when none (or when the blob points outside its strings: never a crash).
  bool Transform(absl::string_view key, absl::string_view* replacement) const;

 private:
  PrecompiledNormalizer() = default;

  std::vector<uint32_t> array_;  // the double array
  std::string normalized_;       // NUL-separated replacements
  // Per ASCII byte, the replacement offset of its one-byte key, or -1: the common case never
  // walks the trie.
  std::array<int32_t, 128> ascii_{};
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_PRECOMPILED_H_
