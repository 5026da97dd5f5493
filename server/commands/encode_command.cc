// `attnserve encode`: offline embeddings, JSON lines in and out.
//
// Input lines: {"text": "hello", "text_pair": "..."}   (text_pair optional; tokenized with the
//              model's tokenizer, [CLS]/[SEP] added, at most the model's max_seq_length tokens:
//              longer is a line error, or cut with --truncate)
//          or  {"ids": [101, 7592, 102], "type_ids": [0, 0, 0]}   (type_ids optional; used as
//              given)
// Output lines, one per input line, in order:
//   {"embedding": [...], "num_tokens": 3}   (+ "token_embeddings": [[...], ...] with
//   --token-embeddings, "truncated": true when cut), or {"error": "line 4: ..."} for a bad line
//   (exit code 1 at the end). Lines are validated by the server's own PrepareInput: what the
//   server rejects (empty text, ids outside the vocabulary, ...) is an error here too.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

#include "core/heads/embed_outputs.h"
#include "core/model/model_loader.h"
#include "core/model/validate.h"
#include "core/util/error_detail.h"
#include "core/util/status_macros.h"
#include "server/commands/commands.h"
#include "server/requests/embed_request.h"

ABSL_FLAG(std::string, input, "-", "JSON lines file to read ('-' = stdin)");
ABSL_FLAG(std::string, pooling, "",
          "cls | mean | max | mean_sqrt_len | weighted_mean | last_token, any case (default: the "
          "model's)");
ABSL_FLAG(absl::optional<bool>, normalize, absl::nullopt,
          "L2-normalize the pooled vector (default: the model's)");
ABSL_FLAG(int, dimensions, 0, "keep the first N dimensions (Matryoshka); 0 = all");
ABSL_FLAG(bool, token_embeddings, false, "also print every token's last hidden state");
ABSL_FLAG(int, encode_batch_tokens, 8192, "tokens per forward pass");

namespace attnserve {
namespace {

using nlohmann::json;

struct PendingLine {
  int line_number;
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  bool truncated;     // cut to the maximum input length (--truncate)
  int pool_skip = 0;  // the prompt's tokens left out of pooling (SequenceInput::pool_skip)
  std::string error;  // non-empty: the line is answered with this error
};

absl::Status ParseIntArray(const json& j, const char* key, std::vector<int32_t>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_array())
    return absl::InvalidArgumentError(absl::StrCat("'", key, "' is not an array"));
  for (const json& v : *it) {
    if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", key, "' holds ", v.dump(), ", not a 32-bit integer"));
    }
    out.push_back(static_cast<int32_t>(v.get<int64_t>()));
  }
  return absl::OkStatus();
}

// One input line -> token ids, through the server's own validation (PrepareInput), so that a
// line fails here exactly when the same input would fail in an Embed request, with the same
// words: "line 4: the input has empty text".
PendingLine ParseLine(int line_number, const std::string& text, const ServingModel& model,
                      const RequestLimits& limits, bool truncate) {
  PendingLine p{line_number, {}, {}, false, 0, ""};
  if (absl::Status blank = CheckNotBlank(text); !blank.ok()) {
    p.error = absl::StrCat("line ", line_number, ": ", blank.message());
    return p;
  }
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  absl::Status st;
  v1::Input in;
  if (j.is_discarded() || !j.is_object()) {
    st = absl::InvalidArgumentError("not a JSON object");
  } else if (const auto t = j.find("text"); t != j.end()) {
    const auto pair = j.find("text_pair");
    if (!t->is_string()) {
      st = absl::InvalidArgumentError("'text' is not a string");
    } else if (pair != j.end() && !pair->is_null() && !pair->is_string()) {
      st = absl::InvalidArgumentError("'text_pair' is not a string");
    } else if (model.tokenizer == nullptr) {
      st = absl::InvalidArgumentError(
          "the model has no tokenizer (no tokenizer.json or vocab.txt): send 'ids'");
    } else {
      in.set_text(t->get<std::string>());
      if (pair != j.end() && pair->is_string()) in.set_text_pair(pair->get<std::string>());
    }
  } else if (!j.contains("ids")) {
    st = absl::InvalidArgumentError("expected {\"text\": \"...\"} or {\"ids\": [...]}");
  } else {
    st = ParseIntArray(j, "ids", p.ids);
    if (st.ok()) st = ParseIntArray(j, "type_ids", p.type_ids);
    in.mutable_token_ids()->mutable_ids()->Add(p.ids.begin(), p.ids.end());
    in.mutable_token_ids()->mutable_type_ids()->Add(p.type_ids.begin(), p.type_ids.end());
  }
  if (st.ok()) {
    absl::StatusOr<core::SequenceInput> prepared =
        PrepareInput(in, model, limits, truncate, core::TruncationDirection::kRight,
                     /*truncate_hint=*/"use --truncate to cut it",
                     model.default_prompt >= 0
                         ? &model.prompts[static_cast<size_t>(model.default_prompt)]
                         : nullptr);
    if (prepared.ok()) {
      p.ids = std::move(prepared->ids);
      p.type_ids = std::move(prepared->type_ids);
      p.truncated = prepared->truncated;
      p.pool_skip = prepared->pool_skip;
    } else {
      st = core::ForSubject("the input", prepared.status());
    }
  }
  if (!st.ok()) p.error = absl::StrCat("line ", line_number, ": ", st.message());
  return p;
}

// The project's vocabulary (README.md, "Output format"), as attnserve-cli embed prints it.
json ToJson(const core::SequenceOutput& o, int hidden, bool truncated) {
  json j;
  j["embedding"] = o.embedding;
  j["num_tokens"] = o.num_tokens;
  if (!o.token_embeddings.empty()) {
    json rows = json::array();
    for (int t = 0; t < o.num_tokens; ++t) {
      const auto first = o.token_embeddings.begin() + static_cast<ptrdiff_t>(t) * hidden;
      rows.push_back(std::vector<float>(first, first + hidden));
    }
    j["token_embeddings"] = std::move(rows);
  }
  if (truncated) j["truncated"] = true;
  return j;
}

}  // namespace

int RunEncodeCommand(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "attnserve encode: unexpected argument '%s'\n", args[0].c_str());
    return 2;
  }
  const auto load_options = LoadOptionsFromFlags();
  if (!load_options.ok()) {
    std::fprintf(stderr, "attnserve %s: %s\n", "encode",
                 std::string(load_options.status().message()).c_str());
    return 2;
  }
  auto loaded = core::LoadModel(absl::GetFlag(FLAGS_model), *load_options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "attnserve encode: %s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  const core::ModelSpec& spec = loaded->spec();
  ServingModel model{loaded->name, spec, loaded->tokenizer, loaded->accuracy, {}, -1};
  RequestLimits limits;
  limits.max_input_length = spec.defaults.max_seq_length;
  if (absl::Status st = SetUpPrompts(model, limits, absl::GetFlag(FLAGS_default_prompt_name));
      !st.ok()) {
    std::fprintf(stderr, "attnserve encode: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  const bool truncate = absl::GetFlag(FLAGS_truncate);

  core::OutputSpec output;
  output.pooling.pooling = spec.defaults.pooling;
  output.pooling.normalize = absl::GetFlag(FLAGS_normalize).value_or(spec.defaults.normalize);
  output.pooling.dimensions = absl::GetFlag(FLAGS_dimensions);
  output.token_embeddings = absl::GetFlag(FLAGS_token_embeddings);
  if (const std::string p = absl::GetFlag(FLAGS_pooling);
      !p.empty() && !core::ParsePooling(p, &output.pooling.pooling)) {
    std::fprintf(stderr, "attnserve encode: --pooling must be cls, mean, max, mean_sqrt_len, "
                 "weighted_mean or last_token; was '%s'\n",
                 p.c_str());
    return 2;
  }
  if (absl::Status st = core::ValidatePoolingOptions(output.pooling, spec.embedding_size()); !st.ok()) {
    std::fprintf(stderr, "attnserve encode: --%s\n", std::string(st.message()).c_str());
    return 2;
  }
  const int64_t batch_tokens = std::max(1, absl::GetFlag(FLAGS_encode_batch_tokens));

  auto encoder = loaded->model->CreateSession();
  if (!encoder.ok()) {
    std::fprintf(stderr, "attnserve encode: %s\n", std::string(encoder.status().message()).c_str());
    return 1;
  }

  std::ifstream file;
  const std::string input = absl::GetFlag(FLAGS_input);
  if (input != "-") {
    file.open(input);
    if (!file) {
      std::fprintf(stderr, "attnserve encode: cannot open --input '%s'\n", input.c_str());
      return 1;
    }
  }
  std::istream& in = input == "-" ? std::cin : file;

  bool any_error = false;
  std::vector<PendingLine> pending;
  int64_t pending_tokens = 0;
  core::PackedBatch batch;
  std::vector<core::SequenceOutput> outputs;
  auto flush = [&]() -> bool {
    batch.Clear();
    for (const PendingLine& p : pending) {
      if (p.error.empty()) batch.Add(p.ids, p.type_ids);
    }
    if (batch.num_sequences() > 0) {
      std::vector<core::OutputSpec> specs;
      for (const PendingLine& p : pending) {
        if (!p.error.empty()) continue;
        specs.push_back(output);
        specs.back().pooling.skip_tokens = p.pool_skip;
      }
      if (absl::Status st = core::EmbedBatch(**encoder, batch, specs, outputs); !st.ok()) {
        std::fprintf(stderr, "attnserve encode: %s\n", std::string(st.message()).c_str());
        return false;
      }
    }
    size_t next = 0;
    for (const PendingLine& p : pending) {
      if (!p.error.empty()) {
        any_error = true;
        std::printf("%s\n", json{{"error", p.error}}.dump().c_str());
      } else if (const core::SequenceOutput& o = outputs[next++]; !o.status.ok()) {
        any_error = true;
        const std::string error = absl::StrCat("line ", p.line_number, ": ", o.status.message());
        std::printf("%s\n", json{{"error", error}}.dump().c_str());
      } else {
        std::printf("%s\n", ToJson(o, spec.hidden_size, p.truncated).dump().c_str());
      }
    }
    std::fflush(stdout);
    pending.clear();
    pending_tokens = 0;
    return true;
  };

  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    PendingLine p = ParseLine(line_number, line, model, limits, truncate);
    const int64_t n = static_cast<int64_t>(p.ids.size());
    if (pending_tokens + n > batch_tokens && !pending.empty() && !flush()) return 1;
    pending_tokens += p.error.empty() ? n : 0;
    pending.push_back(std::move(p));
  }
  if (!pending.empty() && !flush()) return 1;
  return any_error ? 1 : 0;
}

}  // namespace attnserve
