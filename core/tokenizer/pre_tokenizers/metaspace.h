// Metaspace: Hugging Face's Metaspace pre-tokenizer (SentencePiece's whitespace handling): every
// ' ' becomes the replacement character (default U+2581 '▁'), which is also prepended to the
// text (prepend_scheme "always", or "first": only at the start of the input, or "never"), and
// the text is split before each replacement (split=true, "MergedWithNext").
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_METASPACE_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_METASPACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"

namespace attnserve::core {

struct MetaspaceOptions {
  enum class PrependScheme { kAlways, kFirst, kNever };
  char32_t replacement = U'\u2581';
  PrependScheme prepend_scheme = PrependScheme::kAlways;
  bool split = true;

  // The Metaspace object of tokenizer.json (pre_tokenizer or decoder): replacement (one
  // character), prepend_scheme, split, and the legacy add_prefix_space (false = "never"; false
  // with another explicit scheme is an error, as in the Rust crate) and str_rep (ignored).
  // `where` names the place ("pre_tokenizer", "decoder").
  static absl::StatusOr<MetaspaceOptions> FromJson(const nlohmann::json& config,
                                                   absl::string_view source,
                                                   absl::string_view where);
  std::string Describe() const;
};

// Immutable, thread-safe; owns only its options.
class Metaspace final : public PreTokenizer {
 public:
  explicit Metaspace(const MetaspaceOptions& options) : options_(options) {}
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);

  // Metaspace always rewrites: the tokenizer calls PreTokenizeInto. PreTokenize is the split
  // alone, for text already rewritten (spaces replaced, replacement prepended).
  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  bool rewrites() const override { return true; }
  void PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                       bool at_input_start, NormalizedString& out,
                       std::vector<CharSpan>& words) const override;
  std::string Describe() const override;

  const MetaspaceOptions& options() const { return options_; }

 private:
  MetaspaceOptions options_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_METASPACE_H_
