// RobertaProcessing: Hugging Face's RobertaProcessing post-processor: <s> A </s> and
// <s> A </s> </s> B </s>, every type id 0 (with or without special tokens), and ByteLevel's
// offset trimming (trim_offsets, add_prefix_space) first.
#ifndef ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_ROBERTA_PROCESSING_H_
#define ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_ROBERTA_PROCESSING_H_

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/post_processors/template_processing.h"

namespace attnserve::core {

// Immutable, thread-safe.
class RobertaProcessing final : public TemplateProcessing {
 public:
  RobertaProcessing(const std::string& cls, int32_t cls_id, const std::string& sep,
                    int32_t sep_id, bool trim_offsets, bool add_prefix_space);
  // {"type": "RobertaProcessing", "sep": [token, id], "cls": [token, id], "trim_offsets",
  // "add_prefix_space"}.
  static absl::StatusOr<std::unique_ptr<PostProcessor>> FromJson(const nlohmann::json& config,
                                                                 absl::string_view source);

  void Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens, bool return_tokens,
               Encoding& out) const override;
  bool needs_tokens() const override { return trim_offsets_; }
  std::string Describe() const override;

 private:
  std::string cls_;
  std::string sep_;
  bool trim_offsets_;
  bool add_prefix_space_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_ROBERTA_PROCESSING_H_
