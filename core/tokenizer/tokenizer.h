// Tokenizer: Hugging Face-exact BERT WordPiece tokenization (BertNormalizer, BertPreTokenizer,
// WordPiece, added tokens, TemplateProcessing, truncation), loaded from a model directory's
// tokenizer.json or vocab.txt + tokenizer_config.json.
//
// "Exact" means: the ids, type ids and byte offsets of Hugging Face's Rust `tokenizers` (what
// `transformers.AutoTokenizer` uses) on the same file. What is not supported (other models,
// normalizers, pre-tokenizers, post-processors) is a load
// error naming the file and the feature, never a silent approximation. See
// tests/testdata/tokenizer/README.md for the fixtures that check this.
#ifndef ATTNSERVE_CORE_TOKENIZER_TOKENIZER_H_
#define ATTNSERVE_CORE_TOKENIZER_TOKENIZER_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

#include "core/tokenizer/wordpiece.h"

namespace attnserve::core {

enum class TruncationDirection { kRight, kLeft };

// Per-call options of Tokenizer::Encode.
struct TokenizeOptions {
  // Add the template's special tokens ([CLS] ... [SEP], [CLS] A [SEP] B [SEP]).
  bool add_special_tokens = true;
  // Longest result in tokens, special tokens included; 0 = no limit.
  int max_length = 0;
  // false: a result longer than max_length is InvalidArgument "has N tokens; the maximum is M".
  // true: cut to max_length (pairs: longest first, as Hugging Face) and set Encoding::truncated.
  bool truncate = false;
  TruncationDirection direction = TruncationDirection::kRight;
  // Fill Encoding::tokens (costs one string per token).
  bool return_tokens = false;
};

// The result of one Encode call: parallel arrays, one entry per token.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  // Only with TokenizeOptions::return_tokens: vocabulary entries, except that an added token
  // found in the text is the text it matched (with what lstrip / rstrip took; normalized for
  // normalized=true), as Hugging Face's Encoding::get_tokens.
  std::vector<std::string> tokens;
  // Byte offsets [start, end) into the original UTF-8 of the text the token came from (text or
  // text_pair; type_ids tell which for BERT templates); (0, 0) for template special tokens.
  std::vector<uint32_t> offsets_start;
  std::vector<uint32_t> offsets_end;
  bool truncated = false;
};

// A token matched in the raw text before normalization (tokenizer.json "added_tokens").
struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool single_word = false;  // match only when not inside a word
  bool lstrip = false;       // the match swallows the whitespace on its left
  bool rstrip = false;       // ... and on its right
  bool normalized = false;   // match in the normalized text (its content normalized too)
  bool special = true;
};

// Options of the vocab.txt path (the slow BertTokenizer's arguments / tokenizer_config.json).
struct BertTokenizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;    // tokenize_chinese_chars
  absl::optional<bool> strip_accents;  // nullopt: follows lowercase
  bool lowercase = true;               // do_lower_case
  std::string unk_token = "[UNK]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string cls_token = "[CLS]";
  std::string mask_token = "[MASK]";
  std::string continuing_subword_prefix = "##";
  int max_input_chars_per_word = 100;
  int model_max_length = 0;  // 0 = unknown
  // Extra added tokens (tokenizer_config.json "added_tokens_decoder"), on top of the five above.
  std::vector<AddedToken> extra_added_tokens;
};

// Immutable after creation; all const methods are thread-safe (called concurrently from many
// gRPC threads). Owns its vocabulary.
class Tokenizer {
 public:
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // tokenizer.json when present (with tokenizer_config.json when present), else vocab.txt (+
  // tokenizer_config.json). NotFound when neither file exists.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromModelDir(const std::filesystem::path& dir);

  // `json`: tokenizer.json text; `source_name` names it in errors. `config_json`: the text of
  // tokenizer_config.json or nullptr; it supplies model_max_length, and any of do_lower_case /
  // strip_accents / tokenize_chinese_chars it sets must agree with the tokenizer.json normalizer.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromTokenizerJson(
      absl::string_view json, absl::string_view source_name,
      const absl::string_view* config_json = nullptr);

  // `vocab`: index = id (vocab.txt lines). As Hugging Face's BertTokenizerFast built from it.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> FromVocab(std::vector<std::string> vocab,
                                                              const BertTokenizerOptions& options);

  // vocab.txt text -> tokens, one per line ("\n" or "\r\n"), as transformers' load_vocab.
  static std::vector<std::string> ParseVocabTxt(absl::string_view text);
  // tokenizer_config.json text -> options (do_lower_case, strip_accents, tokenize_chinese_chars,
  // special tokens, model_max_length, added_tokens_decoder); errors name `source_name`.
  static absl::StatusOr<BertTokenizerOptions> ParseTokenizerConfig(absl::string_view json,
                                                                   absl::string_view source_name);

  // Tokenizes `text` (and `*pair` when pair != nullptr). InvalidArgument for invalid UTF-8
  // ("text: invalid UTF-8 at byte 7: ...", "text_pair: ..."), and for a result longer than
  // options.max_length without options.truncate. Never blocks.
  absl::StatusOr<Encoding> Encode(absl::string_view text, const absl::string_view* pair,
                                  const TokenizeOptions& options) const;

  // Number of ids: the model vocabulary plus added tokens outside it.
  int vocab_size() const { return static_cast<int>(id_to_token_.size()); }
  // -1 when absent.
  int32_t TokenToId(absl::string_view token) const;
  // "" when out of range.
  absl::string_view IdToToken(int32_t id) const;
  // tokenizer_config.json's model_max_length, 0 when unknown.
  int model_max_length() const { return model_max_length_; }
  // Number of special tokens the template adds to a single input / a pair.
  int num_special_tokens(bool pair) const;
  // One line describing the pipeline, e.g. for logs.
  std::string Describe() const;

  // The normalizer settings (BertNormalizer); public for tests and the description.
  struct NormalizerOptions {
    bool enabled = true;  // false: tokenizer.json "normalizer": null
    bool clean_text = true;
    bool handle_chinese_chars = true;
    bool strip_accents = true;  // already resolved (null follows lowercase)
    bool lowercase = true;
  };
  // One element of a TemplateProcessing template.
  struct TemplatePiece {
    bool is_sequence = false;  // true: $A (sequence 0) or $B (sequence 1)
    int sequence = 0;
    std::vector<int32_t> special_ids;  // !is_sequence
    std::vector<std::string> special_tokens;
    int32_t type_id = 0;
  };

 private:
  struct SequenceTokens;
  struct Scratch;
  // A normalized character and the byte range [start, end) of the original one it came from.
  struct NChar {
    char32_t cp;
    uint32_t start;
    uint32_t end;
  };
  // The added tokens matched on one kind of text (the raw text, or normalized pieces).
  struct AddedMatcher {
    std::vector<const AddedToken*> tokens;  // longest pattern first
    std::vector<std::string> patterns;      // what is matched, parallel to tokens
    bool first_byte[256] = {};
    bool empty() const { return tokens.empty(); }
  };
  struct Match {
    size_t start;  // bytes, including what lstrip / rstrip took
    size_t stop;
    const AddedToken* token;
  };

  Tokenizer() = default;
  absl::Status Finish(absl::string_view source_name);
  // Hugging Face's AddedVocabulary::find_matches on `s`: leftmost-longest, then single_word,
  // lstrip, rstrip.
  static void FindMatches(absl::string_view s, const AddedMatcher& m, std::vector<Match>& out);
  // BertNormalizer over text[begin, end): appends the normalized characters.
  void Normalize(absl::string_view text, size_t begin, size_t end, std::vector<NChar>& out) const;
  void EncodeSequence(absl::string_view text, bool want_tokens, SequenceTokens& out,
                      Scratch& scratch) const;
  void EncodePiece(absl::string_view text, size_t begin, size_t end, bool want_tokens,
                   SequenceTokens& out, Scratch& scratch) const;
  // BertPreTokenizer + WordPiece over normalized characters.
  void PreTokenize(const NChar* chars, size_t n, bool want_tokens, SequenceTokens& out,
                   Scratch& scratch) const;
  void EmitWord(Scratch& scratch, bool want_tokens, SequenceTokens& out) const;

  NormalizerOptions normalizer_;
  WordPieceVocab model_;
  std::vector<AddedToken> added_tokens_;
  AddedMatcher raw_added_;         // normalized=false: matched in the raw text
  AddedMatcher normalized_added_;  // normalized=true: matched in normalized pieces
  std::vector<TemplatePiece> single_template_;
  std::vector<TemplatePiece> pair_template_;
  std::vector<std::string> id_to_token_;
  int model_max_length_ = 0;
  std::string source_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_TOKENIZER_H_
