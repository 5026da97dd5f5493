// BPE: the BPE model of Hugging Face tokenizers. A word starts as its characters (each looked
// up with the continuing_subword_prefix when not first and the end_of_word_suffix when last;
// an unknown one becomes its <0xNN> byte tokens with byte_fallback, else unk_token, fused with
// fuse_unk, or nothing without an unk_token), then the lowest-ranked merge is applied until
// none applies (a heap ordered by (rank, position), as the crate's Word::merge_all: O(n log n)
// per word). With ignore_merges a word that is itself a token is that token.
#ifndef ATTNSERVE_CORE_TOKENIZER_MODELS_BPE_H_
#define ATTNSERVE_CORE_TOKENIZER_MODELS_BPE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#include "core/tokenizer/models/model.h"

namespace attnserve::core {

// Immutable after creation; const methods are thread-safe (per-thread buffers). Owns its
// vocabulary and merge table.
class Bpe final : public TokenizerModel {
 public:
  struct Options {
    std::optional<std::string> unk_token;
    std::optional<std::string> continuing_subword_prefix;
    std::optional<std::string> end_of_word_suffix;
    bool fuse_unk = false;
    bool byte_fallback = false;
    bool ignore_merges = false;
  };

  // `vocab`: token -> id; `merges`: pairs in rank order (a later duplicate pair takes the later
  // rank, as the crate's map). Errors (naming `source`) for a merge whose parts or result are
  // not in the vocabulary, an unk_token not in it, an empty vocabulary.
  static absl::StatusOr<std::unique_ptr<Bpe>> Create(
      absl::flat_hash_map<std::string, int32_t> vocab,
      const std::vector<std::pair<std::string, std::string>>& merges, const Options& options,
      absl::string_view source);
  // tokenizer.json's model object: "type" BPE, vocab {token: id}, merges (["a b", ...] or
  // [["a", "b"], ...]), unk_token, continuing_subword_prefix, end_of_word_suffix, fuse_unk,
  // byte_fallback, ignore_merges, dropout (null or 0 only: dropout is random, so refused).
  static absl::StatusOr<std::unique_ptr<TokenizerModel>> FromJson(const nlohmann::json& config,
                                                                   absl::string_view source);

  void Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                std::vector<ModelToken>& out) const override;
  int vocab_size() const override { return static_cast<int>(vocab_r_.size()); }
  int32_t TokenToId(absl::string_view token) const override;
  absl::string_view IdToToken(int32_t id) const override;
  std::string Describe() const override;

 private:
  struct Merge {
    uint32_t rank;
    int32_t new_id;
  };
  static uint64_t PairKey(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  Bpe() = default;
  // One word: its UTF-8 and the byte offset of each character (num_chars + 1 entries, from
  // the start of the NormalizedString's utf8); characters numbered from `first_char`.
  void TokenizeWord(absl::string_view utf8, const uint32_t* char_pos, uint32_t num_chars,
                    uint32_t first_char, std::vector<ModelToken>& out) const;

  Options options_;
  absl::flat_hash_map<std::string, int32_t> vocab_;
  std::vector<std::string> vocab_r_;  // index = id ("" for an id no token has)
  absl::flat_hash_map<uint64_t, Merge> merges_;
  std::array<int32_t, 256> byte_ids_{};  // id of "<0xNN>", -1 when absent
  int32_t unk_id_ = -1;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_MODELS_BPE_H_
