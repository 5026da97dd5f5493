#include "core/tokenizer/normalizers/normalizer.h"

namespace attnserve::core {

void Normalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                               std::vector<NormalizedChar>& out) const {
  // General but slower: decode, then normalize the characters. A local buffer, not a
  // per-thread one: a chain of normalizers may call this re-entrantly. Every normalizer on the
  // hot path overrides it.
  std::vector<NormalizedChar> decoded;
  AppendOriginalChars(text, begin, end, decoded);
  Normalize(decoded.data(), decoded.size(), out);
}

}  // namespace attnserve::core
