// ByteLevel as a post-processor (Hugging Face's ByteLevel::process_encodings): no special
// tokens; with trim_offsets, each token's offsets lose the spaces ('Ġ' or White_Space
// characters) its string starts or ends with (process_offsets), except the one space
// add_prefix_space put before the first token.
#ifndef ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_BYTE_LEVEL_PROCESSOR_H_
#define ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_BYTE_LEVEL_PROCESSOR_H_

#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/post_processors/post_processor.h"

namespace attnserve::core {

// The crate's byte_level::process_offsets on one sequence (whose `tokens` are filled).
void TrimByteLevelOffsets(TokenSequence& s, bool add_prefix_space);

// Immutable, thread-safe.
class ByteLevelProcessor final : public PostProcessor {
 public:
  ByteLevelProcessor(bool trim_offsets, bool add_prefix_space);
  // {"type": "ByteLevel", "add_prefix_space", "trim_offsets", "use_regex"}.
  static absl::StatusOr<std::unique_ptr<PostProcessor>> FromJson(const nlohmann::json& config,
                                                                 absl::string_view source);

  int num_special_tokens(bool /*pair*/) const override { return 0; }
  void Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens, bool return_tokens,
               Encoding& out) const override;
  absl::Status CheckIds(int /*vocab_size*/) const override { return absl::OkStatus(); }
  bool needs_tokens() const override { return trim_offsets_; }
  std::string Describe() const override;

  // Trims the offsets of a and b (when not null) if trim_offsets.
  void TrimOffsets(TokenSequence& a, TokenSequence* b) const;
  bool trim_offsets() const { return trim_offsets_; }

 private:
  bool trim_offsets_;
  bool add_prefix_space_;
  std::unique_ptr<PostProcessor> identity_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_BYTE_LEVEL_PROCESSOR_H_
