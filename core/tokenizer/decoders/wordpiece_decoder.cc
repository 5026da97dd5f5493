#include "core/tokenizer/decoders/wordpiece_decoder.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// The Rust crate's wordpiece::cleanup: each replacement runs over the whole string in turn
// (str::replace, left to right, non-overlapping), so the order matters.
std::string Cleanup(std::string s) {
  static constexpr std::pair<absl::string_view, absl::string_view> kReplacements[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},           {" ,", ","},
      {" ' ", "'"},    {" n't", "n't"}, {" 'm", "'m"},       {" do not", " don't"},
      {" 's", "'s"},   {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kReplacements) {
    if (absl::StrContains(s, from)) s = absl::StrReplaceAll(s, {{from, to}});
  }
  return s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Decoder>> WordPieceDecoder::FromJson(const nlohmann::json& j,
                                                                    absl::string_view source) {
  std::string prefix = "##";
  if (j.contains("prefix")) {
    ATTN_ASSIGN_OR_RETURN(prefix, tokenizer_json::GetString(j, "prefix", source, "decoder"));
  }
  ATTN_ASSIGN_OR_RETURN(const bool cleanup,
                        tokenizer_json::GetBool(j, "cleanup", true, source, "decoder"));
  return std::make_unique<WordPieceDecoder>(std::move(prefix), cleanup);
}

void WordPieceDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string& t = tokens[i];
    if (i != 0) {
      if (absl::StartsWith(t, prefix_)) {
        t.erase(0, prefix_.size());
      } else {
        t.insert(t.begin(), ' ');
      }
    }
    if (cleanup_) t = Cleanup(std::move(t));
  }
}

std::string WordPieceDecoder::Describe() const {
  return absl::StrCat("WordPiece decoder (prefix '", prefix_, "', cleanup=",
                      cleanup_ ? "true" : "false", ")");
}

}  // namespace attnserve::core
