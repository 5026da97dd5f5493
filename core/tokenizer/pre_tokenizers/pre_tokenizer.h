// PreTokenizer: the second stage of the tokenizer pipeline (Hugging Face's `pre_tokenizer`),
// chosen by tokenizer.json's pre_tokenizer "type" (see core/tokenizer/stage_registry.h).
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/tokenizer/normalized_string.h"

namespace attnserve::core {

// Frees a per-thread buffer that a huge input grew (more than 1 << 16 elements), so that one
// 100 KB word does not pin its memory to the thread for good.
template <typename Vector>
void ShrinkIfHuge(Vector& v) {
  if (v.capacity() > (size_t{1} << 16)) Vector().swap(v);
}

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

  // True for a pre-tokenizer that rewrites characters (ByteLevel: each UTF-8 byte becomes a
  // character of its alphabet; Metaspace: spaces become the replacement, which may also be
  // prepended), or a Sequence holding one: the tokenizer then calls PreTokenizeInto, and the
  // model sees the rewritten characters.
  virtual bool rewrites() const { return false; }

  // For rewrites(): the words of characters [begin, end) of `s`, rewritten: their characters
  // are appended to out.chars (each with the original byte range of the character it came
  // from) and `words` gets spans of `out`. Leaves out.utf8 / out.char_pos to the caller
  // (out.SyncUtf8()). The default (a pre-tokenizer that rewrites nothing) copies the words.
  // `at_input_start`: [begin, end) starts at byte 0 of its input text (Hugging Face's
  // `offsets_original().0 == 0`, which Metaspace's prepend_scheme "first" reads).
  virtual void PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                               bool at_input_start, NormalizedString& out,
                               std::vector<CharSpan>& words) const;

  virtual std::string Describe() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PRE_TOKENIZER_H_
