// The decoders of SentencePiece-style tokenizer.json files (Hugging Face's decoders module):
// ByteFallback, Fuse, Strip, Replace (String pattern), Metaspace, and Sequence.
#ifndef ATTNSERVE_CORE_TOKENIZER_DECODERS_SENTENCEPIECE_DECODERS_H_
#define ATTNSERVE_CORE_TOKENIZER_DECODERS_SENTENCEPIECE_DECODERS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/decoders/decoder.h"
#include "core/tokenizer/pre_tokenizers/metaspace.h"
#include "core/tokenizer/regex.h"

namespace attnserve::core {

// All immutable and thread-safe; each owns only its options (Sequence owns its decoders).

// Runs of "<0xXX>" tokens become the string of their bytes when it is UTF-8, else one U+FFFD per
// byte; other tokens pass through.
class ByteFallbackDecoder final : public Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override { return "ByteFallback"; }
};

// All tokens joined into one.
class FuseDecoder final : public Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override { return "Fuse"; }
};

// Removes up to `start` leading and `stop` trailing `content` characters from each token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override;

 private:
  char32_t content_;
  size_t start_, stop_;
};

// Each match of a pattern ({"String": s} or {"Regex": r}) in each token replaced, left to right,
// not overlapping.
class ReplaceDecoder final : public Decoder {
 public:
  // `pattern` never matches the empty string.
  ReplaceDecoder(std::unique_ptr<Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override;

 private:
  std::unique_ptr<Regex> pattern_;
  std::string content_;
};

// The replacement character back to ' ', except in the first token when something is
// prepended (prepend_scheme other than "never"), where every replacement is dropped.
class MetaspaceDecoder final : public Decoder {
 public:
  explicit MetaspaceDecoder(const MetaspaceOptions& options) : options_(options) {}
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override { return options_.Describe(); }

 private:
  MetaspaceOptions options_;
};

// The decoders of a list, in order.
class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> decoders)
      : decoders_(std::move(decoders)) {}
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override;

 private:
  std::vector<std::unique_ptr<Decoder>> decoders_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_DECODERS_SENTENCEPIECE_DECODERS_H_
