#include "core/tokenizer/added_vocabulary.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/normalizers/normalizer.h"
#include "core/tokenizer/unicode.h"

namespace attnserve::core {

using unicode::CachedCharFlags;

absl::Status AddedVocabulary::Init(std::vector<AddedToken> tokens, const Normalizer* normalizer,
                                   absl::string_view source) {
  tokens_ = std::move(tokens);
  // Matching patterns: the content, or for normalized=true the content normalized as the text
  // will be. Longest first, so that the first match at a position is the longest.
  Matcher raw, normalized;
  for (const AddedToken& a : tokens_) {
    Matcher& m = a.normalized ? normalized : raw;
    std::string pattern = a.content;
    if (a.normalized && normalizer != nullptr) {
      std::vector<NormalizedChar> chars;
      normalizer->NormalizeText(a.content, 0, a.content.size(), chars);
      pattern.clear();
      char buf[4];
      for (const NormalizedChar& c : chars) {
        pattern.append(buf, static_cast<size_t>(unicode::EncodeUtf8(c.cp, buf)));
      }
      if (pattern.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ": added token '", a.content, "' (normalized=true) is empty once normalized"));
      }
    }
    m.tokens.push_back(&a);
    m.patterns.push_back(std::move(pattern));
  }
  for (const auto& [from_ptr, to_ptr] :
       {std::make_pair(&raw, &raw_), std::make_pair(&normalized, &normalized_)}) {
    // Named copies: Clang 14 cannot capture a structured binding in a lambda.
    const Matcher* const from = from_ptr;
    Matcher* const to = to_ptr;
    std::vector<size_t> order(from->tokens.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return from->patterns[x].size() > from->patterns[y].size();
    });
    for (size_t i : order) {
      to->tokens.push_back(from->tokens[i]);
      to->patterns.push_back(from->patterns[i]);
      to->first_byte[static_cast<unsigned char>(from->patterns[i][0])] = true;
    }
  }
  return absl::OkStatus();
}

void AddedVocabulary::FindMatches(absl::string_view text, const Matcher& m,
                                  std::vector<Match>& out) {
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  // The character that ends before byte k / starts at byte k.
  auto before = [&](size_t k) {
    size_t b = k - 1;
    while (b > 0 && (p[b] & 0xC0) == 0x80) --b;
    char32_t cp;
    unicode::DecodeUtf8(p + b, &cp);
    return std::make_pair(cp, b);
  };
  auto at = [&](size_t k) {
    char32_t cp;
    const int len = unicode::DecodeUtf8(p + k, &cp);
    return std::make_pair(cp, static_cast<size_t>(len));
  };
  size_t start_offset = 0;  // end of the previous match
  size_t i = 0;
  while (i < n) {
    if (!m.first_byte[p[i]]) {
      ++i;
      continue;
    }
    size_t which = m.tokens.size();
    for (size_t t = 0; t < m.tokens.size(); ++t) {
      const std::string& pat = m.patterns[t];
      if (pat.size() <= n - i && text.compare(i, pat.size(), pat) == 0) {
        which = t;
        break;
      }
    }
    if (which == m.tokens.size()) {
      ++i;
      continue;
    }
    const AddedToken& tok = *m.tokens[which];
    size_t start = i;
    size_t stop = i + m.patterns[which].size();
    i = stop;  // the next match starts after this one, even when this one is discarded
    if (tok.single_word) {
      // Not a match when a regex \w character touches it on either side.
      if ((start > 0 && (CachedCharFlags(before(start).first) & unicode::kWordChar)) ||
          (stop < n && (CachedCharFlags(at(stop).first) & unicode::kWordChar))) {
        continue;
      }
    }
    if (tok.lstrip) {
      while (start > start_offset) {
        const auto [cp, b] = before(start);
        if (!(CachedCharFlags(cp) & unicode::kWhitespace)) break;
        start = b;
      }
    }
    if (tok.rstrip) {
      while (stop < n) {
        const auto [cp, len] = at(stop);
        if (!(CachedCharFlags(cp) & unicode::kWhitespace)) break;
        stop += len;
      }
      i = stop;
    }
    out.push_back({start, stop, &tok});
    start_offset = stop;
  }
}

}  // namespace attnserve::core
