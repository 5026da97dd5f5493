#include "core/tokenizer/normalizers/unicode_normalizer.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// A character being normalized: its code point, its canonical combining class and the crate's
// "change" (0: replaces the next original character, 1: inserted after the previous one,
// -k: replaces the next original character and removes k more).
struct Item {
  char32_t cp;
  int ccc;
  int change;
};

// Characters that can be the second of a primary composite (superset: every non-first
// character of a full canonical decomposition below U+30000, which covers Hangul's V and T).
const std::vector<bool>& MaybeSecond() {
  static const std::vector<bool>* const table = [] {
    auto* t = new std::vector<bool>(0x30000, false);
    utf8proc_int32_t buf[16];
    for (utf8proc_int32_t cp = 0xC0; cp < 0x30000; ++cp) {
      if (cp >= 0xD800 && cp < 0xE000) continue;
      int boundclass = 0;
      const utf8proc_ssize_t n =
          utf8proc_decompose_char(cp, buf, 16, UTF8PROC_DECOMPOSE, &boundclass);
      for (utf8proc_ssize_t k = 1; k < n && k < 16; ++k) {
        if (buf[k] >= 0 && buf[k] < 0x30000) (*t)[static_cast<size_t>(buf[k])] = true;
      }
    }
    return t;
  }();
  return *table;
}

bool CanBeSecond(char32_t cp, int ccc) {
  if (ccc != 0) return true;
  return cp < 0x30000 && MaybeSecond()[cp];
}

// The primary composite of (a, b), or 0.
char32_t Compose(char32_t a, char32_t b) {
  utf8proc_int32_t buf[2] = {static_cast<utf8proc_int32_t>(a), static_cast<utf8proc_int32_t>(b)};
  const utf8proc_ssize_t n = utf8proc_normalize_utf32(buf, 2, UTF8PROC_COMPOSE);
  return n == 1 ? static_cast<char32_t>(buf[0]) : 0;
}

// Below these, every character is unchanged by the form and never interacts with a neighbour
// (no decomposition, combining class 0, never the second of a composite).
char32_t FastLimit(UnicodeNormalizer::Form f) {
  switch (f) {
    case UnicodeNormalizer::Form::kNfc: return 0x300;
    case UnicodeNormalizer::Form::kNfd: return 0xC0;
    default: return 0xA0;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Normalizer>> UnicodeNormalizer::NfcFromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type"}, source, "normalizer(NFC)"));
  return std::make_unique<UnicodeNormalizer>(Form::kNfc);
}
absl::StatusOr<std::unique_ptr<Normalizer>> UnicodeNormalizer::NfdFromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type"}, source, "normalizer(NFD)"));
  return std::make_unique<UnicodeNormalizer>(Form::kNfd);
}
absl::StatusOr<std::unique_ptr<Normalizer>> UnicodeNormalizer::NfkcFromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type"}, source, "normalizer(NFKC)"));
  return std::make_unique<UnicodeNormalizer>(Form::kNfkc);
}
absl::StatusOr<std::unique_ptr<Normalizer>> UnicodeNormalizer::NfkdFromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(config, {"type"}, source, "normalizer(NFKD)"));
  return std::make_unique<UnicodeNormalizer>(Form::kNfkd);
}

std::string UnicodeNormalizer::Describe() const {
  switch (form_) {
    case Form::kNfc: return "NFC";
    case Form::kNfd: return "NFD";
    case Form::kNfkc: return "NFKC";
    case Form::kNfkd: return "NFKD";
  }
  return "?";
}

void UnicodeNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                      std::vector<NormalizedChar>& out) const {
  // Characters are decoded into `out` and normalized in place from the first one that needs
  // it (most text needs nothing: one pass, no copy).
  const size_t first = out.size();
  AppendOriginalChars(text, begin, end, out);
  const char32_t limit = FastLimit(form_);
  size_t i = first;
  while (i < out.size() && out[i].cp < limit) ++i;
  if (i == out.size()) return;
  const size_t from = i > first ? i - 1 : first;  // the character before may compose
  thread_local std::vector<NormalizedChar> tail;
  tail.assign(out.begin() + static_cast<ptrdiff_t>(from), out.end());
  out.resize(from);
  Normalize(tail.data(), tail.size(), out);
  if (tail.capacity() > (size_t{1} << 16)) std::vector<NormalizedChar>().swap(tail);
}

void UnicodeNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                  std::vector<NormalizedChar>& out) const {
  const char32_t limit = FastLimit(form_);
  size_t i = 0;
  while (i < n) {
    if (in[i].cp < limit && (i + 1 == n || in[i + 1].cp < limit)) {
      out.push_back(in[i++]);
      continue;
    }
    // A region: this character (which may be a starter composing with what follows) and the
    // characters up to the next fast one.
    size_t j = i + 1;
    while (j < n && in[j].cp >= limit) ++j;
    NormalizeRegion(in + i, j - i, out);
    i = j;
  }
}

void UnicodeNormalizer::NormalizeRegion(const NormalizedChar* in, size_t n,
                                        std::vector<NormalizedChar>& out) const {
  thread_local std::vector<Item> items;
  items.clear();
  const bool compat = form_ == Form::kNfkc || form_ == Form::kNfkd;
  const utf8proc_option_t options =
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0));
  utf8proc_int32_t buf[32];
  for (size_t k = 0; k < n; ++k) {
    int boundclass = 0;
    utf8proc_ssize_t m = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(in[k].cp), buf,
                                                 32, options, &boundclass);
    if (m < 1 || m > 32) {
      buf[0] = static_cast<utf8proc_int32_t>(in[k].cp);
      m = 1;
    }
    for (utf8proc_ssize_t p = 0; p < m; ++p) {
      const auto cp = static_cast<char32_t>(buf[p]);
      items.push_back({cp, unicode::CombiningClass(cp), p == 0 ? 0 : 1});
    }
  }
  // Canonical ordering: each run of non-starters sorted by combining class (stable).
  for (size_t a = 0; a < items.size();) {
    if (items[a].ccc == 0) {
      ++a;
      continue;
    }
    size_t b = a;
    while (b < items.size() && items[b].ccc != 0) ++b;
    std::stable_sort(items.begin() + static_cast<ptrdiff_t>(a),
                     items.begin() + static_cast<ptrdiff_t>(b),
                     [](const Item& x, const Item& y) { return x.ccc < y.ccc; });
    a = b;
  }
  if (form_ == Form::kNfc || form_ == Form::kNfkc) {
    // Canonical composition (UAX #15): a character composes with the last starter unless a
    // character between them is a starter or has a class >= its own.
    size_t w = 0;  // items[0, w) are the output so far
    long starter = -1;
    int last_ccc = -1;  // class of the last character after the starter, -1: none
    for (size_t r = 0; r < items.size(); ++r) {
      const Item c = items[r];
      if (starter >= 0 && (last_ccc < 0 || last_ccc < c.ccc) && CanBeSecond(c.cp, c.ccc)) {
        Item& s = items[static_cast<size_t>(starter)];
        if (const char32_t composed = Compose(s.cp, c.cp); composed != 0) {
          s.cp = composed;
          s.change += c.change - 1;
          continue;
        }
      }
      if (c.ccc == 0) {
        starter = static_cast<long>(w);
        last_ccc = -1;
      } else {
        last_ccc = c.ccc;
      }
      items[w++] = c;
    }
    items.resize(w);
  }
  // The crate's NormalizedString::transform: alignments by position in the original.
  size_t idx = 0;
  for (const Item& it : items) {
    NormalizedChar c{it.cp, 0, 0};
    if (it.change > 0) {
      if (idx > 0) {
        c.start = in[idx - 1].start;
        c.end = in[idx - 1].end;
      } else {
        c.start = c.end = in[0].start;
      }
    } else {
      const size_t at = std::min(idx, n - 1);
      c.start = in[at].start;
      c.end = in[at].end;
      idx += 1 + static_cast<size_t>(-it.change);
    }
    out.push_back(c);
  }
  if (items.capacity() > (size_t{1} << 16)) std::vector<Item>().swap(items);
}

}  // namespace attnserve::core
