// Split: Hugging Face's Split pre-tokenizer (a String or Regex pattern, a delimiter behaviour,
// invert), and the split machinery the other splitting pre-tokenizers share (Whitespace,
// WhitespaceSplit, Punctuation, Digits, ByteLevel's regex): a word is cut into segments
// (matches and the text between them, as the crate's Pattern::find_matches), then the behaviour
// decides which segments become words, exactly as NormalizedString::split folds them.
#ifndef ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_SPLIT_H_
#define ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_SPLIT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"
#include "core/tokenizer/regex.h"

namespace attnserve::core {

// Hugging Face's SplitDelimiterBehavior.
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// tokenizer.json's behaviour name ("Removed", "Isolated", ...) at obj[key]; errors name `where`.
absl::StatusOr<SplitBehavior> ParseSplitBehavior(const nlohmann::json& obj, const char* key,
                                                 absl::string_view source,
                                                 absl::string_view where);

// Characters [begin, end) of a word; is_match: a delimiter (a match of the pattern). May be
// empty (an empty regex match), which still separates its neighbours.
struct SplitSegment {
  uint32_t begin;
  uint32_t end;
  bool is_match;
};

// The segments of chars [begin, end) of `s` (non-empty) for the regex matches of `re` in their
// text, appended to `segs` (which is cleared first); `invert` flips is_match (Invert(pattern)).
void RegexSegments(const Regex& re, const NormalizedString& s, uint32_t begin, uint32_t end,
                   bool invert, std::vector<SplitSegment>& segs);

// The segments for a predicate on characters: every matching character is a match of its own.
template <typename Pred>
void PredicateSegments(const NormalizedString& s, uint32_t begin, uint32_t end, Pred is_match,
                       std::vector<SplitSegment>& segs) {
  segs.clear();
  uint32_t run = begin;
  for (uint32_t i = begin; i < end; ++i) {
    if (is_match(s.chars[i].cp)) {
      if (run < i) segs.push_back({run, i, false});
      segs.push_back({i, i + 1, true});
      run = i + 1;
    }
  }
  if (run < end) segs.push_back({run, end, false});
}

// Appends to `words` the non-empty words that `behavior` makes of `segs` (NormalizedString::
// split's folds). `scratch` is a buffer of the caller's (any content).
void EmitSplits(absl::Span<const SplitSegment> segs, SplitBehavior behavior,
                std::vector<SplitSegment>& scratch, std::vector<CharSpan>& words);

// Immutable after creation; thread-safe. Owns its compiled pattern.
class Split final : public PreTokenizer {
 public:
  Split(std::unique_ptr<Regex> re, SplitBehavior behavior, bool invert)
      : re_(std::move(re)), behavior_(behavior), invert_(invert) {}

  // {"type": "Split", "pattern": {"String": s} or {"Regex": r}, "behavior": ..., "invert": b}.
  static absl::StatusOr<std::unique_ptr<PreTokenizer>> FromJson(const nlohmann::json& config,
                                                                absl::string_view source);

  void PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                   std::vector<CharSpan>& words) const override;
  std::string Describe() const override;

 private:
  std::unique_ptr<Regex> re_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_PRE_TOKENIZERS_SPLIT_H_
