// BertPreTokenizer: Hugging Face's BertPreTokenizer (split on whitespace, which is dropped, and
// isolate every punctuation character as a word of its own).
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_BERT_PRE_TOKENIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_BERT_PRE_TOKENIZER_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"

namespace attnserve::core {

// Stateless; thread-safe.
class BertPreTokenizer final : public PreTokenizer {
 public:
  // tokenizer.json's {"type": "BertPreTokenizer"} (no other keys).
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);

  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  std::string Describe() const override { return "BertPreTokenizer"; }
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_BERT_PRE_TOKENIZER_H_
