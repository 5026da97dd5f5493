// BertProcessing: Hugging Face's BertProcessing post-processor ("sep": [token, id], "cls":
// [token, id]): [CLS] $A [SEP], and [CLS] $A [SEP] $B [SEP] with type id 1 for $B [SEP].
#ifndef ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_BERT_PROCESSING_H_
#define ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_BERT_PROCESSING_H_

#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/post_processors/template_processing.h"

namespace attnserve::core {

// The fixed BERT template. Immutable, thread-safe; owns its two special tokens.
class BertProcessing final : public TemplateProcessing {
 public:
  BertProcessing(const std::string& cls, int32_t cls_id, const std::string& sep, int32_t sep_id);

  // tokenizer.json's {"type": "BertProcessing", "sep": [token, id], "cls": [token, id]}.
  static absl::StatusOr<std::unique_ptr<PostProcessor>> FromJson(const nlohmann::json& config,
                                                                 absl::string_view source);
  std::string Describe() const override;

 private:
  std::string cls_;
  std::string sep_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_BERT_PROCESSING_H_
