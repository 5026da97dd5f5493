// TokenizerModel: the stage of the tokenizer pipeline that turns words into vocabulary ids (Hugging
// Face's `model`: WordPiece, later BPE, Unigram, ...), chosen by tokenizer.json's model "type"
// (see core/tokenizer/stage_registry.h).
#ifndef ATTNSERVE_CORE_TOKENIZER_MODELS_MODEL_H_
#define ATTNSERVE_CORE_TOKENIZER_MODELS_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#include "core/tokenizer/normalized_string.h"

namespace attnserve::core {

// A token the model produced: its id and the characters [char_begin, char_end) of the
// NormalizedString it covers (at least one).
// The id a model emits for text it cannot encode at all (a Unigram model without unk_id, as
// Hugging Face's crate, fails the whole encode); Tokenizer::Encode turns it into an error.
inline constexpr int32_t kUnencodableToken = -1;

struct ModelToken {
  int32_t id;
  uint32_t char_begin;
  uint32_t char_end;
};

// Owns the vocabulary (ids 0..vocab_size()-1). Implementations are immutable after creation and
// thread-safe (const methods, called concurrently).
class TokenizerModel {
 public:
  virtual ~TokenizerModel() = default;

  // Tokenizes each of `words` (spans of `s`, whose utf8 / char_pos are in sync) and appends the
  // tokens to `out`, in order. One virtual call per range of text, not per word.
  virtual void Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                        std::vector<ModelToken>& out) const = 0;

  // Number of ids of the vocabulary.
  virtual int vocab_size() const = 0;
  // -1 when absent.
  virtual int32_t TokenToId(absl::string_view token) const = 0;
  // "" when out of range; the view lives as long as the model.
  virtual absl::string_view IdToToken(int32_t id) const = 0;
  // The stage and its options, e.g. "WordPiece (100 chars/word, prefix '##', unk '[UNK]')".
  virtual std::string Describe() const = 0;
  // True when Tokenize may emit kUnencodableToken.
  virtual bool may_fail_to_encode() const { return false; }
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_MODELS_MODEL_H_
