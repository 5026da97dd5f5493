#include "core/tokenizer/post_processors/bert_processing.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

BertProcessing::BertProcessing(const std::string& cls, int32_t cls_id, const std::string& sep,
                               int32_t sep_id)
    : TemplateProcessing(BertTemplate(/*pair=*/false, cls, cls_id, sep, sep_id),
                         BertTemplate(/*pair=*/true, cls, cls_id, sep, sep_id)),
      cls_(cls),
      sep_(sep) {}

absl::StatusOr<std::unique_ptr<PostProcessor>> BertProcessing::FromJson(
    const nlohmann::json& post, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(post, {"type", "sep", "cls"}, source, "post_processor"));
  auto token = [&](const char* key) -> absl::StatusOr<std::pair<std::string, int32_t>> {
    const auto it = post.find(key);
    if (it == post.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string() ||
        !(*it)[1].is_number_integer()) {
      return tokenizer_json::Err(source,
                                 absl::StrCat("post_processor.", key, " must be [token, id]"));
    }
    return std::make_pair((*it)[0].get<std::string>(), (*it)[1].get<int32_t>());
  };
  ATTN_ASSIGN_OR_RETURN(auto sep, token("sep"));
  ATTN_ASSIGN_OR_RETURN(auto cls, token("cls"));
  return std::make_unique<BertProcessing>(cls.first, cls.second, sep.first, sep.second);
}

std::string BertProcessing::Describe() const {
  return absl::StrCat("BertProcessing (cls '", cls_, "', sep '", sep_, "')");
}

}  // namespace attnserve::core
