#include "core/tokenizer/post_processors/byte_level_processor.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/post_processors/template_processing.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

bool IsSpace(char32_t c) {
  return c == U'\u0120' || (unicode::CachedCharFlags(c) & unicode::kWhitespace) != 0;
}

// Characters of `t` (valid UTF-8) that are spaces at its start and at its end.
void CountSpaces(absl::string_view t, uint32_t& leading, uint32_t& trailing) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  leading = trailing = 0;
  bool in_lead = true;
  size_t i = 0;
  while (i < t.size()) {
    char32_t c;
    i += static_cast<size_t>(unicode::DecodeUtf8(p + i, &c));
    if (IsSpace(c)) {
      if (in_lead) ++leading;
      ++trailing;
    } else {
      in_lead = false;
      trailing = 0;
    }
  }
  // A token of spaces only: the crate counts it fully from both ends.
}

}  // namespace

void TrimByteLevelOffsets(TokenSequence& s, bool add_prefix_space) {
  for (size_t i = 0; i < s.size() && i < s.tokens.size(); ++i) {
    uint32_t leading, trailing;
    CountSpaces(s.tokens[i], leading, trailing);
    if (leading == 0 && trailing == 0) continue;
    uint32_t& start = s.starts[i];
    uint32_t& end = s.ends[i];
    if (leading > 0) {
      const bool is_first = i == 0 || start == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      start = std::min(start + leading, end);
    }
    if (trailing > 0 && end >= trailing) end = std::max(end - trailing, start);
  }
}

ByteLevelProcessor::ByteLevelProcessor(bool trim_offsets, bool add_prefix_space)
    : trim_offsets_(trim_offsets),
      add_prefix_space_(add_prefix_space),
      identity_(TemplateProcessing::Identity()) {}

absl::StatusOr<std::unique_ptr<PostProcessor>> ByteLevelProcessor::FromJson(
    const nlohmann::json& config, absl::string_view source) {
  using tokenizer_json::GetBool;
  const char* where = "post_processor(ByteLevel)";
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      config, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, source, where));
  ATTN_ASSIGN_OR_RETURN(const bool add_prefix_space,
                        GetBool(config, "add_prefix_space", true, source, where));
  ATTN_ASSIGN_OR_RETURN(const bool trim, GetBool(config, "trim_offsets", true, source, where));
  ATTN_RETURN_IF_ERROR(GetBool(config, "use_regex", true, source, where).status());
  return std::make_unique<ByteLevelProcessor>(trim, add_prefix_space);
}

void ByteLevelProcessor::TrimOffsets(TokenSequence& a, TokenSequence* b) const {
  if (!trim_offsets_) return;
  TrimByteLevelOffsets(a, add_prefix_space_);
  if (b != nullptr) TrimByteLevelOffsets(*b, add_prefix_space_);
}

void ByteLevelProcessor::Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens,
                                 bool return_tokens, Encoding& out) const {
  TrimOffsets(a, b);
  identity_->Process(a, b, add_special_tokens, return_tokens, out);
}

std::string ByteLevelProcessor::Describe() const {
  return absl::StrCat("ByteLevel(trim_offsets=", trim_offsets_,
                      ", add_prefix_space=", add_prefix_space_, ")");
}

}  // namespace attnserve::core
