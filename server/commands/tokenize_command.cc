// `attnserve tokenize`: the model's tokenizer, JSON lines in and out.
//
// Input lines: {"text": "...", "text_pair": "..."} (text_pair optional).
// Output lines, one per input line, in order:
//   {"ids":[...],"type_ids":[...],"tokens":[...],"offsets":[[start,end],...],"num_tokens":N}
//   (+ "truncated":true when cut), offsets in bytes of the UTF-8 of the text the token came from, [0,0] for special
//   tokens; or {"error":"line 4: ..."} for a bad line (exit code 1 at the end).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

#include "core/model/model_loader.h"
#include "core/util/status_macros.h"
#include "server/commands/commands.h"

ABSL_FLAG(bool, add_special_tokens, true,
          "add the template's special tokens ([CLS] ... [SEP])");
ABSL_FLAG(int, max_length, 0,
          "longest result in tokens incl. special tokens; 0 = no limit, or with "
          "--truncate the model's model_max_length");

namespace attnserve {
namespace {

using nlohmann::json;

// Parses a JSON line with "text" and optional "text_pair" strings; InvalidArgument naming the
// problem. nlohmann's parser rejects invalid UTF-8 (and lone surrogate escapes) itself, with the
// column of the bad byte.
absl::Status ParseTextLine(const std::string& line, std::string& text, std::string& pair,
                           bool& has_pair) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", e.what()));
  }
  if (!j.is_object()) return absl::InvalidArgumentError("not a JSON object");
  const auto t = j.find("text");
  if (t == j.end() || !t->is_string()) {
    return absl::InvalidArgumentError("expected {\"text\": \"...\"} (a string)");
  }
  text = t->get<std::string>();
  has_pair = false;
  if (const auto p = j.find("text_pair"); p != j.end() && !p->is_null()) {
    if (!p->is_string()) return absl::InvalidArgumentError("'text_pair' is not a string");
    pair = p->get<std::string>();
    has_pair = true;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNotBlank(const std::string& line) {
  if (line.find_first_not_of(" \t\r") != std::string::npos) return absl::OkStatus();
  return absl::InvalidArgumentError("blank line; expected {\"text\": \"...\"}");
}

absl::StatusOr<core::Encoding> TokenizeJsonLine(const core::Tokenizer& tokenizer,
                                                const std::string& line,
                                                const core::TokenizeOptions& options) {
  std::string text, pair;
  bool has_pair = false;
  ATTN_RETURN_IF_ERROR(CheckNotBlank(line));
  ATTN_RETURN_IF_ERROR(ParseTextLine(line, text, pair, has_pair));
  const absl::string_view pair_view = pair;
  return tokenizer.Encode(text, has_pair ? &pair_view : nullptr, options);
}

int RunTokenizeCommand(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "attnserve tokenize: unexpected argument '%s'\n", args[0].c_str());
    return 2;
  }
  auto tokenizer = core::LoadTokenizer(absl::GetFlag(FLAGS_model));
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "attnserve tokenize: %s\n",
                 std::string(tokenizer.status().message()).c_str());
    return 1;
  }
  if (*tokenizer == nullptr) {
    std::fprintf(stderr,
                 "attnserve tokenize: the model has no tokenizer (no tokenizer.json or "
                 "vocab.txt in '%s')\n",
                 absl::GetFlag(FLAGS_model).c_str());
    return 1;
  }
  core::TokenizeOptions options;
  options.add_special_tokens = absl::GetFlag(FLAGS_add_special_tokens);
  options.max_length = absl::GetFlag(FLAGS_max_length);
  options.truncate = absl::GetFlag(FLAGS_truncate);
  options.return_tokens = true;
  if (options.max_length < 0) {
    std::fprintf(stderr, "attnserve tokenize: --max-length must be >= 0; was %d\n",
                 options.max_length);
    return 2;
  }
  if (options.truncate && options.max_length == 0) {
    options.max_length = (*tokenizer)->model_max_length();
    if (options.max_length == 0) {
      std::fprintf(stderr,
                   "attnserve tokenize: --truncate needs --max-length (the tokenizer "
                   "declares no model_max_length)\n");
      return 2;
    }
  }

  std::ifstream file;
  const std::string input = absl::GetFlag(FLAGS_input);
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "attnserve tokenize: cannot open --input '%s'\n", input.c_str());
      return 1;
    }
  }
  std::istream& in = input == "-" ? std::cin : file;
  bool any_error = false;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    absl::StatusOr<core::Encoding> enc = TokenizeJsonLine(**tokenizer, line, options);
    json out;
    if (!enc.ok()) {
      any_error = true;
      out["error"] = absl::StrCat("line ", line_number, ": ", enc.status().message());
    } else {
      out["ids"] = enc->ids;
      out["type_ids"] = enc->type_ids;
      json tokens = json::array();
      for (const std::string& t : enc->tokens) tokens.push_back(t);
      out["tokens"] = std::move(tokens);
      json offsets = json::array();
      for (size_t i = 0; i < enc->ids.size(); ++i) {
        offsets.push_back({enc->offsets_start[i], enc->offsets_end[i]});
      }
      out["offsets"] = std::move(offsets);
      out["num_tokens"] = enc->ids.size();
      if (enc->truncated) out["truncated"] = true;
    }
    // Error messages may quote bytes of a bad line: replace invalid UTF-8 rather than throw.
    std::printf("%s\n", out.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  }
  std::fflush(stdout);
  return any_error ? 1 : 0;
}

}  // namespace attnserve
