// The encoding pipeline. For each input: added tokens matched in the raw text; between them,
// each piece is normalized once into a per-thread buffer of characters that remember their
// original byte range (NormalizedString), normalized added tokens are matched in it, the
// pre-tokenizer cuts the rest into word spans and the model turns those into ids; a token's
// offsets are (its first character's start, its last character's end), as Hugging Face's
// NormalizedString alignments give. Then truncation and the post-processor.
//
// Speed: stages are called once per piece (normalizer) or per range between added tokens
// (pre-tokenizer, model), never per character, and every buffer is reused across calls.
#include "core/tokenizer/tokenizer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/decoders/decoder.h"
#include "core/tokenizer/models/model.h"
#include "core/tokenizer/normalized_string.h"
#include "core/tokenizer/normalizers/normalizer.h"
#include "core/tokenizer/post_processors/post_processor.h"
#include "core/tokenizer/pre_tokenizers/pre_tokenizer.h"
#include "core/tokenizer/token_sequence.h"
#include "core/tokenizer/unicode.h"

namespace attnserve::core {

// Per-call buffers (reused across the pieces and words of one call, and across calls on one
// thread).
struct Tokenizer::Scratch {
  NormalizedString norm;  // the normalized piece
  NormalizedString pre;   // its words rewritten by the pre-tokenizer (ByteLevel, Metaspace)
  bool piece_at_input_start = false;  // `norm` starts at byte 0 of its input text
  std::vector<CharSpan> words;
  std::vector<ModelToken> model_tokens;
  std::vector<AddedVocabulary::Match> raw_matches;
  std::vector<AddedVocabulary::Match> norm_matches;
};

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

int Tokenizer::vocab_size() const {
  return model_->vocab_size() + static_cast<int>(extra_id_to_token_.size());
}

int32_t Tokenizer::TokenToId(absl::string_view token) const {
  for (const AddedToken& t : added_.tokens()) {
    if (t.content == token) return t.id;
  }
  return model_->TokenToId(token);
}

absl::string_view Tokenizer::IdToToken(int32_t id) const {
  if (id < 0) return {};
  const int model_size = model_->vocab_size();
  if (id < model_size) {
    const absl::string_view token = model_->IdToToken(id);
    if (token.empty()) {
      for (const auto& [over, content] : added_over_empty_) {
        if (over == id) return content;
      }
    }
    return token;
  }
  const auto extra = static_cast<size_t>(id - model_size);
  return extra < extra_id_to_token_.size() ? absl::string_view(extra_id_to_token_[extra])
                                           : absl::string_view();
}

int Tokenizer::num_special_tokens(bool pair) const {
  return post_processor_->num_special_tokens(pair);
}

std::string Tokenizer::Describe() const {
  return absl::StrCat(source_, ": ", model_->Describe(), ", ", vocab_size(), " ids, ",
                      normalizer_ != nullptr ? normalizer_->Describe() : "no normalizer", ", ",
                      added_.tokens().size(), " added tokens, ", num_special_tokens(false), "/",
                      num_special_tokens(true), " special tokens for single/pair, Unicode ",
                      unicode::UnicodeVersion());
}

absl::StatusOr<std::string> Tokenizer::Decode(absl::Span<const int32_t> ids,
                                              bool skip_special_tokens) const {
  if (decoder_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(source_, ": no decoder (tokenizer.json has none of a supported type)"));
  }
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    const absl::string_view token = IdToToken(id);
    if (token.empty()) continue;  // Hugging Face skips the ids it cannot name
    if (skip_special_tokens) {
      const auto& added = added_.tokens();
      if (std::any_of(added.begin(), added.end(),
                      [&](const AddedToken& a) { return a.special && a.id == id; })) {
        continue;
      }
    }
    tokens.emplace_back(token);
  }
  return decoder_->Decode(std::move(tokens));
}

void Tokenizer::EncodeRange(uint32_t begin, uint32_t end, bool want_tokens, TokenSequence& out,
                            Scratch& s) const {
  if (begin >= end) return;
  s.words.clear();
  const NormalizedString* words_of = &s.norm;
  if (pre_tokenizer_->rewrites()) {
    // The model sees the rewritten characters, which keep the original byte ranges.
    s.pre.chars.clear();
    pre_tokenizer_->PreTokenizeInto(s.norm, begin, end, s.piece_at_input_start && begin == 0,
                                    s.pre, s.words);
    s.pre.SyncUtf8();
    words_of = &s.pre;
  } else {
    pre_tokenizer_->PreTokenize(s.norm, begin, end, s.words);
  }
  s.model_tokens.clear();
  model_->Tokenize(*words_of, s.words, s.model_tokens);
  const NormalizedChar* const chars = words_of->chars.data();
  for (const ModelToken& t : s.model_tokens) {
    out.Append(t.id, chars[t.char_begin].start, chars[t.char_end - 1].end);
    if (want_tokens) out.tokens.emplace_back(IdToToken(t.id));
  }
}

void Tokenizer::EncodePiece(absl::string_view text, size_t begin, size_t end, bool want_tokens,
                            TokenSequence& out, Scratch& s) const {
  NormalizedString& norm = s.norm;
  norm.chars.clear();
  s.piece_at_input_start = begin == 0;
  if (normalizer_ != nullptr) {
    normalizer_->NormalizeText(text, begin, end, norm.chars);
  } else {
    AppendOriginalChars(text, begin, end, norm.chars);
  }
  norm.SyncUtf8();
  const auto n = static_cast<uint32_t>(norm.chars.size());
  if (!added_.has_normalized()) {
    EncodeRange(0, n, want_tokens, out, s);
    return;
  }
  // Added tokens with normalized=true are matched in the normalized piece.
  added_.FindNormalizedMatches(norm.utf8, s.norm_matches);
  auto char_at = [&](size_t byte) {
    return static_cast<uint32_t>(
        std::lower_bound(norm.char_pos.begin(), norm.char_pos.end(), byte) -
        norm.char_pos.begin());
  };
  uint32_t done = 0;  // normalized characters consumed
  for (const AddedVocabulary::Match& m : s.norm_matches) {
    const uint32_t c0 = char_at(m.start), c1 = char_at(m.stop);
    EncodeRange(done, c0, want_tokens, out, s);
    out.Append(m.token->id, norm.chars[c0].start, norm.chars[c1 - 1].end);
    // As Hugging Face: an added token's string is the text it matched (normalized here).
    if (want_tokens) out.tokens.push_back(norm.utf8.substr(m.start, m.stop - m.start));
    done = c1;
  }
  EncodeRange(done, n, want_tokens, out, s);
}

void Tokenizer::EncodeSequence(absl::string_view text, bool want_tokens, TokenSequence& out,
                               Scratch& s) const {
  if (!added_.has_raw()) {
    EncodePiece(text, 0, text.size(), want_tokens, out, s);
    return;
  }
  added_.FindRawMatches(text, s.raw_matches);
  size_t done = 0;
  for (const AddedVocabulary::Match& m : s.raw_matches) {
    if (done < m.start) EncodePiece(text, done, m.start, want_tokens, out, s);
    out.Append(m.token->id, static_cast<uint32_t>(m.start), static_cast<uint32_t>(m.stop));
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
  TokenSequence seq[2];
  const bool want_tokens = options.return_tokens || post_processor_->needs_tokens();
  EncodeSequence(text, want_tokens, seq[0], scratch);
  if (pair != nullptr) EncodeSequence(*pair, want_tokens, seq[1], scratch);
  if (model_->may_fail_to_encode()) {
    for (int i = 0; i < (pair != nullptr ? 2 : 1); ++i) {
      const TokenSequence& q = seq[i];
      const auto it = std::find(q.ids.begin(), q.ids.end(), kUnencodableToken);
      if (it == q.ids.end()) continue;
      const size_t at = static_cast<size_t>(it - q.ids.begin());
      const absl::string_view in = i == 0 ? text : *pair;
      return absl::InvalidArgumentError(absl::StrCat(
          i == 0 ? "text" : "text_pair", ": the character at byte ", q.starts[at], " ('",
          in.substr(q.starts[at], q.ends[at] - q.starts[at]),
          "') has no piece in the tokenizer's Unigram vocabulary, which has no unk_id (Hugging "
          "Face tokenizers fails the same way)"));
    }
  }
  // A huge input must not pin its buffers to the thread for good.
  if (scratch.norm.chars.capacity() > (size_t{1} << 16) ||
      scratch.norm.utf8.capacity() > (1u << 18) || scratch.pre.chars.capacity() > (1u << 18)) {
    scratch = Scratch();
  }

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
    if (absl::Status s = Truncate(seq[0], pair != nullptr ? &seq[1] : nullptr,
                                  max_length - specials, truncation_strategy_, options.direction);
        !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("has ", total, " tokens; the maximum is ", max_length, ", ", s.message()));
    }
    out.truncated = true;
  }

  const size_t final_size = seq[0].size() + seq[1].size() + specials;
  out.ids.reserve(final_size);
  out.type_ids.reserve(final_size);
  out.offsets_start.reserve(final_size);
  out.offsets_end.reserve(final_size);
  if (options.return_tokens) out.tokens.reserve(final_size);
  post_processor_->Process(seq[0], pair != nullptr ? &seq[1] : nullptr,
                           options.add_special_tokens, options.return_tokens, out);
  return out;
}

}  // namespace attnserve::core
