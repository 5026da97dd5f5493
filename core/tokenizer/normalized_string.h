// The text a tokenizer pipeline works on once normalized: characters that remember which bytes
// of the original input they came from (Hugging Face's NormalizedString alignments), plus spans
// of those characters (what a pre-tokenizer produces).
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZED_STRING_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZED_STRING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace attnserve::core {

// A normalized character and the byte range [start, end) of the original character it came
// from. Characters a normalizer inserts (the spaces around an ideograph, the pieces of a
// decomposition) share the range of the character they came from, as in Hugging Face; a token's
// offsets are (its first character's start, its last character's end).
struct NormalizedChar {
  char32_t cp;
  uint32_t start;
  uint32_t end;
};

// Characters [begin, end) of a NormalizedString (a pre-tokenized word, or a range of one).
struct CharSpan {
  uint32_t begin;
  uint32_t end;
};

// One piece of input text after normalization. A plain value (not thread-safe); the tokenizer
// keeps one per thread and reuses its capacity, so the hot path allocates nothing per word.
struct NormalizedString {
  std::vector<NormalizedChar> chars;
  // After SyncUtf8(): the UTF-8 of `chars`, and char_pos[i] = the byte offset in utf8 of
  // character i (chars.size() + 1 entries; the last one is utf8.size()).
  std::string utf8;
  std::vector<uint32_t> char_pos;

  void Clear() {
    chars.clear();
    utf8.clear();
    char_pos.clear();
  }
  // Rebuilds utf8 and char_pos from chars.
  void SyncUtf8();
  // Bytes of the original input that characters [begin, end) (non-empty) came from.
  uint32_t start_of(uint32_t begin) const { return chars[begin].start; }
  uint32_t end_of(uint32_t end) const { return chars[end - 1].end; }
};

// Appends the characters of text[begin, end) (valid UTF-8) unchanged, each with its own byte
// range: the "normalized" form when there is no normalizer.
void AppendOriginalChars(absl::string_view text, size_t begin, size_t end,
                         std::vector<NormalizedChar>& out);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZED_STRING_H_
