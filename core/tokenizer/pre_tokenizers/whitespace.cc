#include "core/tokenizer/pre_tokenizers/whitespace.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

absl::StatusOr<std::unique_ptr<PreTokenizer>> Whitespace::FromJson(const nlohmann::json& config,
                                                                  absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(config, {"type"}, source, "pre_tokenizer(Whitespace)"));
  return std::make_unique<Whitespace>();
}

void Whitespace::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                             std::vector<CharSpan>& words) const {
  // 0: whitespace, 1: word character, 2: anything else. A word is a maximal run of 1s or of 2s.
  auto cls = [&](uint32_t i) {
    const uint8_t f = unicode::CachedCharFlags(s.chars[i].cp);
    return (f & unicode::kWordChar) ? 1 : (f & unicode::kWhitespace) ? 0 : 2;
  };
  uint32_t i = begin;
  while (i < end) {
    const int c = cls(i);
    uint32_t j = i + 1;
    while (j < end && cls(j) == c) ++j;
    if (c != 0) words.push_back({i, j});
    i = j;
  }
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> WhitespaceSplit::FromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(config, {"type"}, source, "pre_tokenizer(WhitespaceSplit)"));
  return std::make_unique<WhitespaceSplit>();
}

void WhitespaceSplit::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                                  std::vector<CharSpan>& words) const {
  uint32_t word = begin;
  for (uint32_t i = begin; i < end; ++i) {
    if (unicode::CachedCharFlags(s.chars[i].cp) & unicode::kWhitespace) {
      if (word < i) words.push_back({word, i});
      word = i + 1;
    }
  }
  if (word < end) words.push_back({word, end});
}

}  // namespace attnserve::core
