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

  // A pre-tokenizer that rewrites the text as it splits it (Metaspace: spaces become the
  // replacement, which is also prepended) returns true; the tokenizer then calls
  // RewriteAndSplit instead of PreTokenize.
  virtual bool rewrites() const { return false; }

  // For a rewriting pre-tokenizer: appends to `out.chars` the characters [begin, end) of `s`
  // rewritten (each with the original byte range it came from, as Hugging Face's alignments
  // give), and to `words` the words as spans of `out` (whose utf8 the caller syncs).
  // `at_input_start`: the range starts at byte 0 of its input text (Hugging Face's
  // `offsets_original().0 == 0`). One call per range of text between added tokens.
  virtual void RewriteAndSplit(const NormalizedString& s, uint32_t begin, uint32_t end,
                               bool at_input_start, NormalizedString& out,
                               std::vector<CharSpan>& words) const {
    (void)s, (void)begin, (void)end, (void)at_input_start, (void)out, (void)words;
  }

  virtual std::string Describe() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_
