#include "core/tokenizer/post_processors/template_processing.h"

#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using tokenizer_json::Err;

// TemplateProcessing "single"/"pair" arrays.
absl::StatusOr<std::vector<TemplateProcessing::Piece>> ParseTemplate(const json& arr,
                                                                     const json& special_tokens,
                                                                     bool pair,
                                                                     absl::string_view source) {
  const std::string where = pair ? "post_processor.pair" : "post_processor.single";
  if (!arr.is_array()) return Err(source, absl::StrCat(where, " is not an array"));
  std::vector<TemplateProcessing::Piece> out;
  int seen[2] = {0, 0};
  for (const json& e : arr) {
    TemplateProcessing::Piece p;
    auto type_id = [&](const json& o) -> absl::StatusOr<int32_t> {
      const auto it = o.find("type_id");
      if (it == o.end()) return 0;
      if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 255) {
        return Err(source, absl::StrCat(where, ": type_id must be a small non-negative integer"));
      }
      return static_cast<int32_t>(it->get<int64_t>());
    };
    if (e.is_object() && e.contains("Sequence") && e["Sequence"].is_object()) {
      const json& s = e["Sequence"];
      const std::string id = s.value("id", "");
      if (id != "A" && id != "B") {
        return Err(source, absl::StrCat(where, ": sequence id must be A or B; was ", s.dump()));
      }
      p.is_sequence = true;
      p.sequence = id == "A" ? 0 : 1;
      ATTN_ASSIGN_OR_RETURN(p.type_id, type_id(s));
      ++seen[p.sequence];
    } else if (e.is_object() && e.contains("SpecialToken") && e["SpecialToken"].is_object()) {
      const json& s = e["SpecialToken"];
      const std::string id = s.value("id", "");
      const auto it = special_tokens.is_object() ? special_tokens.find(id) : special_tokens.end();
      // find(), not a const operator[]: on a missing key that asserts (undefined in release).
      const json* ids = nullptr;
      const json* tokens = nullptr;
      if (it != special_tokens.end() && it->is_object()) {
        if (const auto i = it->find("ids"); i != it->end()) ids = &*i;
        if (const auto t = it->find("tokens"); t != it->end()) tokens = &*t;
      }
      if (ids == nullptr || tokens == nullptr || !ids->is_array() || !tokens->is_array() ||
          ids->size() != tokens->size()) {
        return Err(source,
                   absl::StrCat(where, ": special token '", id,
                                "' is not in post_processor.special_tokens (with ids and tokens)"));
      }
      for (const json& v : *ids) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
            v.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
          return Err(source, absl::StrCat(where, ": special token '", id, "' has a bad id"));
        }
        p.special_ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
      }
      for (const json& v : *tokens) {
        if (!v.is_string()) return Err(source, absl::StrCat(where, ": bad tokens of '", id, "'"));
        p.special_tokens.push_back(v.get<std::string>());
      }
      ATTN_ASSIGN_OR_RETURN(p.type_id, type_id(s));
    } else {
      return Err(source, absl::StrCat(where, ": unsupported template element ", e.dump()));
    }
    out.push_back(std::move(p));
  }
  if (seen[0] != 1 || seen[1] != (pair ? 1 : 0)) {
    return Err(source, absl::StrCat(where, pair ? " must hold $A and $B once each"
                                                : " must hold $A once and no $B"));
  }
  return out;
}

int CountSpecial(const std::vector<TemplateProcessing::Piece>& t) {
  int n = 0;
  for (const TemplateProcessing::Piece& p : t) {
    if (!p.is_sequence) n += static_cast<int>(p.special_ids.size());
  }
  return n;
}

}  // namespace

TemplateProcessing::TemplateProcessing(std::vector<Piece> single, std::vector<Piece> pair)
    : single_(std::move(single)),
      pair_(std::move(pair)),
      num_special_{CountSpecial(single_), CountSpecial(pair_)} {}

absl::StatusOr<std::unique_ptr<PostProcessor>> TemplateProcessing::FromJson(
    const json& post, absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(post, {"type", "single", "pair", "special_tokens"},
                                                 source, "post_processor"));
  const json special = post.contains("special_tokens") ? post["special_tokens"] : json::object();
  ATTN_ASSIGN_OR_RETURN(std::vector<Piece> single,
                        ParseTemplate(post.value("single", json()), special, false, source));
  ATTN_ASSIGN_OR_RETURN(std::vector<Piece> pair,
                        ParseTemplate(post.value("pair", json()), special, true, source));
  return std::make_unique<TemplateProcessing>(std::move(single), std::move(pair));
}

std::unique_ptr<PostProcessor> TemplateProcessing::Identity() {
  return std::make_unique<TemplateProcessing>(
      std::vector<Piece>{Piece{true, 0, {}, {}, 0}},
      std::vector<Piece>{Piece{true, 0, {}, {}, 0}, Piece{true, 1, {}, {}, 1}});
}

std::vector<TemplateProcessing::Piece> TemplateProcessing::BertTemplate(bool pair,
                                                                        const std::string& cls,
                                                                        int32_t cls_id,
                                                                        const std::string& sep,
                                                                        int32_t sep_id) {
  std::vector<Piece> t;
  t.push_back(Piece{false, 0, {cls_id}, {cls}, 0});
  t.push_back(Piece{true, 0, {}, {}, 0});
  t.push_back(Piece{false, 0, {sep_id}, {sep}, 0});
  if (pair) {
    t.push_back(Piece{true, 1, {}, {}, 1});
    t.push_back(Piece{false, 0, {sep_id}, {sep}, 1});
  }
  return t;
}

int TemplateProcessing::num_special_tokens(bool pair) const { return num_special_[pair ? 1 : 0]; }

void TemplateProcessing::Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens,
                                 bool return_tokens, Encoding& out) const {
  TokenSequence* seq[2] = {&a, b};
  for (const Piece& piece : b != nullptr ? pair_ : single_) {
    if (piece.is_sequence) {
      TokenSequence& s = *seq[piece.sequence];
      out.ids.insert(out.ids.end(), s.ids.begin(), s.ids.end());
      out.type_ids.insert(out.type_ids.end(), s.size(), piece.type_id);
      out.offsets_start.insert(out.offsets_start.end(), s.starts.begin(), s.starts.end());
      out.offsets_end.insert(out.offsets_end.end(), s.ends.begin(), s.ends.end());
      if (return_tokens) {
        for (std::string& t : s.tokens) out.tokens.push_back(std::move(t));
      }
    } else if (add_special_tokens) {
      out.ids.insert(out.ids.end(), piece.special_ids.begin(), piece.special_ids.end());
      out.type_ids.insert(out.type_ids.end(), piece.special_ids.size(), piece.type_id);
      out.offsets_start.insert(out.offsets_start.end(), piece.special_ids.size(), 0);
      out.offsets_end.insert(out.offsets_end.end(), piece.special_ids.size(), 0);
      if (return_tokens) {
        out.tokens.insert(out.tokens.end(), piece.special_tokens.begin(),
                          piece.special_tokens.end());
      }
    }
  }
}

absl::Status TemplateProcessing::CheckIds(int vocab_size) const {
  for (const auto* tmpl : {&single_, &pair_}) {
    for (const Piece& p : *tmpl) {
      for (int32_t id : p.special_ids) {
        if (id < 0 || id >= vocab_size) {
          return absl::InvalidArgumentError(
              absl::StrCat("post_processor: special token id ", id, " is outside the vocabulary"));
        }
      }
    }
  }
  return absl::OkStatus();
}

std::string TemplateProcessing::Describe() const {
  return absl::StrCat("TemplateProcessing (", num_special_[0], "/", num_special_[1],
                      " special tokens for single/pair)");
}

}  // namespace attnserve::core
