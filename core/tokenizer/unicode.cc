#include "core/tokenizer/unicode.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <cstring>

#include <utf8proc.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace attnserve::core::unicode {
namespace {

absl::Status Utf8Error(size_t pos, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", pos, ": ", why));
}

std::string Hex(unsigned char b) { return absl::StrFormat("0x%02X", b); }

bool IsWhiteSpaceProperty(char32_t cp) {
  // PropList.txt White_Space (stable since Unicode 6.3); Rust's char::is_whitespace.
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

struct CodePointRange {
  char32_t first, last;
};
struct LowercaseEntry {
  char32_t cp, lower0, lower1;
};

#include "core/tokenizer/bert_reference_classes.inc"

template <size_t N>
bool InRanges(const CodePointRange (&ranges)[N], char32_t cp) {
  const CodePointRange* end = ranges + N;
  const CodePointRange* r = std::upper_bound(
      ranges, end, cp, [](char32_t c, const CodePointRange& range) { return c < range.first; });
  return r != ranges && cp <= (r - 1)->last;
}

bool IsChineseChar(char32_t cp) {
  // The ranges of the Rust crate's BertNormalizer, verbatim: note 0x2B920 (not 0x2B820).
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

uint8_t ComputeFlags(char32_t cp) {
  const utf8proc_property_t* prop = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  const auto cat = static_cast<utf8proc_category_t>(prop->category);
  uint8_t f = 0;
  // Control, punctuation and nonspacing marks as the Rust crate sees them (probed from it: its
  // tables are older than utf8proc's, see bert_reference_classes.inc); whitespace and the CJK
  // ranges are its own definitions (unicode_test.cc checks all five on every code point).
  if (InRanges(kReferenceControl, cp)) f |= kControl;
  if (IsWhiteSpaceProperty(cp)) f |= kWhitespace;
  if (InRanges(kReferencePunctuation, cp)) f |= kPunctuation;
  if (IsChineseChar(cp)) f |= kChinese;
  if (InRanges(kReferenceNonspacingMark, cp)) f |= kNonspacingMark;
  if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ND) || cat == UTF8PROC_CATEGORY_NL ||
      cat == UTF8PROC_CATEGORY_PC || cp == 0x200C || cp == 0x200D) {
    f |= kWordChar;
  }
  char32_t d[4];
  if (Decompose(cp, d) != 1 || d[0] != cp) f |= kNeedsNfd;
  char32_t l[2];
  if (ToLower(cp, l) != 1 || l[0] != cp) f |= kNeedsLower;
  return f;
}

// Flags of every BMP code point, computed once (about 1 ms) on first use.
const std::array<uint8_t, 0x10000>& BmpFlags() {
  static const std::array<uint8_t, 0x10000>* const table = [] {
    auto* t = new std::array<uint8_t, 0x10000>();
    for (char32_t cp = 0; cp < 0x10000; ++cp) {
      (*t)[cp] = (cp >= 0xD800 && cp < 0xE000) ? 0 : ComputeFlags(cp);
    }
    return t;
  }();
  return *table;
}

}  // namespace

absl::Status ValidateUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char b0 = p[i];
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    int len;
    char32_t min;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      min = 0x10000;
    } else if (b0 >= 0x80 && b0 <= 0xBF) {
      return Utf8Error(i, absl::StrCat("unexpected continuation byte ", Hex(b0)));
    } else if (b0 == 0xC0 || b0 == 0xC1) {
      return Utf8Error(i, absl::StrCat("overlong encoding (lead byte ", Hex(b0), ")"));
    } else {
      return Utf8Error(i, absl::StrCat("byte ", Hex(b0), " never appears in UTF-8"));
    }
    for (int k = 1; k < len; ++k) {
      if (i + static_cast<size_t>(k) >= n) {
        return Utf8Error(i, absl::StrCat("truncated sequence (lead byte ", Hex(b0), " needs ", len,
                                         " bytes, the text ends after ", k, ")"));
      }
      if ((p[i + static_cast<size_t>(k)] & 0xC0) != 0x80) {
        return Utf8Error(i, absl::StrCat("truncated sequence (lead byte ", Hex(b0), " needs ", len,
                                         " bytes, byte ", i + static_cast<size_t>(k), " is ",
                                         Hex(p[i + static_cast<size_t>(k)]), ")"));
      }
    }
    char32_t cp;
    DecodeUtf8(p + i, &cp);
    if (cp < min) return Utf8Error(i, "overlong encoding");
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      return Utf8Error(i, absl::StrFormat("surrogate code point U+%04X", static_cast<int>(cp)));
    }
    if (cp > 0x10FFFF) return Utf8Error(i, "code point above U+10FFFF");
    i += static_cast<size_t>(len);
  }
  return absl::OkStatus();
}

uint8_t CharFlags(char32_t cp) {
  if (cp < 0x10000) return BmpFlags()[cp];
  return ComputeFlags(cp);
}

int CombiningClass(char32_t cp) {
  if (cp < 0x300) return 0;
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

int ToLower(char32_t cp, char32_t out[2]) {
  if (cp < 0x80) {
    out[0] = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    return 1;
  }
  // The crate's own mapping (probed from it; Rust's Unicode is newer than utf8proc's), which
  // includes SpecialCasing's one unconditional multi-character lowercase, 'İ' -> "i̇".
  const LowercaseEntry* end = std::end(kReferenceLowercase);
  const LowercaseEntry* e = std::lower_bound(
      std::begin(kReferenceLowercase), end, cp,
      [](const LowercaseEntry& entry, char32_t c) { return entry.cp < c; });
  if (e == end || e->cp != cp) {
    out[0] = cp;
    return 1;
  }
  out[0] = e->lower0;
  if (e->lower1 == 0) return 1;
  out[1] = e->lower1;
  return 2;
}

int Decompose(char32_t cp, char32_t out[4]) {
  if (cp < 0xC0) {
    out[0] = cp;
    return 1;
  }
  utf8proc_int32_t buf[8];
  int last_boundclass = 0;
  const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf, 8,
                                                     UTF8PROC_DECOMPOSE, &last_boundclass);
  if (n < 1 || n > 4) {  // cannot happen for a valid scalar value; keep the character
    out[0] = cp;
    return 1;
  }
  for (utf8proc_ssize_t k = 0; k < n; ++k) out[k] = static_cast<char32_t>(buf[k]);
  return static_cast<int>(n);
}

const char* UnicodeVersion() { return utf8proc_unicode_version(); }

}  // namespace attnserve::core::unicode
