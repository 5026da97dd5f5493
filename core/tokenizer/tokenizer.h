// Tokenizer: Hugging Face-exact tokenization as a pipeline of stages, each chosen by its
// tokenizer.json "type" as in Hugging Face's `tokenizers`: Normalizer (BertNormalizer),
// PreTokenizer (BertPreTokenizer), TokenizerModel (WordPiece), PostProcessor (TemplateProcessing,
// BertProcessing) and Decoder (WordPiece), with added tokens, truncation and byte offsets shared
// by all. Loaded from a model directory's tokenizer.json or vocab.txt + tokenizer_config.json.
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
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"

#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/encoding.h"

namespace attnserve::core {

class Normalizer;
class PreTokenizer;
class TokenizerModel;
class PostProcessor;
class Decoder;
struct TokenSequence;

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
// gRPC threads). Owns its stages (and through the model, its vocabulary) and its added tokens.
class Tokenizer {
 public:
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  ~Tokenizer();

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
  int vocab_size() const;
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

  // The text of `ids` as the tokenizer.json decoder gives it (Hugging Face's
  // Tokenizer::decode): ids outside the vocabulary are skipped, so are special added tokens
  // when skip_special_tokens. FailedPrecondition when the tokenizer has no decoder we support
  // (tokenizer.json without one, or of another type). Never blocks.
  absl::StatusOr<std::string> Decode(absl::Span<const int32_t> ids,
                                     bool skip_special_tokens = true) const;

  // The stages, for tests and descriptions. normalizer() is nullptr for tokenizer.json's
  // "normalizer": null, decoder() when there is none we support; the others are never null.
  const Normalizer* normalizer() const { return normalizer_.get(); }
  const PreTokenizer& pre_tokenizer() const { return *pre_tokenizer_; }
  const TokenizerModel& model() const { return *model_; }
  const PostProcessor& post_processor() const { return *post_processor_; }
  const Decoder* decoder() const { return decoder_.get(); }

 private:
  struct Scratch;

  Tokenizer();
  // Validates the stages and ids, builds the added-token matchers from `added`.
  absl::Status Finish(std::vector<AddedToken> added, absl::string_view source_name);
  void EncodeSequence(absl::string_view text, bool want_tokens, TokenSequence& out,
                      Scratch& scratch) const;
  // Normalizes text[begin, end) (between raw added tokens) and encodes it.
  void EncodePiece(absl::string_view text, size_t begin, size_t end, bool want_tokens,
                   TokenSequence& out, Scratch& scratch) const;
  // Pre-tokenizes characters [begin, end) of scratch's normalized piece and runs the model.
  void EncodeRange(uint32_t begin, uint32_t end, bool want_tokens, TokenSequence& out,
                   Scratch& scratch) const;

  std::unique_ptr<Normalizer> normalizer_;  // nullptr: none
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<TokenizerModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;  // nullptr: none (Decode fails)
  AddedVocabulary added_;
  // Tokens of the ids past the model's vocabulary (added tokens; "" for unused ids between).
  std::vector<std::string> extra_id_to_token_;
  // Added tokens whose id is an empty token of the model's vocabulary (an empty vocab.txt line):
  // IdToToken gives the added token, as it always did.
  std::vector<std::pair<int32_t, std::string>> added_over_empty_;
  int model_max_length_ = 0;
  // tokenizer.json's truncation.strategy; the requests choose the length and the direction.
  TruncationStrategy truncation_strategy_ = TruncationStrategy::kLongestFirst;
  std::string source_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_TOKENIZER_H_
