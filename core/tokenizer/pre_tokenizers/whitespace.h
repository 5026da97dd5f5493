// Whitespace and WhitespaceSplit: Hugging Face's two whitespace pre-tokenizers.
//  - Whitespace: the words of the regex \w+|[^\w\s]+ (Rust regex classes: \w = letters, marks,
//    Nd, Nl, Pc, ZWJ/ZWNJ; \s = White_Space): runs of word characters and runs of other
//    non-space characters; whitespace is dropped.
//  - WhitespaceSplit: split on White_Space characters, which are dropped.
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_WHITESPACE_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_WHITESPACE_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"

namespace attnserve::core {

// Stateless; thread-safe.
class Whitespace final : public PreTokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);
  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  std::string Describe() const override { return "Whitespace"; }
};

// Stateless; thread-safe.
class WhitespaceSplit final : public PreTokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);
  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  std::string Describe() const override { return "WhitespaceSplit"; }
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_WHITESPACE_H_
