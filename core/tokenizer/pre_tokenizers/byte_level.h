// ByteLevel: Hugging Face's ByteLevel pre-tokenizer (GPT-2's): optionally a space before each
// piece (add_prefix_space), optionally the GPT-2 regex split (use_regex), then every UTF-8 byte
// of the text becomes one character of a 256-character alphabet (printable bytes map to
// themselves, ' ' to 'Ġ', ...). Each new character keeps the original byte range of the
// character whose byte it is, so a token covering part of a character has that whole
// character's offsets, as in the crate.
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_BYTE_LEVEL_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_BYTE_LEVEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"
#include "core/tokenizer/regex.h"

namespace attnserve::core {

// The byte-level alphabet: the character byte `b` becomes (U+0021..U+007E, U+00A1..U+00AC,
// U+00AE..U+00FF map to themselves; the other 68 bytes, in order, to U+0100..U+0143).
char32_t ByteLevelChar(uint8_t b);
// The byte a character of the alphabet stands for; -1 for a character outside it.
int ByteLevelByte(char32_t c);

// Immutable after creation; thread-safe. Owns its compiled GPT-2 pattern (when use_regex).
class ByteLevel final : public PreTokenizer {
 public:
  struct Options {
    bool add_prefix_space = true;
    bool trim_offsets = true;  // post-processing only; kept for Describe
    bool use_regex = true;
  };
  static absl::StatusOr<std::unique_ptr<ByteLevel>> Create(const Options& options);
  // {"type": "ByteLevel", "add_prefix_space", "trim_offsets", "use_regex"}.
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);

  // The words without the byte mapping (what the model would see if this did not rewrite).
  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  bool rewrites() const override { return true; }
  void PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                       bool at_input_start, NormalizedString& out,
                       std::vector<CharSpan>& words) const override;
  std::string Describe() const override;

 private:
  explicit ByteLevel(const Options& o) : options_(o) {}
  Options options_;
  std::unique_ptr<Regex> re_;  // GPT-2's pattern; null without use_regex
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_BYTE_LEVEL_H_
