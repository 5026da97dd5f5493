#include "core/tokenizer/post_processors/roberta_processing.h"

#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/post_processors/byte_level_processor.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

std::vector<TemplateProcessing::Piece> RobertaTemplate(bool pair, const std::string& cls,
                                                       int32_t cls_id, const std::string& sep,
                                                       int32_t sep_id) {
  using Piece = TemplateProcessing::Piece;
  std::vector<Piece> t;
  t.push_back(Piece{false, 0, {cls_id}, {cls}, 0});
  t.push_back(Piece{true, 0, {}, {}, 0});
  t.push_back(Piece{false, 0, {sep_id}, {sep}, 0});
  if (pair) {
    t.push_back(Piece{false, 0, {sep_id}, {sep}, 0});
    t.push_back(Piece{true, 1, {}, {}, 0});
    t.push_back(Piece{false, 0, {sep_id}, {sep}, 0});
  }
  return t;
}

}  // namespace

RobertaProcessing::RobertaProcessing(const std::string& cls, int32_t cls_id,
                                     const std::string& sep, int32_t sep_id, bool trim_offsets,
                                     bool add_prefix_space)
    : TemplateProcessing(RobertaTemplate(/*pair=*/false, cls, cls_id, sep, sep_id),
                         RobertaTemplate(/*pair=*/true, cls, cls_id, sep, sep_id)),
      cls_(cls),
      sep_(sep),
      trim_offsets_(trim_offsets),
      add_prefix_space_(add_prefix_space) {}

absl::StatusOr<std::unique_ptr<PostProcessor>> RobertaProcessing::FromJson(
    const nlohmann::json& post, absl::string_view source) {
  using tokenizer_json::GetBool;
  const char* where = "post_processor(RobertaProcessing)";
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      post, {"type", "sep", "cls", "trim_offsets", "add_prefix_space"}, source, where));
  auto token = [&](const char* key) -> absl::StatusOr<std::pair<std::string, int32_t>> {
    const auto it = post.find(key);
    if (it == post.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string() ||
        !(*it)[1].is_number_integer() || (*it)[1].get<int64_t>() < 0 ||
        (*it)[1].get<int64_t>() > INT32_MAX) {
      return tokenizer_json::Err(source, absl::StrCat(where, ".", key, " must be [token, id]"));
    }
    return std::make_pair((*it)[0].get<std::string>(), (*it)[1].get<int32_t>());
  };
  ATTN_ASSIGN_OR_RETURN(auto sep, token("sep"));
  ATTN_ASSIGN_OR_RETURN(auto cls, token("cls"));
  ATTN_ASSIGN_OR_RETURN(const bool trim, GetBool(post, "trim_offsets", true, source, where));
  ATTN_ASSIGN_OR_RETURN(const bool prefix, GetBool(post, "add_prefix_space", true, source, where));
  return std::make_unique<RobertaProcessing>(cls.first, cls.second, sep.first, sep.second, trim,
                                             prefix);
}

void RobertaProcessing::Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens,
                                bool return_tokens, Encoding& out) const {
  if (trim_offsets_) {
    TrimByteLevelOffsets(a, add_prefix_space_);
    if (b != nullptr) TrimByteLevelOffsets(*b, add_prefix_space_);
  }
  TemplateProcessing::Process(a, b, add_special_tokens, return_tokens, out);
}

std::string RobertaProcessing::Describe() const {
  return absl::StrCat("RobertaProcessing (cls '", cls_, "', sep '", sep_,
                      "', trim_offsets=", trim_offsets_, ")");
}

}  // namespace attnserve::core
