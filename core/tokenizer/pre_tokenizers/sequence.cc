#include "core/tokenizer/pre_tokenizers/sequence.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/stage_registry.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

absl::StatusOr<std::unique_ptr<PreTokenizer>> PreTokenizerSequence::Create(
    std::vector<std::unique_ptr<PreTokenizer>> elements, absl::string_view source) {
  std::unique_ptr<PreTokenizerSequence> p(new PreTokenizerSequence());
  for (size_t i = 0; i < elements.size(); ++i) {
    if (!elements[i]->rewrites()) continue;
    if (p->rewriter_ >= 0) {
      return Err(source, absl::StrCat("pre_tokenizer(Sequence): elements ", p->rewriter_, " and ",
                                      i, " both rewrite characters (ByteLevel, Metaspace); only one may"));
    }
    p->rewriter_ = static_cast<int>(i);
  }
  p->elements_ = std::move(elements);
  return std::unique_ptr<PreTokenizer>(std::move(p));
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> PreTokenizerSequence::FromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(config, {"type", "pretokenizers"}, source, "pre_tokenizer"));
  const auto list = config.find("pretokenizers");
  if (list == config.end() || !list->is_array()) {
    return Err(source, "pre_tokenizer(Sequence).pretokenizers must be an array");
  }
  std::vector<std::unique_ptr<PreTokenizer>> elements;
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& e = (*list)[i];
    if (!e.is_object()) {
      return Err(source, absl::StrCat("pre_tokenizer(Sequence).pretokenizers[", i,
                                      "] is not an object"));
    }
    const std::string type = tokenizer_json::TypeOf(e);
    ATTN_ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> p,
                          PreTokenizerRegistry().Create(type, e, source, type.empty() ? e.dump() : ""));
    elements.push_back(std::move(p));
  }
  return Create(std::move(elements), source);
}

void PreTokenizerSequence::SplitWith(size_t from, size_t to, const NormalizedString& s,
                                     std::vector<CharSpan>& words) const {
  thread_local std::vector<CharSpan> next;
  for (size_t e = from; e < to; ++e) {
    next.clear();
    for (const CharSpan& w : words) elements_[e]->PreTokenize(s, w.begin, w.end, next);
    words.swap(next);
  }
  ShrinkIfHuge(next);
}

void PreTokenizerSequence::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                                       std::vector<CharSpan>& words) const {
  thread_local std::vector<CharSpan> mine;
  if (begin >= end) return;
  mine.clear();
  mine.push_back({begin, end});
  SplitWith(0, elements_.size(), s, mine);
  words.insert(words.end(), mine.begin(), mine.end());
  ShrinkIfHuge(mine);
}

void PreTokenizerSequence::PreTokenizeInto(const NormalizedString& s, uint32_t begin,
                                           uint32_t end, bool at_input_start,
                                           NormalizedString& out,
                                           std::vector<CharSpan>& words) const {
  thread_local std::vector<CharSpan> before;
  thread_local std::vector<CharSpan> after;
  if (begin >= end) return;
  const auto r = static_cast<size_t>(rewriter_ < 0 ? 0 : rewriter_);
  before.clear();
  before.push_back({begin, end});
  SplitWith(0, r, s, before);
  after.clear();
  if (rewriter_ < 0) {
    PreTokenizer::PreTokenizeInto(s, begin, end, at_input_start, out, words);
    return;
  }
  // Only a word that still starts where the range did is at the start of the input.
  for (const CharSpan& w : before) {
    elements_[r]->PreTokenizeInto(s, w.begin, w.end, at_input_start && w.begin == begin, out,
                                  after);
  }
  if (r + 1 < elements_.size()) {
    out.SyncUtf8();
    SplitWith(r + 1, elements_.size(), out, after);
  }
  words.insert(words.end(), after.begin(), after.end());
  ShrinkIfHuge(before);
  ShrinkIfHuge(after);
}

std::string PreTokenizerSequence::Describe() const {
  return absl::StrCat("Sequence[",
                      absl::StrJoin(elements_, ", ",
                                    [](std::string* o, const auto& e) {
                                      absl::StrAppend(o, e->Describe());
                                    }),
                      "]");
}

}  // namespace attnserve::core
