#include "core/tokenizer/normalized_string.h"

#include "core/tokenizer/unicode.h"

namespace attnserve::core {

void NormalizedString::SyncUtf8() {
  // Writes through a pointer into a buffer sized for the worst case (4 bytes a character), then
  // trims: no capacity check per character.
  const size_t n = chars.size();
  utf8.resize(4 * n);
  char_pos.resize(n + 1);
  char* const base = utf8.data();
  char* p = base;
  for (size_t i = 0; i < n; ++i) {
    char_pos[i] = static_cast<uint32_t>(p - base);
    const char32_t cp = chars[i].cp;
    if (cp < 0x80) {
      *p++ = static_cast<char>(cp);
    } else {
      p += unicode::EncodeUtf8(cp, p);
    }
  }
  char_pos[n] = static_cast<uint32_t>(p - base);
  utf8.resize(static_cast<size_t>(p - base));
}

void AppendOriginalChars(absl::string_view text, size_t begin, size_t end,
                         std::vector<NormalizedChar>& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = begin;
  while (i < end) {
    char32_t cp;
    const int len = p[i] < 0x80 ? (cp = p[i], 1) : unicode::DecodeUtf8(p + i, &cp);
    const size_t next = i + static_cast<size_t>(len);
    out.push_back({cp, static_cast<uint32_t>(i), static_cast<uint32_t>(next)});
    i = next;
  }
}

}  // namespace attnserve::core
