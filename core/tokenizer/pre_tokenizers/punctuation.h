// Punctuation and Digits: Hugging Face's character-class splitters.
//  - Punctuation: splits on punctuation (ASCII punctuation or a P* category), with a delimiter
//    behaviour (default Isolated).
//  - Digits: splits on numeric characters (Rust's char::is_numeric: Nd, Nl, No): each digit
//    isolated (individual_digits) or runs of digits kept together (Contiguous).
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PUNCTUATION_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PUNCTUATION_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"
#include "core/tokenizer/pre_tokenizers/split.h"

namespace attnserve::core {

// Immutable; thread-safe.
class Punctuation final : public PreTokenizer {
 public:
  explicit Punctuation(SplitBehavior behavior) : behavior_(behavior) {}
  // {"type": "Punctuation", "behavior": ...} (behavior optional, default Isolated).
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);
  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  std::string Describe() const override { return "Punctuation"; }

 private:
  SplitBehavior behavior_;
};

// Immutable; thread-safe.
class Digits final : public PreTokenizer {
 public:
  explicit Digits(bool individual_digits) : individual_digits_(individual_digits) {}
  // {"type": "Digits", "individual_digits": b} (optional, default false).
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);
  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  std::string Describe() const override {
    return individual_digits_ ? "Digits(individual)" : "Digits";
  }

 private:
  bool individual_digits_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_PUNCTUATION_H_
