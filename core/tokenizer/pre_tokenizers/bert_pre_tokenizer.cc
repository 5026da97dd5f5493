#include "core/tokenizer/pre_tokenizers/bert_pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

absl::StatusOr<std::unique_ptr<PreTokenizer>> BertPreTokenizer::FromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type"}, source, "pre_tokenizer"));
  return std::make_unique<BertPreTokenizer>();
}

void BertPreTokenizer::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                                   std::vector<CharSpan>& words) const {
  const NormalizedChar* const chars = s.chars.data();
  uint32_t word = begin;  // first character of the current word
  for (uint32_t i = begin; i < end; ++i) {
    const uint8_t f = unicode::CachedCharFlags(chars[i].cp);
    if (f & unicode::kWhitespace) {
      if (word < i) words.push_back({word, i});
      word = i + 1;
    } else if (f & unicode::kPunctuation) {
      if (word < i) words.push_back({word, i});
      words.push_back({i, i + 1});
      word = i + 1;
    }
  }
  if (word < end) words.push_back({word, end});
}

}  // namespace attnserve::core
