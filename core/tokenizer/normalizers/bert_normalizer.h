// BertNormalizer: Hugging Face's BertNormalizer (clean_text, handle_chinese_chars,
// strip_accents, lowercase, in the Rust crate's order).
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_BERT_NORMALIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_BERT_NORMALIZER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/normalizers/normalizer.h"

namespace attnserve::core {

// Immutable, thread-safe; owns only its options.
class BertNormalizer final : public Normalizer {
 public:
  struct Options {
    bool clean_text = true;            // drop controls, map whitespace to ' '
    bool handle_chinese_chars = true;  // put spaces around CJK ideographs
    bool strip_accents = true;         // already resolved (tokenizer.json's null follows lowercase)
    bool lowercase = true;
  };

  explicit BertNormalizer(const Options& options) : options_(options) {}

  // tokenizer.json's normalizer object ({"type": "BertNormalizer", ...}); unknown keys and
  // non-boolean options are errors naming `source`.
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);

  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

  const Options& options() const { return options_; }

 private:
  // The one pass, over characters from `next(cp, start, stop)` (false at the end).
  template <typename Next>
  void Run(Next next, std::vector<NormalizedChar>& out) const;

  Options options_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_BERT_NORMALIZER_H_
