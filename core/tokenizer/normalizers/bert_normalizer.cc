// One pass does clean_text, handle_chinese_chars, strip_accents (NFD, then drop Mn) and
// lowercase, keeping for every output character the byte range of the input character it came
// from: that is what Hugging Face's NormalizedString alignments give.
#include "core/tokenizer/normalizers/bert_normalizer.h"

#include <cstdint>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using unicode::CachedCharFlags;

absl::StatusOr<std::unique_ptr<Normalizer>> BertNormalizer::FromJson(const nlohmann::json& j,
                                                                     absl::string_view source) {
  using tokenizer_json::GetBool;
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      j, {"type", "clean_text", "handle_chinese_chars", "strip_accents", "lowercase"}, source,
      "normalizer"));
  Options o;
  ATTN_ASSIGN_OR_RETURN(o.clean_text, GetBool(j, "clean_text", true, source, "normalizer"));
  ATTN_ASSIGN_OR_RETURN(o.handle_chinese_chars,
                        GetBool(j, "handle_chinese_chars", true, source, "normalizer"));
  ATTN_ASSIGN_OR_RETURN(o.lowercase, GetBool(j, "lowercase", true, source, "normalizer"));
  // strip_accents: null (or absent) follows lowercase.
  ATTN_ASSIGN_OR_RETURN(o.strip_accents,
                        GetBool(j, "strip_accents", o.lowercase, source, "normalizer"));
  return std::make_unique<BertNormalizer>(o);
}

std::string BertNormalizer::Describe() const {
  auto b = [](bool v) { return v ? "true" : "false"; };
  return absl::StrCat("BertNormalizer(clean_text=", b(options_.clean_text),
                      ", handle_chinese_chars=", b(options_.handle_chinese_chars),
                      ", strip_accents=", b(options_.strip_accents),
                      ", lowercase=", b(options_.lowercase), ")");
}

template <typename Next>
void BertNormalizer::Run(Next next, std::vector<NormalizedChar>& out) const {
  const bool clean = options_.clean_text;
  const bool chinese = options_.handle_chinese_chars;
  const bool strip = options_.strip_accents;
  const bool lower = options_.lowercase;
  // Canonical ordering (NFD, only when stripping accents) never moves a character before this.
  size_t run_start = out.size();
  std::vector<uint8_t> ccc_of;  // combining classes of out[run_start..], only while reordering

  // Appends one character after NFD: reorders it among the marks after the last starter, then
  // lowercases it (the Rust crate lowercases after stripping; lowercasing keeps combining
  // classes).
  auto append = [&](char32_t cp, uint32_t start, uint32_t stop) {
    const int ccc = strip && cp >= 0x300 ? unicode::CombiningClass(cp) : 0;
    char32_t l[2] = {cp, 0};
    const int k =
        lower && (unicode::CachedCharFlags(cp) & unicode::kNeedsLower) ? unicode::ToLower(cp, l) : 1;
    if (ccc == 0) {
      for (int j = 0; j < k; ++j) out.push_back({l[j], start, stop});
      run_start = out.size();
      ccc_of.clear();
      return;
    }
    // A mark: insert it after the marks of the current run with a class <= its own.
    size_t pos = out.size();
    while (pos > run_start && ccc_of[pos - 1 - run_start] > ccc) --pos;
    for (int j = 0; j < k; ++j) {
      out.insert(out.begin() + static_cast<ptrdiff_t>(pos + static_cast<size_t>(j)),
                 NormalizedChar{l[j], start, stop});
      ccc_of.insert(
          ccc_of.begin() + static_cast<ptrdiff_t>(pos - run_start + static_cast<size_t>(j)),
          static_cast<uint8_t>(ccc));
    }
  };

  char32_t cp;
  uint32_t start, stop;
  while (next(cp, start, stop)) {
    const uint8_t f = CachedCharFlags(cp);
    if (clean) {
      if (f & unicode::kControl) continue;
      if (f & unicode::kWhitespace) cp = ' ';
    }
    if (cp < 0x80 && run_start == out.size()) {  // ASCII fast path (no pending marks)
      out.push_back({lower && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, start, stop});
      run_start = out.size();
      continue;
    }
    const bool isolate = chinese && (f & unicode::kChinese);
    if (isolate) {
      // " c " in the Rust crate (the spaces split the character into a word of its own).
      append(' ', start, stop);
    }
    if (strip && (f & (unicode::kNeedsNfd | unicode::kNonspacingMark))) {
      char32_t d[4];
      const int k = unicode::Decompose(cp, d);
      for (int j = 0; j < k; ++j) {
        if (CachedCharFlags(d[j]) & unicode::kNonspacingMark) {
          // Dropped; a dropped starter still bounds the reordering, as in NFD-then-filter.
          if (unicode::CombiningClass(d[j]) == 0) {
            run_start = out.size();
            ccc_of.clear();
          }
          continue;
        }
        append(d[j], start, stop);
      }
    } else {
      append(cp, start, stop);
    }
    if (isolate) append(' ', start, stop);
  }
}

void BertNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                   std::vector<NormalizedChar>& out) const {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = begin;
  Run(
      [&](char32_t& cp, uint32_t& start, uint32_t& stop) {
        if (i >= end) return false;
        const int len = p[i] < 0x80 ? (cp = p[i], 1) : unicode::DecodeUtf8(p + i, &cp);
        start = static_cast<uint32_t>(i);
        i += static_cast<size_t>(len);
        stop = static_cast<uint32_t>(i);
        return true;
      },
      out);
}

void BertNormalizer::Normalize(const NormalizedChar* in, size_t n,
                               std::vector<NormalizedChar>& out) const {
  size_t i = 0;
  Run(
      [&](char32_t& cp, uint32_t& start, uint32_t& stop) {
        if (i >= n) return false;
        cp = in[i].cp;
        start = in[i].start;
        stop = in[i].end;
        ++i;
        return true;
      },
      out);
}

}  // namespace attnserve::core
