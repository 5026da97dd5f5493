// Normalizer: the first stage of the tokenizer pipeline (Hugging Face's `normalizer`), chosen by
// tokenizer.json's normalizer "type" (see core/tokenizer/stage_registry.h).
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_NORMALIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_NORMALIZER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

#include "core/tokenizer/normalized_string.h"

namespace attnserve::core {

// Rewrites characters (lowercase, strip accents, ...) and keeps, for every character it
// produces, the original byte range it came from. Implementations are immutable after creation
// and thread-safe (const methods, called concurrently); they own nothing but their options.
//
// The tokenizer calls NormalizeText once per piece of input between added tokens (one virtual
// call per piece, never per character).
class Normalizer {
 public:
  virtual ~Normalizer() = default;

  // Normalizes `in[0, n)` and appends the result to `out` (which must not alias `in`); every
  // output character carries the range of the input character it came from. This is the
  // general form, for a chain of normalizers.
  virtual void Normalize(const NormalizedChar* in, size_t n,
                         std::vector<NormalizedChar>& out) const = 0;

  // Normalizes text[begin, end) (valid UTF-8) and appends the result to `out`, each character
  // with the byte range of its original character. The same as AppendOriginalChars followed by
  // Normalize; implementations override it with a single fused pass (the hot path).
  virtual void NormalizeText(absl::string_view text, size_t begin, size_t end,
                             std::vector<NormalizedChar>& out) const;

  // The stage and its options, e.g. "BertNormalizer(clean_text=true, ...)".
  virtual std::string Describe() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_NORMALIZER_H_
