#include "core/tokenizer/pre_tokenizers/punctuation.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

absl::StatusOr<std::unique_ptr<PreTokenizer>> Punctuation::FromJson(const nlohmann::json& config,
                                                                   absl::string_view source) {
  const char* where = "pre_tokenizer(Punctuation)";
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type", "behavior"}, source, where));
  SplitBehavior b = SplitBehavior::kIsolated;
  if (config.contains("behavior")) {
    ATTN_ASSIGN_OR_RETURN(b, ParseSplitBehavior(config, "behavior", source, where));
  }
  return std::make_unique<Punctuation>(b);
}

void Punctuation::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                              std::vector<CharSpan>& words) const {
  thread_local std::vector<SplitSegment> segs, scratch;
  if (begin >= end) return;
  PredicateSegments(
      s, begin, end,
      [](char32_t c) { return (unicode::CachedCharFlags(c) & unicode::kPunctuation) != 0; }, segs);
  EmitSplits(segs, behavior_, scratch, words);
  ShrinkIfHuge(segs);
  ShrinkIfHuge(scratch);
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> Digits::FromJson(const nlohmann::json& config,
                                                              absl::string_view source) {
  const char* where = "pre_tokenizer(Digits)";
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(config, {"type", "individual_digits"}, source, where));
  ATTN_ASSIGN_OR_RETURN(const bool individual,
                        tokenizer_json::GetBool(config, "individual_digits", false, source, where));
  return std::make_unique<Digits>(individual);
}

void Digits::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                         std::vector<CharSpan>& words) const {
  thread_local std::vector<SplitSegment> segs, scratch;
  if (begin >= end) return;
  PredicateSegments(
      s, begin, end,
      [](char32_t c) {
        if (c < 128) return c >= '0' && c <= '9';
        const utf8proc_category_t cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
        return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL ||
               cat == UTF8PROC_CATEGORY_NO;
      },
      segs);
  EmitSplits(segs, individual_digits_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous,
             scratch, words);
  ShrinkIfHuge(segs);
  ShrinkIfHuge(scratch);
}

}  // namespace attnserve::core
