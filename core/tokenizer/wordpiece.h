// WordPieceVocab: the WordPiece model of Hugging Face tokenizers (greedy longest-match-first
// over a vocabulary, "##" continuations, whole word -> [UNK] when any part has no match or the
// word is longer than max_input_chars_per_word characters).
//
// Immutable after Create(); Tokenize() is const and thread-safe. Owns its tables.
#ifndef ATTNSERVE_CORE_TOKENIZER_WORDPIECE_H_
#define ATTNSERVE_CORE_TOKENIZER_WORDPIECE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

class WordPieceVocab {
 public:
  // One piece of a word: vocabulary id and the characters [char_begin, char_end) it covers.
  struct Piece {
    int32_t id;
    int32_t char_begin;
    int32_t char_end;
  };

  WordPieceVocab() = default;

  // `tokens`: (token, id) pairs. Errors (naming `source`) for an empty vocabulary, a missing
  // unk_token, an empty prefix is allowed (as in Hugging Face), max_input_chars_per_word <= 0.
  absl::Status Init(const std::vector<std::pair<std::string, int32_t>>& tokens,
                    absl::string_view unk_token, absl::string_view continuing_subword_prefix,
                    int max_input_chars_per_word, absl::string_view source);

  // Tokenizes one pre-tokenized word. `word` is its UTF-8; char_pos[i] is the byte offset of
  // character i in `word` (num_chars + 1 entries, char_pos[num_chars] == word.size()).
  // Appends the pieces to `out`.
  void Tokenize(absl::string_view word, const uint32_t* char_pos, int num_chars,
                std::vector<Piece>& out) const;

  int32_t unk_id() const { return unk_id_; }
  const std::string& unk_token() const { return unk_token_; }
  const std::string& prefix() const { return prefix_; }
  int max_input_chars_per_word() const { return max_input_chars_per_word_; }
  // -1 when absent. `token` is the full token ("##ing" for a continuation).
  int32_t Find(absl::string_view token) const;

 private:
  absl::flat_hash_map<std::string, int32_t> initial_;       // tokens as written
  absl::flat_hash_map<std::string, int32_t> continuation_;  // tokens starting with the prefix,
                                                            // stored without it
  size_t max_initial_bytes_ = 0;
  size_t max_continuation_bytes_ = 0;
  std::string unk_token_;
  std::string prefix_;
  int32_t unk_id_ = -1;
  int max_input_chars_per_word_ = 100;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_WORDPIECE_H_
