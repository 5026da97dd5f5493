#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"

namespace attnserve::core {

void PreTokenizer::PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                                   bool /*at_input_start*/, NormalizedString& out,
                                   std::vector<CharSpan>& words) const {
  thread_local std::vector<CharSpan> mine;
  mine.clear();
  PreTokenize(s, begin, end, mine);
  for (const CharSpan& w : mine) {
    const auto first = static_cast<uint32_t>(out.chars.size());
    out.chars.insert(out.chars.end(), s.chars.begin() + w.begin, s.chars.begin() + w.end);
    words.push_back({first, static_cast<uint32_t>(out.chars.size())});
  }
  ShrinkIfHuge(mine);
}

}  // namespace attnserve::core
