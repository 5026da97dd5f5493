#include "core/tokenizer/pre_tokenizers/split.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

absl::StatusOr<SplitBehavior> ParseSplitBehavior(const nlohmann::json& obj, const char* key,
                                                 absl::string_view source,
                                                 absl::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return Err(source, absl::StrCat(where, ".", key, " must be one of Removed, Isolated, "
                                    "MergedWithPrevious, MergedWithNext, Contiguous"));
  }
  const std::string& b = it->get_ref<const std::string&>();
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  return Err(source, absl::StrCat(where, ".", key, " '", b, "' is not supported (supported: "
                                  "Removed, Isolated, MergedWithPrevious, MergedWithNext, "
                                  "Contiguous)"));
}

void RegexSegments(const Regex& re, const NormalizedString& s, uint32_t begin, uint32_t end,
                   bool invert, std::vector<SplitSegment>& segs) {
  thread_local std::vector<RegexMatch> matches;
  segs.clear();
  matches.clear();
  const uint32_t base = s.char_pos[begin];
  re.FindAll(absl::string_view(s.utf8).substr(base, s.char_pos[end] - base), matches);
  // Match offsets are bytes of the word, at character boundaries: walk char_pos once.
  uint32_t c = begin;
  auto char_at = [&](uint32_t byte) {
    while (s.char_pos[c] - base < byte) ++c;
    return c;
  };
  uint32_t prev = begin;
  for (const RegexMatch& m : matches) {
    const uint32_t ms = char_at(m.start), me = char_at(m.end);
    if (prev != ms) segs.push_back({prev, ms, invert});
    segs.push_back({ms, me, !invert});
    prev = me;
  }
  if (prev != end) segs.push_back({prev, end, invert});
  ShrinkIfHuge(matches);
}

void EmitSplits(absl::Span<const SplitSegment> segs, SplitBehavior behavior,
                std::vector<SplitSegment>& acc, std::vector<CharSpan>& words) {
  acc.clear();
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      acc.assign(segs.begin(), segs.end());
      break;
    case SplitBehavior::kRemoved:
      for (const SplitSegment& g : segs) {
        if (!g.is_match) acc.push_back(g);
      }
      break;
    case SplitBehavior::kContiguous:
      for (const SplitSegment& g : segs) {
        if (g.is_match == previous_match && !acc.empty()) {
          acc.back().end = g.end;
        } else {
          acc.push_back(g);
        }
        previous_match = g.is_match;
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const SplitSegment& g : segs) {
        if (g.is_match && !previous_match && !acc.empty()) {
          acc.back().end = g.end;
        } else {
          acc.push_back(g);
        }
        previous_match = g.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
        if (it->is_match && !previous_match && !acc.empty()) {
          acc.back().begin = it->begin;
        } else {
          acc.push_back(*it);
        }
        previous_match = it->is_match;
      }
      std::reverse(acc.begin(), acc.end());
      break;
  }
  for (const SplitSegment& g : acc) {
    if (g.begin < g.end) words.push_back({g.begin, g.end});
  }
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> Split::FromJson(const nlohmann::json& config,
                                                             absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type", "pattern", "behavior", "invert"},
                                                 source, "pre_tokenizer(Split)"));
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<Regex> re,
                        tokenizer_json::GetPattern(config, "pattern", /*empty_ok=*/true, source,
                                                   "pre_tokenizer(Split)"));
  ATTN_ASSIGN_OR_RETURN(const SplitBehavior behavior,
                        ParseSplitBehavior(config, "behavior", source, "pre_tokenizer(Split)"));
  const auto inv = config.find("invert");
  if (inv == config.end() || !inv->is_boolean()) {
    return Err(source, "pre_tokenizer(Split).invert must be true or false");
  }
  return std::make_unique<Split>(std::move(re), behavior, inv->get<bool>());
}

void Split::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                        std::vector<CharSpan>& words) const {
  thread_local std::vector<SplitSegment> segs, scratch;
  if (begin >= end) return;
  RegexSegments(*re_, s, begin, end, invert_, segs);
  EmitSplits(segs, behavior_, scratch, words);
  ShrinkIfHuge(segs);
  ShrinkIfHuge(scratch);
}

std::string Split::Describe() const {
  return absl::StrCat("Split('", re_->pattern(), "', invert=", invert_ ? "true" : "false", ")");
}

}  // namespace attnserve::core
