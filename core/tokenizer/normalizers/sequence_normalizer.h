// SequenceNormalizer: Hugging Face's normalizers.Sequence, the normalizers of a list applied in
// order (an empty list is the identity).
#ifndef ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_SEQUENCE_NORMALIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_SEQUENCE_NORMALIZER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/normalizers/normalizer.h"

namespace attnserve::core {

// Immutable, thread-safe; owns its normalizers. Intermediate results go through per-thread
// buffers (one pair per nesting depth) that keep their capacity.
class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> normalizers)
      : normalizers_(std::move(normalizers)) {}

  // {"type": "Sequence", "normalizers": [...]}: each element built through the normalizer
  // registry; errors name the element ("normalizer.normalizers[2]").
  static absl::StatusOr<std::unique_ptr<Normalizer>> FromJson(const nlohmann::json& config,
                                                              absl::string_view source);

  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override;
  void NormalizeText(absl::string_view text, size_t begin, size_t end,
                     std::vector<NormalizedChar>& out) const override;
  std::string Describe() const override;

  const std::vector<std::unique_ptr<Normalizer>>& normalizers() const { return normalizers_; }

 private:
  std::vector<std::unique_ptr<Normalizer>> normalizers_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_NORMALIZERS_SEQUENCE_NORMALIZER_H_
