// Added tokens (tokenizer.json "added_tokens"): matched in the text before the model sees it,
// as Hugging Face's AddedVocabulary. Shared by every pipeline.
#ifndef ATTNSERVE_CORE_TOKENIZER_ADDED_VOCABULARY_H_
#define ATTNSERVE_CORE_TOKENIZER_ADDED_VOCABULARY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

class Normalizer;

// A token matched in the raw text before normalization (tokenizer.json "added_tokens").
struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool single_word = false;  // match only when not inside a word
  bool lstrip = false;       // the match swallows the whitespace on its left
  bool rstrip = false;       // ... and on its right
  bool normalized = false;   // match in the normalized text (its content normalized too)
  bool special = true;
};

// The added tokens and their matchers: normalized=false ones are matched in the raw text,
// normalized=true ones in each normalized piece. Immutable after Init(); const methods are
// thread-safe. Owns its tokens.
class AddedVocabulary {
 public:
  // A match: bytes [start, stop) of the searched text, including what lstrip / rstrip took.
  struct Match {
    size_t start;
    size_t stop;
    const AddedToken* token;
  };

  AddedVocabulary() = default;
  // Not copyable: the matchers point into tokens_.
  AddedVocabulary(const AddedVocabulary&) = delete;
  AddedVocabulary& operator=(const AddedVocabulary&) = delete;

  // Takes the tokens and builds the matchers; a normalized=true token's pattern is its content
  // normalized by `normalizer` (nullptr: none). Error (naming `source`) when such a pattern is
  // empty. Call once.
  absl::Status Init(std::vector<AddedToken> tokens, const Normalizer* normalizer,
                    absl::string_view source);

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  bool has_raw() const { return !raw_.tokens.empty(); }
  bool has_normalized() const { return !normalized_.tokens.empty(); }

  // Hugging Face's AddedVocabulary::find_matches on `text` (valid UTF-8): leftmost-longest,
  // then single_word, lstrip, rstrip. Replaces the contents of `out`.
  void FindRawMatches(absl::string_view text, std::vector<Match>& out) const {
    FindMatches(text, raw_, out);
  }
  void FindNormalizedMatches(absl::string_view text, std::vector<Match>& out) const {
    FindMatches(text, normalized_, out);
  }

 private:
  struct Matcher {
    std::vector<const AddedToken*> tokens;  // longest pattern first
    std::vector<std::string> patterns;      // what is matched, parallel to tokens
    bool first_byte[256] = {};
  };
  static void FindMatches(absl::string_view text, const Matcher& m, std::vector<Match>& out);

  std::vector<AddedToken> tokens_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_ADDED_VOCABULARY_H_
