// ByteLevel as a decoder (Hugging Face's ByteLevel::decode_chain): every token's characters
// back to the bytes they stand for (a token with a character outside the alphabet, e.g. an
// added token, stays as its own UTF-8), all tokens joined, then read as UTF-8 with each invalid
// sequence replaced by U+FFFD (Rust's String::from_utf8_lossy).
#ifndef ATTNSERVE_CORE_TOKENIZER_DECODERS_BYTE_LEVEL_DECODER_H_
#define ATTNSERVE_CORE_TOKENIZER_DECODERS_BYTE_LEVEL_DECODER_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/decoders/decoder.h"

namespace attnserve::core {

// Rust's String::from_utf8_lossy: each maximal invalid subsequence becomes U+FFFD.
std::string Utf8Lossy(absl::string_view bytes);

// Stateless; thread-safe.
class ByteLevelDecoder final : public Decoder {
 public:
  // {"type": "ByteLevel", "add_prefix_space", "trim_offsets", "use_regex"} (options unused).
  static absl::StatusOr<std::unique_ptr<Decoder>> FromJson(const nlohmann::json& config,
                                                           absl::string_view source);
  // Leaves one string: the decoded text.
  void DecodeChain(std::vector<std::string>& tokens) const override;
  std::string Describe() const override { return "ByteLevel"; }
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_DECODERS_BYTE_LEVEL_DECODER_H_
