// The encoding pipeline. One pass over each piece of text between added tokens does
// BertNormalizer (clean_text, handle_chinese_chars, strip_accents, lowercase, in the Rust crate's
// order), BertPreTokenizer (split on whitespace, isolate punctuation) and WordPiece, keeping for
// every normalized character the byte range of the original character it came from: that is what
// Hugging Face's NormalizedString alignments give (inserted characters share the range of the
// character they came from), and token offsets are (first char's start, last char's end).
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/tokenizer/unicode.h"

namespace attnserve::core {

namespace {

using unicode::CharFlags;

// Flags of the ASCII characters (so the common case never leaves L1).
const std::array<uint8_t, 128>& AsciiFlags() {
  static const std::array<uint8_t, 128> table = [] {
    std::array<uint8_t, 128> t{};
    for (char32_t c = 0; c < 128; ++c) t[c] = CharFlags(c);
    return t;
  }();
  return table;
}

inline uint8_t Flags(char32_t cp) { return cp < 128 ? AsciiFlags()[cp] : CharFlags(cp); }

}  // namespace

struct Tokenizer::SequenceTokens {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  std::vector<uint32_t> starts;
  std::vector<uint32_t> ends;
  size_t size() const { return ids.size(); }
  void Truncate(size_t n, TruncationDirection direction) {
    if (ids.size() <= n) return;
    const size_t drop = ids.size() - n;
    auto cut = [&](auto& v) {
      if (v.empty()) return;
      if (direction == TruncationDirection::kRight) {
        v.resize(n);
      } else {
        v.erase(v.begin(), v.begin() + static_cast<ptrdiff_t>(drop));
      }
    };
    cut(ids);
    cut(tokens);
    cut(starts);
    cut(ends);
  }
};

// Per-call buffers (reused across the words of one call).
struct Tokenizer::Scratch {
  std::vector<NChar> norm;  // the normalized piece
  std::vector<NChar> word;  // the word being pre-tokenized
  std::string utf8;
  std::vector<uint32_t> char_pos;
  std::vector<WordPieceVocab::Piece> pieces;
  std::vector<Match> raw_matches;
  std::vector<Match> norm_matches;
  std::string norm_utf8;
  std::vector<uint32_t> norm_pos;  // byte offset in norm_utf8 of each normalized character
};

int32_t Tokenizer::TokenToId(absl::string_view token) const {
  for (const AddedToken& t : added_tokens_) {
    if (t.content == token) return t.id;
  }
  return model_.Find(token);
}

absl::string_view Tokenizer::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return {};
  return id_to_token_[static_cast<size_t>(id)];
}

int Tokenizer::num_special_tokens(bool pair) const {
  int n = 0;
  for (const TemplatePiece& p : pair ? pair_template_ : single_template_) {
    if (!p.is_sequence) n += static_cast<int>(p.special_ids.size());
  }
  return n;
}

std::string Tokenizer::Describe() const {
  auto b = [](bool v) { return v ? "true" : "false"; };
  return absl::StrCat(
      source_, ": WordPiece (", model_.max_input_chars_per_word(), " chars/word, prefix '",
      model_.prefix(), "', unk '", model_.unk_token(), "'), ", vocab_size(), " ids, ",
      normalizer_.enabled
          ? absl::StrCat("BertNormalizer(clean_text=", b(normalizer_.clean_text),
                         ", handle_chinese_chars=", b(normalizer_.handle_chinese_chars),
                         ", strip_accents=", b(normalizer_.strip_accents),
                         ", lowercase=", b(normalizer_.lowercase), ")")
          : "no normalizer",
      ", ", added_tokens_.size(), " added tokens, ", num_special_tokens(false), "/",
      num_special_tokens(true), " special tokens for single/pair, Unicode ",
      unicode::UnicodeVersion());
}

void Tokenizer::EmitWord(Scratch& s, bool want_tokens, SequenceTokens& out) const {
  if (s.word.empty()) return;
  s.utf8.clear();
  s.char_pos.clear();
  char buf[4];
  for (const NChar& c : s.word) {
    s.char_pos.push_back(static_cast<uint32_t>(s.utf8.size()));
    if (c.cp < 0x80) {
      s.utf8.push_back(static_cast<char>(c.cp));
    } else {
      s.utf8.append(buf, static_cast<size_t>(unicode::EncodeUtf8(c.cp, buf)));
    }
  }
  s.char_pos.push_back(static_cast<uint32_t>(s.utf8.size()));
  s.pieces.clear();
  model_.Tokenize(s.utf8, s.char_pos.data(), static_cast<int>(s.word.size()), s.pieces);
  for (const WordPieceVocab::Piece& p : s.pieces) {
    out.ids.push_back(p.id);
    out.starts.push_back(s.word[static_cast<size_t>(p.char_begin)].start);
    out.ends.push_back(s.word[static_cast<size_t>(p.char_end - 1)].end);
    if (want_tokens) out.tokens.emplace_back(IdToToken(p.id));
  }
  s.word.clear();
}

void Tokenizer::Normalize(absl::string_view text, size_t begin, size_t end,
                          std::vector<NChar>& out) const {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const NormalizerOptions& n = normalizer_;
  const bool clean = n.enabled && n.clean_text;
  const bool chinese = n.enabled && n.handle_chinese_chars;
  const bool strip = n.enabled && n.strip_accents;
  const bool lower = n.enabled && n.lowercase;
  // Canonical ordering (NFD, only when stripping accents) never moves a character before this.
  size_t run_start = out.size();
  std::vector<uint8_t> ccc_of;  // combining classes of out[run_start..], only while reordering

  // Appends one character after NFD: reorders it among the marks after the last starter, then
  // lowercases it (the Rust crate lowercases after stripping; lowercasing keeps combining
  // classes).
  auto append = [&](char32_t cp, uint32_t start, uint32_t stop) {
    const int ccc = strip && cp >= 0x300 ? unicode::CombiningClass(cp) : 0;
    char32_t l[2] = {cp, 0};
    const int k = lower ? unicode::ToLower(cp, l) : 1;
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
                 NChar{l[j], start, stop});
      ccc_of.insert(
          ccc_of.begin() + static_cast<ptrdiff_t>(pos - run_start + static_cast<size_t>(j)),
          static_cast<uint8_t>(ccc));
    }
  };

  size_t i = begin;
  while (i < end) {
    char32_t cp;
    const int len = p[i] < 0x80 ? (cp = p[i], 1) : unicode::DecodeUtf8(p + i, &cp);
    const auto start = static_cast<uint32_t>(i);
    const auto stop = static_cast<uint32_t>(i + static_cast<size_t>(len));
    i += static_cast<size_t>(len);
    const uint8_t f = Flags(cp);
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
        if (Flags(d[j]) & unicode::kNonspacingMark) {
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

void Tokenizer::PreTokenize(const NChar* chars, size_t n, bool want_tokens, SequenceTokens& out,
                            Scratch& s) const {
  for (size_t i = 0; i < n; ++i) {
    const NChar& c = chars[i];
    const uint8_t f = Flags(c.cp);
    if (f & unicode::kWhitespace) {
      EmitWord(s, want_tokens, out);
    } else if (f & unicode::kPunctuation) {
      EmitWord(s, want_tokens, out);
      s.word.push_back(c);
      EmitWord(s, want_tokens, out);
    } else {
      s.word.push_back(c);
    }
  }
  EmitWord(s, want_tokens, out);
}

void Tokenizer::FindMatches(absl::string_view text, const AddedMatcher& m,
                            std::vector<Match>& out) {
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  // The character that ends before byte k / starts at byte k.
  auto before = [&](size_t k) {
    size_t b = k - 1;
    while (b > 0 && (p[b] & 0xC0) == 0x80) --b;
    char32_t cp;
    unicode::DecodeUtf8(p + b, &cp);
    return std::make_pair(cp, b);
  };
  auto at = [&](size_t k) {
    char32_t cp;
    const int len = unicode::DecodeUtf8(p + k, &cp);
    return std::make_pair(cp, static_cast<size_t>(len));
  };
  size_t start_offset = 0;  // end of the previous match
  size_t i = 0;
  while (i < n) {
    if (!m.first_byte[p[i]]) {
      ++i;
      continue;
    }
    size_t which = m.tokens.size();
    for (size_t t = 0; t < m.tokens.size(); ++t) {
      const std::string& pat = m.patterns[t];
      if (pat.size() <= n - i && text.compare(i, pat.size(), pat) == 0) {
        which = t;
        break;
      }
    }
    if (which == m.tokens.size()) {
      ++i;
      continue;
    }
    const AddedToken& tok = *m.tokens[which];
    size_t start = i;
    size_t stop = i + m.patterns[which].size();
    i = stop;  // the next match starts after this one, even when this one is discarded
    if (tok.single_word) {
      // Not a match when a regex \w character touches it on either side.
      if ((start > 0 && (Flags(before(start).first) & unicode::kWordChar)) ||
          (stop < n && (Flags(at(stop).first) & unicode::kWordChar))) {
        continue;
      }
    }
    if (tok.lstrip) {
      while (start > start_offset) {
        const auto [cp, b] = before(start);
        if (!(Flags(cp) & unicode::kWhitespace)) break;
        start = b;
      }
    }
    if (tok.rstrip) {
      while (stop < n) {
        const auto [cp, len] = at(stop);
        if (!(Flags(cp) & unicode::kWhitespace)) break;
        stop += len;
      }
      i = stop;
    }
    out.push_back({start, stop, &tok});
    start_offset = stop;
  }
}

void Tokenizer::EncodePiece(absl::string_view text, size_t begin, size_t end, bool want_tokens,
                            SequenceTokens& out, Scratch& s) const {
  s.norm.clear();
  Normalize(text, begin, end, s.norm);
  if (normalized_added_.empty()) {
    PreTokenize(s.norm.data(), s.norm.size(), want_tokens, out, s);
    return;
  }
  // Added tokens with normalized=true are matched in the normalized piece.
  s.norm_utf8.clear();
  s.norm_pos.clear();
  char buf[4];
  for (const NChar& c : s.norm) {
    s.norm_pos.push_back(static_cast<uint32_t>(s.norm_utf8.size()));
    s.norm_utf8.append(buf, static_cast<size_t>(unicode::EncodeUtf8(c.cp, buf)));
  }
  s.norm_pos.push_back(static_cast<uint32_t>(s.norm_utf8.size()));
  FindMatches(s.norm_utf8, normalized_added_, s.norm_matches);
  auto char_at = [&](size_t byte) {
    return static_cast<size_t>(std::lower_bound(s.norm_pos.begin(), s.norm_pos.end(), byte) -
                               s.norm_pos.begin());
  };
  size_t done = 0;  // normalized characters consumed
  for (const Match& m : s.norm_matches) {
    const size_t c0 = char_at(m.start), c1 = char_at(m.stop);
    PreTokenize(s.norm.data() + done, c0 - done, want_tokens, out, s);
    out.ids.push_back(m.token->id);
    out.starts.push_back(s.norm[c0].start);
    out.ends.push_back(s.norm[c1 - 1].end);
    // As Hugging Face: an added token's string is the text it matched (normalized here).
    if (want_tokens) out.tokens.push_back(s.norm_utf8.substr(m.start, m.stop - m.start));
    done = c1;
  }
  PreTokenize(s.norm.data() + done, s.norm.size() - done, want_tokens, out, s);
}

void Tokenizer::EncodeSequence(absl::string_view text, bool want_tokens, SequenceTokens& out,
                               Scratch& s) const {
  if (raw_added_.empty()) {
    EncodePiece(text, 0, text.size(), want_tokens, out, s);
    return;
  }
  FindMatches(text, raw_added_, s.raw_matches);
  size_t done = 0;
  for (const Match& m : s.raw_matches) {
    if (done < m.start) EncodePiece(text, done, m.start, want_tokens, out, s);
    out.ids.push_back(m.token->id);
    out.starts.push_back(static_cast<uint32_t>(m.start));
    out.ends.push_back(static_cast<uint32_t>(m.stop));
    if (want_tokens) out.tokens.emplace_back(text.substr(m.start, m.stop - m.start));
    done = m.stop;
  }
  if (done < text.size()) EncodePiece(text, done, text.size(), want_tokens, out, s);
}

absl::StatusOr<Encoding> Tokenizer::Encode(absl::string_view text, const absl::string_view* pair,
                                           const TokenizeOptions& options) const {
  if (absl::Status st = unicode::ValidateUtf8(text); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("text: ", st.message()));
  }
  if (pair != nullptr) {
    if (absl::Status st = unicode::ValidateUtf8(*pair); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("text_pair: ", st.message()));
    }
  }
  if (text.size() > UINT32_MAX || (pair != nullptr && pair->size() > UINT32_MAX)) {
    return absl::InvalidArgumentError("text longer than 4 GiB");
  }
  if (options.max_length < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_length must be >= 0; was ", options.max_length));
  }
  // Per-thread buffers: Encode is called concurrently, and reusing their capacity saves an
  // allocation per word.
  thread_local Scratch scratch;
  SequenceTokens seq[2];
  EncodeSequence(text, options.return_tokens, seq[0], scratch);
  if (pair != nullptr) EncodeSequence(*pair, options.return_tokens, seq[1], scratch);
  // A huge input must not pin its buffers to the thread for good.
  if (scratch.norm.capacity() > (size_t{1} << 16) || scratch.norm_utf8.capacity() > (1u << 18)) {
    scratch = Scratch();
  }

  const std::vector<TemplatePiece>& tmpl = pair != nullptr ? pair_template_ : single_template_;
  const size_t specials =
      options.add_special_tokens ? static_cast<size_t>(num_special_tokens(pair != nullptr)) : 0;
  const size_t total = seq[0].size() + seq[1].size() + specials;
  Encoding out;
  if (options.max_length > 0 && total > static_cast<size_t>(options.max_length)) {
    const auto max_length = static_cast<size_t>(options.max_length);
    if (!options.truncate) {
      return absl::InvalidArgumentError(
          absl::StrCat("has ", total, " tokens; the maximum is ", max_length));
    }
    if (max_length < specials) {
      return absl::InvalidArgumentError(absl::StrCat("cannot truncate to ", max_length,
                                                     " tokens: the template alone adds ", specials,
                                                     " special tokens"));
    }
    const size_t budget = max_length - specials;
    if (pair == nullptr) {
      seq[0].Truncate(budget, options.direction);
    } else {
      // Hugging Face's LongestFirst: the shorter input keeps its length when it can, the longer
      // one gets the rest; when both must be cut, the first gets budget/2 (the longer one the
      // extra token of an odd budget).
      size_t n1 = seq[0].size(), n2 = seq[1].size();
      const bool swap = n1 > n2;
      if (swap) std::swap(n1, n2);
      n2 = n1 > budget ? n1 : std::max(n1, budget - n1);
      if (n1 + n2 > budget) {
        n1 = budget / 2;
        n2 = n1 + budget % 2;
      }
      if (swap) std::swap(n1, n2);
      seq[0].Truncate(n1, options.direction);
      seq[1].Truncate(n2, options.direction);
    }
    out.truncated = true;
  }

  const size_t final_size = seq[0].size() + seq[1].size() + specials;
  out.ids.reserve(final_size);
  out.type_ids.reserve(final_size);
  out.offsets_start.reserve(final_size);
  out.offsets_end.reserve(final_size);
  if (options.return_tokens) out.tokens.reserve(final_size);
  for (const TemplatePiece& piece : tmpl) {
    if (piece.is_sequence) {
      SequenceTokens& s = seq[piece.sequence];
      out.ids.insert(out.ids.end(), s.ids.begin(), s.ids.end());
      out.type_ids.insert(out.type_ids.end(), s.size(), piece.type_id);
      out.offsets_start.insert(out.offsets_start.end(), s.starts.begin(), s.starts.end());
      out.offsets_end.insert(out.offsets_end.end(), s.ends.begin(), s.ends.end());
      if (options.return_tokens) {
        for (std::string& t : s.tokens) out.tokens.push_back(std::move(t));
      }
    } else if (options.add_special_tokens) {
      out.ids.insert(out.ids.end(), piece.special_ids.begin(), piece.special_ids.end());
      out.type_ids.insert(out.type_ids.end(), piece.special_ids.size(), piece.type_id);
      out.offsets_start.insert(out.offsets_start.end(), piece.special_ids.size(), 0);
      out.offsets_end.insert(out.offsets_end.end(), piece.special_ids.size(), 0);
      if (options.return_tokens) {
        out.tokens.insert(out.tokens.end(), piece.special_tokens.begin(),
                          piece.special_tokens.end());
      }
    }
  }
  return out;
}

}  // namespace attnserve::core
