// Sequence: Hugging Face's post_processor Sequence, for what real files hold: ByteLevel
// elements (offset trimming only) and at most one processor that adds special tokens
// (TemplateProcessing, BertProcessing, RobertaProcessing). Trimming leaves (0, 0) offsets as they
// are, so it commutes with adding special tokens, except for the "first token" rule; a trimming
// ByteLevel after the special-token processor is therefore a load error.
#ifndef ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_SEQUENCE_PROCESSOR_H_
#define ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_SEQUENCE_PROCESSOR_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/post_processors/byte_level_processor.h"
#include "core/tokenizer/post_processors/post_processor.h"

namespace attnserve::core {

// Immutable, thread-safe; owns its elements.
class SequenceProcessor final : public PostProcessor {
 public:
  // {"type": "Sequence", "processors": [...]}.
  static absl::StatusOr<std::unique_ptr<PostProcessor>> FromJson(const nlohmann::json& config,
                                                                 absl::string_view source);

  int num_special_tokens(bool pair) const override { return main_->num_special_tokens(pair); }
  void Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens, bool return_tokens,
               Encoding& out) const override;
  absl::Status CheckIds(int vocab_size) const override { return main_->CheckIds(vocab_size); }
  bool needs_tokens() const override;
  std::string Describe() const override;

 private:
  SequenceProcessor() = default;
  std::vector<std::unique_ptr<ByteLevelProcessor>> trimmers_;
  std::unique_ptr<PostProcessor> main_;  // the identity when none
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_SEQUENCE_PROCESSOR_H_
