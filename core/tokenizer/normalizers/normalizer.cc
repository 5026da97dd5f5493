#include "core/tokenizer/normalizers/normalizer.h"

namespace attnserve::core {

void Normalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                               std::vector<NormalizedChar>& out) const {
  // Slow but general: decode, then normalize the characters. Per-thread buffer, reused.
  thread_local std::vector<NormalizedChar> decoded;
  decoded.clear();
  AppendOriginalChars(text, begin, end, decoded);
  Normalize(decoded.data(), decoded.size(), out);
  if (decoded.capacity() > (size_t{1} << 16)) decoded = {};
}

}  // namespace attnserve::core
