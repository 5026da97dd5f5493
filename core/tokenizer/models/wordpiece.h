// WordPiece: the WordPiece model of Hugging Face tokenizers (greedy longest-match-first over a
// vocabulary, "##" continuations, whole word -> [UNK] when any part has no match or the word is
// longer than max_input_chars_per_word characters).
#ifndef ATTNSERVE_CORE_TOKENIZER_MODELS_WORDPIECE_H_
#define ATTNSERVE_CORE_TOKENIZER_MODELS_WORDPIECE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#include "core/tokenizer/models/model.h"

namespace attnserve::core {

// Immutable after Create(); const methods are thread-safe. Owns its vocabulary and tables.
class WordPiece final : public TokenizerModel {
 public:
  struct Options {
    std::string unk_token = "[UNK]";
    std::string continuing_subword_prefix = "##";  // may be empty, as in Hugging Face
    int max_input_chars_per_word = 100;
  };

  // `vocab`: index = id. A token listed twice maps to its last id (as transformers'
  // load_vocab). Errors (naming `source`) for an empty vocabulary, an unk_token not in it,
  // max_input_chars_per_word <= 0.
  static absl::StatusOr<std::unique_ptr<WordPiece>> Create(std::vector<std::string> vocab,
                                                           const Options& options,
                                                           absl::string_view source);
  // tokenizer.json's model object: "type" WordPiece (or absent, in old files), unk_token,
  // continuing_subword_prefix, max_input_chars_per_word, vocab {token: id} with ids 0..n-1.
  static absl::StatusOr<std::unique_ptr<TokenizerModel>> FromJson(const nlohmann::json& config,
                                                                   absl::string_view source);

  void Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                std::vector<ModelToken>& out) const override;
  int vocab_size() const override { return static_cast<int>(vocab_.size()); }
  int32_t TokenToId(absl::string_view token) const override;
  absl::string_view IdToToken(int32_t id) const override;
  std::string Describe() const override;

  int32_t unk_id() const { return unk_id_; }
  const std::string& unk_token() const { return options_.unk_token; }
  const std::string& prefix() const { return options_.continuing_subword_prefix; }

 private:
  WordPiece() = default;
  // One word: `utf8` holds it at bytes char_pos[0]..char_pos[num_chars] (char_pos has
  // num_chars + 1 entries); the pieces' characters are numbered from `first_char`.
  void TokenizeWord(absl::string_view utf8, const uint32_t* char_pos, uint32_t num_chars,
                    uint32_t first_char, std::vector<ModelToken>& out) const;

  Options options_;
  std::vector<std::string> vocab_;                          // index = id
  absl::flat_hash_map<std::string, int32_t> initial_;       // tokens as written
  absl::flat_hash_map<std::string, int32_t> continuation_;  // tokens starting with the prefix,
                                                            // stored without it
  size_t max_initial_bytes_ = 0;
  size_t max_continuation_bytes_ = 0;
  int32_t unk_id_ = -1;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_MODELS_WORDPIECE_H_
