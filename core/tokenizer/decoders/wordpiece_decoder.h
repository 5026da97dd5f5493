// WordPieceDecoder: Hugging Face's WordPiece decoder ({"type": "WordPiece", "prefix": "##",
// "cleanup": true}): a token with the prefix loses it and joins the previous one, any other
// token is preceded by a space; cleanup removes tokenization artifacts (" ." -> ".", " n't" ->
// "n't", ...) token by token, as the Rust crate does.
#ifndef ATTNSERVE_CORE_TOKENIZER_DECODERS_WORDPIECE_DECODER_H_
#define ATTNSERVE_CORE_TOKENIZER_DECODERS_WORDPIECE_DECODER_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/decoders/decoder.h"

namespace attnserve::core {

// Immutable, thread-safe; owns its prefix.
class WordPieceDecoder final : public Decoder {
 public:
  explicit WordPieceDecoder(std::string prefix = "##", bool cleanup = true)
      : prefix_(std::move(prefix)), cleanup_(cleanup) {}

  // tokenizer.json's decoder object; "prefix" (default "##") and "cleanup" (default true).
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);

  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override;

 private:
  std::string prefix_;
  bool cleanup_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_DECODERS_WORDPIECE_DECODER_H_
