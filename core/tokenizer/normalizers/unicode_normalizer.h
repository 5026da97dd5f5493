// NFC, NFD, NFKC, NFKD: Hugging Face's Unicode normalizers, with the crate's alignments: every
// piece of a decomposition keeps the range of the character it came from, a composed character
// takes the range of the first character it replaces (so "e" + U+0301 -> "é" covers the "e"),
// and reordered marks follow the crate's transform (a kept character takes the range of the
// next original character in order, an inserted one that of the previous). Forms come from
// utf8proc (Unicode 15).
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_UNICODE_NORMALIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_UNICODE_NORMALIZER_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/normalizers/normalizer.h"

namespace attnserve::core {

// Immutable; thread-safe.
class UnicodeNormalizer final : public Normalizer {
 public:
  enum class Form { kNfc, kNfd, kNfkc, kNfkd };
  explicit UnicodeNormalizer(Form form) : form_(form) {}

  // {"type": "NFC"} (no other keys), and likewise for the other three.
  static absl::StatusOr<std::unique_ptr<Normalizer>> NfcFromJson(const nlohmann::json& config,
                                                                 absl::string_view source);
  static absl::StatusOr<std::unique_ptr<Normalizer>> NfdFromJson(const nlohmann::json& config,
                                                                 absl::string_view source);
  static absl::StatusOr<std::unique_ptr<Normalizer>> NfkcFromJson(const nlohmann::json& config,
                                                                  absl::string_view source);
  static absl::StatusOr<std::unique_ptr<Normalizer>> NfkdFromJson(const nlohmann::json& config,
                                                                  absl::string_view source);

  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

 private:
  // Normalizes in[0, n) (a region that starts with a character no earlier one interacts with).
  void NormalizeRegion(const NormalizedChar* in, size_t n, std::vector<NormalizedChar>& out) const;
  Form form_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_UNICODE_NORMALIZER_H_
