// TemplateProcessing: Hugging Face's TemplateProcessing post-processor ("single": [CLS] $A
// [SEP], "pair": [CLS] $A [SEP] $B:1 [SEP]:1, any special tokens and type ids).
#ifndef ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_TEMPLATE_PROCESSING_H_
#define ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_TEMPLATE_PROCESSING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/tokenizer/post_processors/post_processor.h"

namespace attnserve::core {

// Immutable, thread-safe; owns its templates.
class TemplateProcessing : public PostProcessor {
 public:
  // One element of a template.
  struct Piece {
    bool is_sequence = false;  // true: $A (sequence 0) or $B (sequence 1)
    int sequence = 0;
    std::vector<int32_t> special_ids;  // !is_sequence
    std::vector<std::string> special_tokens;
    int32_t type_id = 0;
  };

  // `single` holds $A once and no $B; `pair` $A and $B once each (FromJson checks it).
  TemplateProcessing(std::vector<Piece> single, std::vector<Piece> pair);

  // tokenizer.json's {"type": "TemplateProcessing", "single", "pair", "special_tokens"}.
  static absl::StatusOr<std::unique_ptr<PostProcessor>> FromJson(const nlohmann::json& config,
                                                                 absl::string_view source);
  // What Hugging Face does without a post-processor: the sequences as they are, type id 0 for
  // the first and 1 for the second; no special tokens.
  static std::unique_ptr<PostProcessor> Identity();
  // [CLS] $A [SEP] and [CLS] $A [SEP] $B:1 [SEP]:1 (BertProcessing, BertTokenizerFast).
  static std::vector<Piece> BertTemplate(bool pair, const std::string& cls, int32_t cls_id,
                                         const std::string& sep, int32_t sep_id);

  int num_special_tokens(bool pair) const override;
  void Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens, bool return_tokens,
               Encoding& out) const override;
  absl::Status CheckIds(int vocab_size) const override;
  std::string Describe() const override;

 private:
  std::vector<Piece> single_;
  std::vector<Piece> pair_;
  int num_special_[2];  // single, pair
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_TEMPLATE_PROCESSING_H_
