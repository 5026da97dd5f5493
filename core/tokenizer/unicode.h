// Unicode helpers for the BERT tokenizer: strict UTF-8 validation and decoding, and the character
// classes of Hugging Face's BertNormalizer / BertPreTokenizer, computed with utf8proc.
//
// The classes are those of the Rust `tokenizers` crate (what `transformers` users get by default):
//  - control (removed by clean_text), punctuation (isolated by BertPreTokenizer) and nonspacing
//    mark (dropped by strip_accents): tables probed from the crate itself, code point by code
//    point (bert_reference_classes.inc, made by tests/tokenizer_exactness/probe_bert_classes.py).
//    Its classes mix Unicode versions (old `unicode_categories` tables, newer Rust char methods),
//    so no single Unicode database gives them. Unassigned code points are never controls.
//  - whitespace: the Unicode White_Space property (Rust's char::is_whitespace).
//  - Chinese: the CJK ideograph blocks as listed by the Rust crate, including its 0x2B920 start of
//    the Ext-E range (the Python slow tokenizer starts at 0x2B820).
//  - lowercase: Rust's char::to_lowercase, the full mapping ('İ' -> "i̇"), no final-sigma rule.
// unicode_test.cc checks every code point of all five against the crate
// (tests/testdata/tokenizer/bert_reference_classes.json).
//
// All functions are pure and thread-safe.
#ifndef ATTNSERVE_CORE_TOKENIZER_UNICODE_H_
#define ATTNSERVE_CORE_TOKENIZER_UNICODE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attnserve::core::unicode {

// OK if `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF,
// no truncated or stray bytes); else InvalidArgument "invalid UTF-8 at byte N: <why>".
absl::Status ValidateUtf8(absl::string_view text);

// Decodes the code point at text[pos] of VALID UTF-8 and returns its byte length (1-4).
inline int DecodeUtf8(const unsigned char* p, char32_t* cp) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  if (b0 < 0xE0) {
    *cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (b0 < 0xF0) {
    *cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (static_cast<char32_t>(p[1] & 0x3F) << 6) |
          (p[2] & 0x3F);
    return 3;
  }
  *cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (static_cast<char32_t>(p[1] & 0x3F) << 12) |
        (static_cast<char32_t>(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  return 4;
}

// Appends the UTF-8 encoding of `cp` (a valid scalar value) to `out`; returns its length.
inline int EncodeUtf8(char32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Character class bits.
enum CharFlag : uint8_t {
  kControl = 1 << 0,         // removed by clean_text (also U+0000 and U+FFFD)
  kWhitespace = 1 << 1,      // White_Space
  kPunctuation = 1 << 2,     // BERT punctuation
  kChinese = 1 << 3,         // CJK ideograph (isolated by handle_chinese_chars)
  kNonspacingMark = 1 << 4,  // Mn (dropped by strip_accents)
  kWordChar = 1 << 5,    // regex \w (letters, marks, Nd, Nl, Pc, ZWJ/ZWNJ): added-token single_word
  kNeedsNfd = 1 << 6,    // has a canonical decomposition
  kNeedsLower = 1 << 7,  // lowercase mapping differs from the character
};

// Class bits of `cp`. O(1): a table for the BMP, utf8proc for the astral planes.
uint8_t CharFlags(char32_t cp);

// CharFlags, with the ASCII characters from a table (so the common case never leaves L1).
// Inline: it runs once or twice per character on the hot path.
inline uint8_t CachedCharFlags(char32_t cp) {
  static const std::array<uint8_t, 128> kAscii = [] {
    std::array<uint8_t, 128> t{};
    for (char32_t c = 0; c < 128; ++c) t[c] = CharFlags(c);
    return t;
  }();
  return cp < 128 ? kAscii[cp] : CharFlags(cp);
}

// Canonical combining class (0 for starters).
int CombiningClass(char32_t cp);

// Rust's char::to_lowercase: writes 1 or 2 code points to out[]; returns how many.
int ToLower(char32_t cp, char32_t out[2]);

// Canonical decomposition (NFD, no reordering) of `cp` into out[0..n), n <= 4 for every
// code point (Hangul syllables give 2 or 3); returns n (1 and out[0] == cp when it has none).
int Decompose(char32_t cp, char32_t out[4]);

// utf8proc's Unicode version, e.g. "15.0.0".
const char* UnicodeVersion();

}  // namespace attnserve::core::unicode

#endif  // ATTNSERVE_CORE_TOKENIZER_UNICODE_H_
