// PreTokenizer: the second stage of the tokenizer pipeline (Hugging Face's `pre_tokenizer`),
// chosen by tokenizer.json's pre_tokenizer "type" (see core/tokenizer/stage_registry.h).
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/tokenizer/normalized_string.h"

namespace attnserve::core {

// Splits normalized text into words, which the model then tokenizes one by one. Emits spans of
// characters, never copies: the words stay in the NormalizedString. Implementations are
// immutable after creation and thread-safe; they own nothing but their options.
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;

  // Appends to `words` the words of characters [begin, end) of `s`, in order, each non-empty
  // and inside [begin, end); characters between words (e.g. whitespace) are dropped. One call
  // per range of text between added tokens.
  virtual void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                           std::vector<CharSpan>& words) const = 0;

  virtual std::string Describe() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_
