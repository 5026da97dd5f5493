// Sequence: Hugging Face's pre_tokenizer Sequence: each element splits the words of the one
// before. At most one element may rewrite characters (ByteLevel); elements after it split the
// rewritten text, as in the crate.
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_SEQUENCE_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_SEQUENCE_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"

namespace attnserve::core {

// Immutable after creation; thread-safe. Owns its elements.
class PreTokenizerSequence final : public PreTokenizer {
 public:
  // Errors for more than one rewriting element.
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> Create(
      std::vector<std::unique_ptr<PreTokenizer>> elements, absl::string_view source);
  // {"type": "Sequence", "pretokenizers": [...]} (each element any registered pre-tokenizer).
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);

  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  bool rewrites() const override { return rewriter_ >= 0; }
  void PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                       bool at_input_start, NormalizedString& out,
                       std::vector<CharSpan>& words) const override;
  std::string Describe() const override;

 private:
  PreTokenizerSequence() = default;
  // Runs elements [from, to) over `words` (spans of s), in place.
  void SplitWith(size_t from, size_t to, const NormalizedString& s,
                 std::vector<CharSpan>& words) const;

  std::vector<std::unique_ptr<PreTokenizer>> elements_;
  int rewriter_ = -1;  // index of the rewriting element, -1: none
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_SEQUENCE_H_
