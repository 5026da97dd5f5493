// Unigram: Hugging Face's Unigram model (SentencePiece's unigram language model): each word is
// cut into the vocabulary pieces whose total score is highest (Viterbi over the byte trie of
// the vocabulary), a character no piece covers is an unknown scored min_score - 10, consecutive
// unknowns are fused into one <unk> (or, with byte_fallback, into the <0xXX> pieces of their
// bytes when all of them exist).
#ifndef ATTNSERVE_CORE_TOKENIZER_MODELS_UNIGRAM_H_
#define ATTNSERVE_CORE_TOKENIZER_MODELS_UNIGRAM_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#include "core/tokenizer/models/model.h"

namespace attnserve::core {

// Immutable after Create(); const methods are thread-safe (per-thread lattice buffers). Owns its
// vocabulary, scores and trie.
class Unigram final : public TokenizerModel {
 public:
  // `vocab`: (piece, score), index = id. A piece listed twice maps to its last id (the Rust
  // crate's token map). `unk_id` -1: none (as the crate's unk_id None: any character that no
  // single piece covers makes the encode fail, even where a longer piece would cover it; the
  // vocabulary may then be empty). Errors (naming `source`) for an empty vocabulary with an
  // unk_id, an unk_id outside it.
  static absl::StatusOr<std::unique_ptr<Unigram>> Create(
      std::vector<std::pair<std::string, double>> vocab, int32_t unk_id, bool byte_fallback,
      absl::string_view source);
  // tokenizer.json's model: {"type": "Unigram", "unk_id": n, "vocab": [[piece, score], ...],
  // "byte_fallback": b}; unk_id null or absent is none.
  static absl::StatusOr<std::unique_ptr<TokenizerModel>> FromJson(const nlohmann::json& config,
                                                                  absl::string_view source);

  void Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                std::vector<ModelToken>& out) const override;
  int vocab_size() const override { return static_cast<int>(pieces_.size()); }
  int32_t TokenToId(absl::string_view token) const override;
  absl::string_view IdToToken(int32_t id) const override;
  std::string Describe() const override;
  bool may_fail_to_encode() const override { return unk_id_ < 0; }

  int32_t unk_id() const { return unk_id_; }  // -1: none
  bool byte_fallback() const { return byte_fallback_; }

 private:
  Unigram() = default;
  // One word: bytes utf8[char_pos[0], char_pos[num_chars]); tokens numbered from first_char.
  void TokenizeWord(absl::string_view utf8, const uint32_t* char_pos, uint32_t num_chars,
                    uint32_t first_char, std::vector<ModelToken>& out) const;
  // Appends the token(s) of a fused run of unknowns (or of one piece that is unk_id).
  void EmitUnknown(absl::string_view text, uint32_t char_begin, uint32_t char_end,
                   std::vector<ModelToken>& out) const;

  // The trie: node 0 is the root; node i's children are edges_[first_edge[i] ..
  // first_edge[i + 1]) sorted by label; id[i] is the piece ending there, or -1.
  struct Edge {
    uint8_t label;
    uint32_t child;
  };
  std::vector<uint32_t> first_edge_;
  std::vector<Edge> edges_;
  std::vector<int32_t> node_id_;
  std::array<uint32_t, 256> root_child_{};  // 0 = none (the root is never a child)

  std::vector<std::string> pieces_;  // index = id
  std::vector<double> scores_;
  absl::flat_hash_map<std::string, int32_t> ids_;
  std::array<int32_t, 256> byte_ids_{};  // id of "<0xXX>", or -1
  double min_score_ = 0;
  int32_t unk_id_ = -1;
  bool byte_fallback_ = false;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_MODELS_UNIGRAM_H_
