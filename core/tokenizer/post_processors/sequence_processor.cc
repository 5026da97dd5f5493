#include "core/tokenizer/post_processors/sequence_processor.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/post_processors/template_processing.h"
#include "core/tokenizer/stage_registry.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

absl::StatusOr<std::unique_ptr<PostProcessor>> SequenceProcessor::FromJson(
    const nlohmann::json& config, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(config, {"type", "processors"}, source, "post_processor"));
  const auto list = config.find("processors");
  if (list == config.end() || !list->is_array()) {
    return Err(source, "post_processor(Sequence).processors must be an array");
  }
  std::unique_ptr<SequenceProcessor> p(new SequenceProcessor());
  for (size_t i = 0; i < list->size(); ++i) {
    const nlohmann::json& e = (*list)[i];
    const std::string where = absl::StrCat("post_processor(Sequence).processors[", i, "]");
    if (!e.is_object()) return Err(source, absl::StrCat(where, " is not an object"));
    const std::string type = tokenizer_json::TypeOf(e);
    if (type == "Sequence") return Err(source, absl::StrCat(where, ": a nested Sequence is not supported"));
    ATTN_ASSIGN_OR_RETURN(std::unique_ptr<PostProcessor> element,
                          PostProcessorRegistry().Create(type, e, source, type.empty() ? e.dump() : ""));
    if (type == "ByteLevel") {
      auto* bl = static_cast<ByteLevelProcessor*>(element.release());
      std::unique_ptr<ByteLevelProcessor> owned(bl);
      if (p->main_ != nullptr && owned->trim_offsets()) {
        return Err(source, absl::StrCat(where, ": a ByteLevel with trim_offsets after ",
                                        p->main_->Describe(), " is not supported"));
      }
      p->trimmers_.push_back(std::move(owned));
      continue;
    }
    if (p->main_ != nullptr) {
      return Err(source, absl::StrCat(where, ": a second processor that adds special tokens (",
                                      type, ") is not supported"));
    }
    p->main_ = std::move(element);
  }
  if (p->main_ == nullptr) p->main_ = TemplateProcessing::Identity();
  return std::unique_ptr<PostProcessor>(std::move(p));
}

void SequenceProcessor::Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens,
                                bool return_tokens, Encoding& out) const {
  for (const auto& t : trimmers_) t->TrimOffsets(a, b);
  main_->Process(a, b, add_special_tokens, return_tokens, out);
}

bool SequenceProcessor::needs_tokens() const {
  for (const auto& t : trimmers_) {
    if (t->needs_tokens()) return true;
  }
  return main_->needs_tokens();
}

std::string SequenceProcessor::Describe() const {
  std::string s = "Sequence[";
  for (const auto& t : trimmers_) absl::StrAppend(&s, t->Describe(), ", ");
  absl::StrAppend(&s, main_->Describe(), "]");
  return s;
}

}  // namespace attnserve::core
