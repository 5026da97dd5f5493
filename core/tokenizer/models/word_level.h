// WordLevel: Hugging Face's WordLevel model: each word is one token, its vocabulary id or
// unk_token's.
#ifndef ATTNSERVE_CORE_TOKENIZER_MODELS_WORD_LEVEL_H_
#define ATTNSERVE_CORE_TOKENIZER_MODELS_WORD_LEVEL_H_

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

// Immutable after creation; thread-safe. Owns its vocabulary.
class WordLevel final : public TokenizerModel {
 public:
  // {"type": "WordLevel", "vocab": {token: id}, "unk_token": s (default "<unk>")}. The
  // unk_token must be in the vocabulary (the crate would fail on the first unknown word).
  static absl::StatusOr<std::unique_ptr<TokenizerModel>> FromJson(const nlohmann::json& config,
                                                                   absl::string_view source);

  void Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                std::vector<ModelToken>& out) const override;
  int vocab_size() const override { return static_cast<int>(vocab_r_.size()); }
  int32_t TokenToId(absl::string_view token) const override;
  absl::string_view IdToToken(int32_t id) const override;
  std::string Describe() const override;

 private:
  WordLevel() = default;
  absl::flat_hash_map<std::string, int32_t> vocab_;
  std::vector<std::string> vocab_r_;
  std::string unk_token_;
  int32_t unk_id_ = -1;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_MODELS_WORD_LEVEL_H_
