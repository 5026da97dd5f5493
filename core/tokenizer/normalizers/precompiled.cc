#include "core/tokenizer/normalizers/precompiled.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// The fields of a Darts double-array unit (SentencePiece's darts_clone layout).
inline bool HasLeaf(uint32_t u) { return ((u >> 8) & 1) != 0; }
inline uint32_t Value(uint32_t u) { return u & ((1u << 31) - 1); }
inline uint32_t Label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
inline uint32_t Offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

template <typename T>
void ShrinkIfHuge(std::vector<T>& v) {
  if (v.capacity() > (size_t{1} << 16)) std::vector<T>().swap(v);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrecompiledNormalizer>> PrecompiledNormalizer::Create(
    absl::string_view blob, absl::string_view source) {
  auto err = [&](absl::string_view what) {
    return tokenizer_json::Err(
        source, absl::StrCat("normalizer (Precompiled).precompiled_charsmap: ", what));
  };
  if (blob.size() < 4) return err("shorter than its 4-byte header");
  uint32_t trie_bytes;
  std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian, as on every target we build for
  const size_t units = trie_bytes / 4;
  if (units == 0) return err("the trie is empty");
  if (units > (blob.size() - 4) / 4) {
    return err(absl::StrCat("the trie claims ", trie_bytes, " bytes but only ", blob.size() - 4,
                            " follow the header"));
  }
  std::unique_ptr<PrecompiledNormalizer> p(new PrecompiledNormalizer());
  p->array_.resize(units);
  std::memcpy(p->array_.data(), blob.data() + 4, units * 4);
  // As spm_precompiled: the rest (after whole units; a trailing partial unit is ignored by its
  // trie_size / 4) is the string table, which must be UTF-8.
  p->normalized_ = std::string(blob.substr(4 + units * 4));
  if (absl::Status st = unicode::ValidateUtf8(p->normalized_); !st.ok()) {
    return err(absl::StrCat("the replacement strings are not UTF-8: ", st.message()));
  }
  for (int c = 0; c < 128; ++c) {
    p->ascii_[c] = -1;
    absl::string_view r;
    const char key = static_cast<char>(c);
    if (p->Transform(absl::string_view(&key, 1), &r)) {
      p->ascii_[c] = static_cast<int32_t>(r.data() - p->normalized_.data());
    }
  }
  return p;
}

absl::StatusOr<std::unique_ptr<Normalizer>> PrecompiledNormalizer::FromJson(
    const nlohmann::json& j, absl::string_view source) {
  constexpr absl::string_view kWhere = "normalizer (Precompiled)";
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(j, {"type", "precompiled_charsmap"}, source, kWhere));
  const auto it = j.find("precompiled_charsmap");
  if (it == j.end() || !it->is_string()) {
    // transformers writes null for a model without rules; the Rust crate cannot load that.
    return tokenizer_json::Err(
        source, absl::StrCat(kWhere, ".precompiled_charsmap must be a base64 string"));
  }
  std::string blob;
  if (!absl::Base64Unescape(it->get_ref<const std::string&>(), &blob)) {
    return tokenizer_json::Err(source,
                               absl::StrCat(kWhere, ".precompiled_charsmap is not valid base64"));
  }
  ATTN_ASSIGN_OR_RETURN(auto p, Create(blob, source));
  return std::unique_ptr<Normalizer>(std::move(p));
}

std::string PrecompiledNormalizer::Describe() const {
  return absl::StrCat("Precompiled(", array_.size(), " trie units, ", normalized_.size(),
                      " bytes of replacements)");
}

bool PrecompiledNormalizer::Transform(absl::string_view key, absl::string_view* replacement) const {
  // Darts' common prefix search, stopping at the first key found (the shortest), with every
  // index checked: the blob comes from a file.
  const size_t size = array_.size();
  size_t pos = Offset(array_[0]);
  for (const char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return false;
    pos ^= c;
    if (pos >= size) return false;
    const uint32_t unit = array_[pos];
    if (Label(unit) != c) return false;
    pos ^= Offset(unit);
    if (HasLeaf(unit)) {
      if (pos >= size) return false;
      const size_t index = Value(array_[pos]);
      // Rust would panic slicing outside the string or inside a character; we find nothing.
      if (index > normalized_.size()) return false;
      if (index < normalized_.size() &&
          (static_cast<unsigned char>(normalized_[index]) & 0xC0) == 0x80) {
        return false;
      }
      const size_t nul = normalized_.find('\0', index);
      *replacement =
          absl::string_view(normalized_)
              .substr(index, (nul == std::string::npos ? normalized_.size() : nul) - index);
      return true;
    }
  }
  return false;
}

namespace {

using Change = std::pair<char32_t, int>;

// tokenizers' precompiled.rs `replace`: the new characters with change 0, then the surplus marked
// as insertions (1) at the end, or the deficit charged to the last change of the list (which may
// belong to an earlier cluster).
void AppendReplacement(absl::string_view repl, size_t old_count, std::vector<Change>& tr) {
  const size_t before = tr.size();
  const auto* p = reinterpret_cast<const unsigned char*>(repl.data());
  size_t i = 0;
  while (i < repl.size()) {
    char32_t cp;
    i += static_cast<size_t>(unicode::DecodeUtf8(p + i, &cp));
    tr.emplace_back(cp, 0);
  }
  const size_t new_count = tr.size() - before;
  if (new_count > old_count) {
    for (size_t k = 0; k < new_count - old_count; ++k) tr[tr.size() - 1 - k].second = 1;
  } else if (new_count < old_count && !tr.empty()) {
    tr.back().second -= static_cast<int>(old_count - new_count);
  }
}

}  // namespace

void PrecompiledNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                      std::vector<NormalizedChar>& out) const {
  thread_local std::vector<Change> tr;
  tr.clear();
  bool modified = false;
  utf8proc_int32_t state = 0;
  size_t g0 = 0;
  while (g0 < n) {
    size_t g1 = g0 + 1;
    while (g1 < n &&
           !utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(in[g1 - 1].cp),
                                             static_cast<utf8proc_int32_t>(in[g1].cp), &state)) {
      ++g1;
    }
    if (g1 == g0 + 1 && in[g0].cp < 0x80) {  // the common case: one ASCII character
      const int32_t v = ascii_[in[g0].cp];
      if (v < 0) {
        tr.emplace_back(in[g0].cp, 0);
      } else {
        const size_t nul = normalized_.find('\0', static_cast<size_t>(v));
        AppendReplacement(absl::string_view(normalized_)
                              .substr(static_cast<size_t>(v),
                                      (nul == std::string::npos ? normalized_.size() : nul) -
                                          static_cast<size_t>(v)),
                          1, tr);
        modified = true;
      }
      g0 = g1;
      continue;
    }
    // The cluster's UTF-8, when shorter than 6 bytes.
    char key[8];
    size_t len = 0;
    for (size_t k = g0; k < g1 && len < 6; ++k) {
      char b[4];
      const int l = unicode::EncodeUtf8(in[k].cp, b);
      if (len + static_cast<size_t>(l) > 6) {
        len = 6;
        break;
      }
      std::memcpy(key + len, b, static_cast<size_t>(l));
      len += static_cast<size_t>(l);
    }
    absl::string_view repl;
    if (len < 6 && Transform(absl::string_view(key, len), &repl)) {
      AppendReplacement(repl, g1 - g0, tr);
      modified = true;
    } else {
      for (size_t k = g0; k < g1; ++k) {
        char b[4];
        const int l = unicode::EncodeUtf8(in[k].cp, b);
        if (Transform(absl::string_view(b, static_cast<size_t>(l)), &repl)) {
          AppendReplacement(repl, 1, tr);
          modified = true;
        } else {
          tr.emplace_back(in[k].cp, 0);
        }
      }
    }
    g0 = g1;
  }
  if (!modified) {
    out.insert(out.end(), in, in + n);
    ShrinkIfHuge(tr);
    return;
  }
  // NormalizedString::transform: walk the input; a change <= 0 takes the alignment of the
  // character it replaces and consumes it plus -change more; an insertion (1) takes the
  // alignment of the character before. Indices are clamped where Rust would panic.
  size_t i = 0;
  for (const auto& [c, change] : tr) {
    NormalizedChar a;
    if (change > 0) {
      a = i >= 1 ? in[std::min(i, n) - 1] : NormalizedChar{0, in[0].start, in[0].start};
    } else {
      a = in[std::min(i, n - 1)];
      i += 1 + static_cast<size_t>(-change);
    }
    out.push_back({c, a.start, a.end});
  }
  ShrinkIfHuge(tr);
}

void PrecompiledNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                          std::vector<NormalizedChar>& out) const {
  thread_local std::vector<NormalizedChar> decoded;
  decoded.clear();
  AppendOriginalChars(text, begin, end, decoded);
  Normalize(decoded.data(), decoded.size(), out);
  ShrinkIfHuge(decoded);
}

}  // namespace attnserve::core
