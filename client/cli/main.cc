// attnserve-cli: call an attnserve server.
//   attnserve-cli --target localhost:50051 embed "first text" "second text"
//   attnserve-cli embed --ids "[101, 7592, 102]"
//   attnserve-cli tokenize "Hello, world!"
//   attnserve-cli decode "[101, 7592, 102]"
//   attnserve-cli info | health
//   attnserve-cli load --concurrency 1,4,16 --lengths 16:256 --duration 10 [--json]
//   attnserve-cli load --rate 200,400 --lengths 16:16
//   attnserve-cli help CMD | CMD --help | --version
// JSON output uses the project's one vocabulary (README.md, "Output format"): "embedding",
// "token_embeddings" (one list per token), "offsets" ([[start, end], ...]), lowercase enum and
// dtype names, numbers as numbers.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <tuple>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <grpc/support/log.h>
#include <nlohmann/json.hpp>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#include "client/cli/build_info.h"
#include "client/cli/command_line.h"
#include "client/cli/load_generator.h"
#include "client/embedder_client.h"

ABSL_FLAG(std::string, target, "localhost:50051", "server address host:port");
ABSL_FLAG(bool, tls, false, "use TLS (implied by --ca, --cert, --key and --server-name)");
ABSL_FLAG(std::string, ca, "", "PEM CA bundle to verify the server (default: system roots)");
ABSL_FLAG(std::string, cert, "", "PEM client certificate (mutual TLS; with --key)");
ABSL_FLAG(std::string, key, "", "PEM client key (mutual TLS; with --cert)");
ABSL_FLAG(std::string, server_name, "", "TLS name to expect instead of the target's host");
ABSL_FLAG(std::string, api_key, "", "API key, sent as 'authorization: Bearer KEY'");
ABSL_FLAG(std::string, request_id, "",
          "sent as x-request-id: the server's access log and errors carry it (1-128 of "
          "A-Z a-z 0-9 - _ . : /; default: the server makes one)");
ABSL_FLAG(int, timeout_ms, 60000, "per-call deadline in ms (0 = none)");
ABSL_FLAG(std::string, service, "", "the service to check ('' = the whole server)");
// embed
ABSL_FLAG(std::string, pooling, "",
          "cls | mean | max | mean_sqrt_len | weighted_mean | last_token, any case (default: the "
          "model's)");
ABSL_FLAG(std::string, normalize, "", "true | false (default: the model's)");
ABSL_FLAG(int, dimensions, 0, "keep the first N dimensions (Matryoshka); 0 = all");
ABSL_FLAG(bool, token_embeddings, false, "also return every token's vector (token_embeddings)");
ABSL_FLAG(bool, truncate, false, "cut over-long inputs instead of failing");
ABSL_FLAG(std::string, text_pair, "", "second segment for every text");
ABSL_FLAG(std::string, query, "", "rerank: the query every text is scored against");
ABSL_FLAG(int, top_n, 0, "rerank: print only the best N (0 = all)");
ABSL_FLAG(bool, return_text, false, "rerank: echo each text");
ABSL_FLAG(bool, raw_scores, false, "rerank / predict: the logits instead of sigmoid / softmax");
ABSL_FLAG(bool, keep_special_tokens, false, "keep special tokens such as [CLS] in the text");
ABSL_FLAG(bool, ids, false,
          "inputs are token ids, used as given (no special tokens added): each argument or "
          "stdin line is a JSON array [101, 7592, 102], a list 101,7592,102 (commas or "
          "spaces), or {\"ids\": [...], \"type_ids\": [...]}");
// load
ABSL_FLAG(std::string, concurrency, "", "closed loop at these concurrencies (1,4,16)");
ABSL_FLAG(std::string, rate, "", "open loop at these request rates per second (100,200)");
ABSL_FLAG(std::string, lengths, "16:16", "tokens per input MIN:MAX, uniform");
ABSL_FLAG(int, inputs_per_request, 1, "inputs in each request");
ABSL_FLAG(double, duration, 10, "measured seconds per level");
ABSL_FLAG(double, warmup, 2, "seconds sent first at each level, not counted");
ABSL_FLAG(bool, text, false, "send words as text instead of token ids");
ABSL_FLAG(int, channels, 4, "connections to spread the calls over");
ABSL_FLAG(bool, json, false,
          "embed: one JSON object for the whole response; load: JSON instead of a table");

namespace attnserve::client {
namespace {

using nlohmann::json;

// Flags every command takes: where the server is and how to reach it.
const std::vector<std::string> kConnectionFlags = {
    "target", "tls", "ca", "cert", "key", "server_name", "api_key", "timeout_ms"};

// ... and every command that makes single calls: the request id to log them under.
std::vector<std::string> With(std::vector<std::string> own) {
  std::vector<std::string> all = kConnectionFlags;
  all.push_back("request_id");
  all.insert(all.end(), own.begin(), own.end());
  return all;
}

std::vector<std::string> LoadFlags() {
  std::vector<std::string> all = kConnectionFlags;
  for (const char* f : {"concurrency", "rate", "lengths", "inputs_per_request", "duration",
                        "warmup", "text", "channels", "json"}) {
    all.push_back(f);
  }
  return all;
}

ProgramSpec Program() {
  ProgramSpec p;
  p.name = "attnserve-cli";
  p.synopsis = "attnserve-cli [--target HOST:PORT] [--tls ...] [--api-key KEY] <command> [args]";
  p.commands = {
      {"embed", "pooled vectors of texts (or token ids), one JSON line per input",
       "attnserve-cli embed [flags] [TEXT...]   (no TEXT: one input per stdin line)\n\n"
       "Prints one line per input, in order: {\"embedding\": [...], \"num_tokens\": N}\n"
       "(+ \"token_embeddings\": [[...], ...] with --token-embeddings, \"truncated\": true when "
       "cut),\nor {\"error\": \"line N ...\"} for a blank or bad input line (exit code 1).\n"
       "With --ids each input is token ids: [101, 7592, 102], 101,7592,102 or\n"
       "{\"ids\": [...], \"type_ids\": [...]}.",
       With({"pooling", "normalize", "dimensions", "token_embeddings", "truncate", "text_pair",
             "ids", "json"})},
      {"tokenize", "ids, tokens and byte offsets of texts, one JSON line per input",
       "attnserve-cli tokenize [flags] [TEXT...]   (no TEXT: one input per stdin line)\n\n"
       "Prints one line per input: {\"ids\": [...], \"type_ids\": [...], \"tokens\": [...],\n"
       "\"offsets\": [[start, end], ...], \"num_tokens\": N}, or {\"error\": \"line N ...\"}.",
       With({"truncate", "text_pair"})},
      {"decode", "token ids back to text, one JSON line per input",
       "attnserve-cli decode [flags] [IDS...]   (no IDS: one input per stdin line)\n\n"
       "Each input is token ids: [101, 7592, 102], 101,7592,102 or {\"ids\": [...]}.\n"
       "Prints one line per input: {\"text\": \"...\"}, or {\"error\": \"line N ...\"}.",
       With({"keep_special_tokens"})},
      {"rerank", "texts scored against a query by the served cross-encoder, best first",
       "attnserve-cli rerank --query Q [flags] [TEXT...]   (no TEXT: one text per stdin line)\n\n"
       "Prints one line per rank, best first: {\"index\": i, \"score\": s} (+ \"text\" with\n"
       "--return-text); with --json the whole response.",
       With({"query", "top_n", "return_text", "raw_scores", "truncate", "json"})},
      {"predict", "label scores of texts (or pairs) from the served classifier",
       "attnserve-cli predict [flags] [TEXT...]   (no TEXT: one input per stdin line)\n\n"
       "Prints one line per input: {\"predictions\": [{\"label\": ..., \"score\": ...}, ...]}\n"
       "(every label, best first), or {\"error\": \"line N ...\"}.",
       With({"text_pair", "raw_scores", "truncate"})},
      {"info", "the model, its sizes and defaults, and the server's limits (JSON)",
       "attnserve-cli info [flags]", With({})},
      {"health", "SERVING / NOT_SERVING; exit code 0 only when SERVING",
       "attnserve-cli health [flags]", With({"service"})},
      {"load", "load generator: closed loop (--concurrency) or open loop (--rate)",
       "attnserve-cli load [flags]\n\n"
       "Sends random token ids (or words, --text) at each level and prints throughput and\n"
       "latency percentiles per level.",
       LoadFlags()},
  };
  p.version = [] { return VersionText("attnserve-cli"); };
  return p;
}

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "attnserve-cli: %s\n", message.c_str());
  return code;
}

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in || ss.str().empty()) {
    return absl::NotFoundError(absl::StrCat("--", flag, ": cannot read '", path, "'"));
  }
  return ss.str();
}

absl::StatusOr<ClientOptions> OptionsFromFlags(int channel_id = 0) {
  ClientOptions o;
  o.target = absl::GetFlag(FLAGS_target);
  const std::string ca = absl::GetFlag(FLAGS_ca), cert = absl::GetFlag(FLAGS_cert),
                    key = absl::GetFlag(FLAGS_key);
  o.server_name_override = absl::GetFlag(FLAGS_server_name);
  // Any TLS option means TLS: without it, a TLS server answers a plaintext call with a bare
  // "Socket closed".
  o.tls = absl::GetFlag(FLAGS_tls) || !ca.empty() || !cert.empty() || !key.empty() ||
          !o.server_name_override.empty();
  if (cert.empty() != key.empty()) return absl::InvalidArgumentError("--cert and --key go together");
  for (auto [path, flag, dst] : {std::tuple{ca, "ca", &o.ca_pem},
                                 std::tuple{cert, "cert", &o.client_cert_pem},
                                 std::tuple{key, "key", &o.client_key_pem}}) {
    if (path.empty()) continue;
    absl::StatusOr<std::string> pem = ReadFile(path, flag);
    if (!pem.ok()) return pem.status();
    *dst = *std::move(pem);
  }
  o.api_key = absl::GetFlag(FLAGS_api_key);
  o.request_id = absl::GetFlag(FLAGS_request_id);
  const int timeout = absl::GetFlag(FLAGS_timeout_ms);
  o.timeout = timeout > 0 ? absl::Milliseconds(timeout) : absl::InfiniteDuration();
  o.channel_id = channel_id;
  return o;
}

// "TruncationDirection" -> "TRUNCATION_DIRECTION_", the prefix of its value names.
std::string EnumPrefix(const std::string& type_name) {
  std::string out;
  for (char c : type_name) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !out.empty()) out += '_';
    out += absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  return out + "_";
}

json FieldValue(const google::protobuf::Message& m, const google::protobuf::FieldDescriptor* f,
                int index);

// A message as JSON in the project's vocabulary: proto field names, every field (defaults too),
// 64-bit integers as numbers (protobuf's JSON prints them as strings), enum values lowercase
// without their type prefix (POOLING_MEAN -> "mean").
json MessageJson(const google::protobuf::Message& m) {
  json out = json::object();
  const google::protobuf::Descriptor* d = m.GetDescriptor();
  const google::protobuf::Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      json a = json::array();
      for (int j = 0; j < r->FieldSize(m, f); ++j) a.push_back(FieldValue(m, f, j));
      out[f->name()] = std::move(a);
    } else if (f->has_presence() && !r->HasField(m, f) &&
               f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;  // an unset optional
    } else {
      out[f->name()] = FieldValue(m, f, -1);
    }
  }
  return out;
}

json FieldValue(const google::protobuf::Message& m, const google::protobuf::FieldDescriptor* f,
                int i) {
  using FD = google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = m.GetReflection();
  const bool rep = i >= 0;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: return rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f);
    case FD::CPPTYPE_INT64: return rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f);
    case FD::CPPTYPE_UINT32: return rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f);
    case FD::CPPTYPE_UINT64: return rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f);
    case FD::CPPTYPE_FLOAT: return rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f);
    case FD::CPPTYPE_DOUBLE: return rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f);
    case FD::CPPTYPE_BOOL: return rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f);
    case FD::CPPTYPE_STRING: return rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
    case FD::CPPTYPE_ENUM: {
      const google::protobuf::EnumValueDescriptor* v =
          rep ? r->GetRepeatedEnum(m, f, i) : r->GetEnum(m, f);
      const std::string prefix = EnumPrefix(v->type()->name());
      return absl::AsciiStrToLower(absl::StripPrefix(v->name(), prefix));
    }
    case FD::CPPTYPE_MESSAGE:
      return MessageJson(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
  }
  return nullptr;
}

// One pooled vector: {"embedding", "num_tokens", "token_embeddings" (one list per token, when
// asked), "truncated" (when cut)}.
json EmbeddingJson(const v1::Embedding& e) {
  json j;
  j["embedding"] = std::vector<float>(e.values().begin(), e.values().end());
  j["num_tokens"] = e.num_tokens();
  if (e.has_token_embeddings() && e.token_embeddings().dim() > 0) {
    const v1::TokenEmbeddings& t = e.token_embeddings();
    json rows = json::array();
    for (uint32_t row = 0; row < t.num_tokens(); ++row) {
      const auto first = t.values().begin() + static_cast<ptrdiff_t>(row) * t.dim();
      rows.push_back(std::vector<float>(first, first + t.dim()));
    }
    j["token_embeddings"] = std::move(rows);
  }
  if (e.truncated()) j["truncated"] = true;
  return j;
}

// {"ids", "type_ids", "tokens", "offsets": [[start, end], ...], "num_tokens", "truncated"?}.
json TokensJson(const v1::Tokens& t) {
  json j;
  j["ids"] = std::vector<int32_t>(t.ids().begin(), t.ids().end());
  j["type_ids"] = std::vector<int32_t>(t.type_ids().begin(), t.type_ids().end());
  j["tokens"] = std::vector<std::string>(t.tokens().begin(), t.tokens().end());
  json offsets = json::array();
  for (int i = 0; i < t.offsets_start_size() && i < t.offsets_end_size(); ++i) {
    offsets.push_back({t.offsets_start(i), t.offsets_end(i)});
  }
  j["offsets"] = std::move(offsets);
  j["num_tokens"] = t.ids_size();
  if (t.truncated()) j["truncated"] = true;
  return j;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The inputs of embed / tokenize: the arguments, or else one per stdin line, each numbered for
// errors ("line 3", "argument 2"). A blank one stays in its place and is answered with an error.
struct RawInput {
  std::string subject;
  std::string text;
};

std::vector<RawInput> RawInputs(const std::vector<std::string>& args) {
  std::vector<RawInput> out;
  for (size_t i = 0; i < args.size(); ++i) {
    out.push_back({absl::StrCat("argument ", i + 1), args[i]});
  }
  if (!args.empty()) return out;
  std::string line;
  for (int n = 1; std::getline(std::cin, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back({absl::StrCat("line ", n), line});
  }
  return out;
}

// Token ids as `--ids` reads them: [1, 2, 3], 1,2,3 / 1 2 3, or {"ids": [...], "type_ids": [...]}.
absl::Status ParseIds(absl::string_view text, v1::TokenIds* out) {
  text = absl::StripAsciiWhitespace(text);
  auto take = [](const json& a, const char* key, google::protobuf::RepeatedField<int32_t>* dst) {
    if (!a.is_array()) return absl::InvalidArgumentError(absl::StrCat("'", key, "' is not an array"));
    for (const json& v : a) {
      if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", key, "' holds ", v.dump(), ", not a 32-bit integer"));
      }
      dst->Add(static_cast<int32_t>(v.get<int64_t>()));
    }
    return absl::OkStatus();
  };
  if (absl::StartsWith(text, "[") || absl::StartsWith(text, "{")) {
    const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return absl::InvalidArgumentError("not valid JSON");
    if (j.is_array()) return take(j, "ids", out->mutable_ids());
    if (!j.contains("ids")) return absl::InvalidArgumentError("expected {\"ids\": [...]}");
    if (absl::Status s = take(j["ids"], "ids", out->mutable_ids()); !s.ok()) return s;
    if (j.contains("type_ids")) return take(j["type_ids"], "type_ids", out->mutable_type_ids());
    return absl::OkStatus();
  }
  for (absl::string_view part : absl::StrSplit(text, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    int32_t id;
    if (!absl::SimpleAtoi(part, &id)) {
      return absl::InvalidArgumentError(absl::StrCat("'", part, "' is not a token id"));
    }
    out->add_ids(id);
  }
  return absl::OkStatus();
}

// The inputs that can be sent (in `inputs`), and for every raw input either its index there or
// its error.
struct Inputs {
  std::vector<v1::Input> inputs;
  std::vector<int> index;           // per raw input: into `inputs`, or -1
  std::vector<std::string> errors;  // per raw input: the error when index is -1
};

Inputs BuildInputs(const std::vector<RawInput>& raw, bool ids) {
  Inputs out;
  for (const RawInput& r : raw) {
    v1::Input in;
    std::string error;
    if (absl::StripAsciiWhitespace(r.text).empty()) {
      // The server's own words for an empty text input ("input 0 has empty text").
      error = absl::StrCat(r.subject, ids ? " has no token ids" : " has empty text");
    } else if (ids) {
      if (absl::Status s = ParseIds(r.text, in.mutable_token_ids()); !s.ok()) {
        error = absl::StrCat(r.subject, ": ", s.message());
      }
    } else {
      in.set_text(r.text);
      in.set_text_pair(absl::GetFlag(FLAGS_text_pair));
    }
    if (error.empty()) {
      out.index.push_back(static_cast<int>(out.inputs.size()));
      out.errors.emplace_back();
      out.inputs.push_back(std::move(in));
    } else {
      out.index.push_back(-1);
      out.errors.push_back(std::move(error));
    }
  }
  return out;
}

int Embed(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::EmbedRequest req;
  const std::string pooling = absl::AsciiStrToLower(absl::GetFlag(FLAGS_pooling));
  if (pooling == "cls")
    req.set_pooling(v1::POOLING_CLS);
  else if (pooling == "mean")
    req.set_pooling(v1::POOLING_MEAN);
  else if (pooling == "max")
    req.set_pooling(v1::POOLING_MAX);
  else if (pooling == "mean_sqrt_len")
    req.set_pooling(v1::POOLING_MEAN_SQRT_LEN);
  else if (pooling == "weighted_mean")
    req.set_pooling(v1::POOLING_WEIGHTED_MEAN);
  else if (pooling == "last_token")
    req.set_pooling(v1::POOLING_LAST_TOKEN);
  else if (!pooling.empty())
    return Fail("--pooling must be cls, mean, max, mean_sqrt_len, weighted_mean or last_token", 2);
  const std::string normalize = absl::AsciiStrToLower(absl::GetFlag(FLAGS_normalize));
  if (normalize == "true" || normalize == "false")
    req.set_normalize(normalize == "true");
  else if (!normalize.empty())
    return Fail("--normalize must be true or false", 2);
  req.set_dimensions(static_cast<uint32_t>(std::max(0, absl::GetFlag(FLAGS_dimensions))));
  req.set_return_token_embeddings(absl::GetFlag(FLAGS_token_embeddings));
  if (absl::GetFlag(FLAGS_truncate)) req.set_truncate(true);

  const Inputs inputs = BuildInputs(RawInputs(args), absl::GetFlag(FLAGS_ids));
  for (const v1::Input& in : inputs.inputs) *req.add_inputs() = in;
  v1::EmbedResponse resp;
  if (req.inputs_size() > 0) {
    auto r = client.Embed(req);
    if (!r.ok()) return Fail(absl::StrCat("Embed: ", r.status().ToString()));
    resp = *std::move(r);
  }
  bool any_error = false;
  json all = json::array();
  for (size_t i = 0; i < inputs.index.size(); ++i) {
    json j;
    if (inputs.index[i] < 0) {
      any_error = true;
      j = {{"error", inputs.errors[i]}};
    } else {
      j = EmbeddingJson(resp.embeddings(inputs.index[i]));
    }
    if (absl::GetFlag(FLAGS_json)) {
      all.push_back(std::move(j));
    } else {
      std::printf("%s\n", Dump(j).c_str());
    }
  }
  if (absl::GetFlag(FLAGS_json)) {
    json out = MessageJson(resp);
    out["embeddings"] = std::move(all);
    std::printf("%s\n", Dump(out).c_str());
  }
  return any_error ? 1 : 0;
}

// One line per raw input, in order: `answer(k)` for the k-th sent input, the error in place of
// one that was not sent. Exit code 1 when any input had an error.
int PrintInPlace(const Inputs& inputs, const std::function<json(int)>& answer) {
  bool any_error = false;
  for (size_t i = 0; i < inputs.index.size(); ++i) {
    if (inputs.index[i] < 0) {
      any_error = true;
      std::printf("%s\n", Dump(json{{"error", inputs.errors[i]}}).c_str());
    } else {
      std::printf("%s\n", Dump(answer(inputs.index[i])).c_str());
    }
  }
  return any_error ? 1 : 0;
}

int Tokenize(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::TokenizeRequest req;
  req.set_add_special_tokens(true);
  req.set_truncate(absl::GetFlag(FLAGS_truncate));
  const Inputs inputs = BuildInputs(RawInputs(args), /*ids=*/false);
  for (const v1::Input& in : inputs.inputs) *req.add_inputs() = in;
  v1::TokenizeResponse resp;
  if (req.inputs_size() > 0) {
    auto r = client.Tokenize(req);
    if (!r.ok()) return Fail(absl::StrCat("Tokenize: ", r.status().ToString()));
    resp = *std::move(r);
  }
  return PrintInPlace(inputs, [&](int k) { return TokensJson(resp.tokens(k)); });
}

int Decode(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::DecodeRequest req;
  req.set_skip_special_tokens(!absl::GetFlag(FLAGS_keep_special_tokens));
  const Inputs inputs = BuildInputs(RawInputs(args), /*ids=*/true);
  for (const v1::Input& in : inputs.inputs) *req.add_inputs() = in.token_ids();
  v1::DecodeResponse resp;
  if (req.inputs_size() > 0) {
    auto r = client.Decode(req);
    if (!r.ok()) return Fail(absl::StrCat("Decode: ", r.status().ToString()));
    resp = *std::move(r);
  }
  return PrintInPlace(inputs, [&](int k) { return json{{"text", resp.texts(k)}}; });
}

int Rerank(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::RerankRequest req;
  req.set_query(absl::GetFlag(FLAGS_query));
  if (req.query().empty()) return Fail("rerank: --query is required", 2);
  req.set_top_n(static_cast<uint32_t>(std::max(0, absl::GetFlag(FLAGS_top_n))));
  req.set_return_text(absl::GetFlag(FLAGS_return_text));
  req.set_raw_scores(absl::GetFlag(FLAGS_raw_scores));
  if (absl::GetFlag(FLAGS_truncate)) req.set_truncate(true);
  // Every text is sent, blank ones too: the server names the one it refuses.
  for (const RawInput& r : RawInputs(args)) req.add_texts(r.text);
  auto resp = client.Rerank(req);
  if (!resp.ok()) return Fail(absl::StrCat("Rerank: ", resp.status().ToString()));
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", Dump(MessageJson(*resp)).c_str());
    return 0;
  }
  for (const v1::Rank& rank : resp->ranks()) {
    json j = {{"index", rank.index()}, {"score", rank.score()}};
    if (rank.has_text()) j["text"] = rank.text();
    std::printf("%s\n", Dump(j).c_str());
  }
  return 0;
}

int Predict(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::PredictRequest req;
  req.set_raw_scores(absl::GetFlag(FLAGS_raw_scores));
  if (absl::GetFlag(FLAGS_truncate)) req.set_truncate(true);
  const Inputs inputs = BuildInputs(RawInputs(args), /*ids=*/false);
  for (const v1::Input& in : inputs.inputs) *req.add_inputs() = in;
  v1::PredictResponse resp;
  if (req.inputs_size() > 0) {
    auto r = client.Predict(req);
    if (!r.ok()) return Fail(absl::StrCat("Predict: ", r.status().ToString()));
    resp = *std::move(r);
  }
  return PrintInPlace(inputs, [&](int k) {
    json preds = json::array();
    for (const v1::Prediction& p : resp.results(k).predictions()) {
      preds.push_back({{"label", p.label()}, {"score", p.score()}});
    }
    return json{{"predictions", std::move(preds)}};
  });
}

// Info in the vocabulary; dtypes lowercase whatever the server sent (older servers: "F32").
json InfoJson(const v1::InfoResponse& info) {
  json j = MessageJson(info);
  std::string w = absl::AsciiStrToLower(info.weights_dtype());
  if (w == "f32") w = "fp32";
  if (w == "f16") w = "fp16";
  j["weights_dtype"] = w;
  j["dtype"] = absl::AsciiStrToLower(info.dtype());
  return j;
}

absl::StatusOr<std::vector<double>> ParseList(const std::string& text, const char* flag) {
  std::vector<double> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    double v;
    if (!absl::SimpleAtod(part, &v) || v <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": '", part, "' is not a positive number"));
    }
    out.push_back(v);
  }
  return out;
}

int Load(EmbedderClient& client) {
  auto info = client.Info();
  if (!info.ok()) return Fail(absl::StrCat("Info: ", info.status().ToString()));
  LoadOptions o;
  o.vocab_size = static_cast<int>(info->vocab_size());
  o.max_input_length = static_cast<int>(info->max_input_length());
  o.duration = absl::Seconds(absl::GetFlag(FLAGS_duration));
  o.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup));
  o.inputs_per_request = std::max(1, absl::GetFlag(FLAGS_inputs_per_request));
  o.text = absl::GetFlag(FLAGS_text);
  if (o.text) {
    v1::TokenizeRequest req;  // keep the words this model's vocabulary has as one token
    for (const std::string& w : CandidateWords()) req.add_inputs()->set_text(w);
    auto resp = client.Tokenize(req);
    if (!resp.ok()) return Fail(absl::StrCat("Tokenize: ", resp.status().ToString()));
    for (int i = 0; i < resp->tokens_size(); ++i) {
      if (resp->tokens(i).ids_size() == 1) o.words.push_back(CandidateWords()[i]);
    }
    if (o.words.empty()) return Fail("--text: no candidate word is a single token of this model");
  }
  std::vector<std::string> range = absl::StrSplit(absl::GetFlag(FLAGS_lengths), ':');
  if (range.size() != 2 || !absl::SimpleAtoi(range[0], &o.min_tokens) ||
      !absl::SimpleAtoi(range[1], &o.max_tokens) || o.min_tokens < 2 ||
      o.max_tokens < o.min_tokens || o.max_tokens > o.max_input_length) {
    return Fail(
        absl::StrCat("--lengths must be MIN:MAX with 2 <= MIN <= MAX <= ", o.max_input_length), 2);
  }
  auto concurrency = ParseList(absl::GetFlag(FLAGS_concurrency), "concurrency");
  auto rates = ParseList(absl::GetFlag(FLAGS_rate), "rate");
  if (!concurrency.ok()) return Fail(std::string(concurrency.status().message()), 2);
  if (!rates.ok()) return Fail(std::string(rates.status().message()), 2);
  if (concurrency->empty() && rates->empty()) return Fail("give --concurrency or --rate", 2);

  std::vector<std::unique_ptr<EmbedderClient>> clients;
  for (int c = 0; c < std::max(1, absl::GetFlag(FLAGS_channels)); ++c) {
    auto opts = OptionsFromFlags(/*channel_id=*/c + 1);
    if (!opts.ok()) return Fail(std::string(opts.status().message()));
    opts->retry_unavailable = false;  // count refusals, do not hide them
    auto cl = EmbedderClient::Create(*opts);
    if (!cl.ok()) return Fail(std::string(cl.status().message()));
    clients.push_back(std::move(*cl));
  }
  const bool as_json = absl::GetFlag(FLAGS_json);
  if (!as_json) {
    std::printf("# %s: model %s, inputs of %d..%d tokens x %d per request, %.0f s per level\n",
                absl::GetFlag(FLAGS_target).c_str(), info->model_id().c_str(), o.min_tokens,
                o.max_tokens, o.inputs_per_request, absl::GetFlag(FLAGS_duration));
    std::printf("%s\n", LoadTableHeader().c_str());
  }
  std::vector<std::string> rows;
  auto emit = [&](const LoadResult& r) {
    if (as_json) {
      rows.push_back(LoadResultToJson(r));
    } else {
      std::printf("%s\n", LoadTableRow(r).c_str());
      std::fflush(stdout);
    }
  };
  for (double c : *concurrency) emit(RunClosedLoop(clients, static_cast<int>(c), o));
  for (double r : *rates) emit(RunOpenLoop(clients, r, o));
  if (as_json) std::printf("[%s]\n", absl::StrJoin(rows, ",\n").c_str());
  return 0;
}

}  // namespace
}  // namespace attnserve::client

// gRPC's own log lines ("E1202 ... Handshake failed with fatal error ...") say what the failed
// call's status already says, and the CLI adds which side refused what; they stay out of the
// terminal unless GRPC_VERBOSITY asks for gRPC's logging.
void DropGrpcLog(gpr_log_func_args*) {}

int main(int argc, char** argv) {
  using namespace attnserve::client;  // NOLINT
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function(&DropGrpcLog);
  const attnserve::ProgramSpec program = Program();
  const attnserve::CommandSpec* spec = nullptr;
  std::vector<std::string> args = attnserve::ParseCommandLine(program, argc, argv, &spec);
  const std::string& command = spec->name;
  if (command != "embed" && command != "tokenize" && command != "decode" &&
      command != "rerank" && command != "predict" && !args.empty()) {
    return Fail(absl::StrCat(command, ": unexpected argument '", args[0], "'"), 2);
  }
  auto options = OptionsFromFlags();
  if (!options.ok()) return Fail(std::string(options.status().message()), 2);
  auto client = EmbedderClient::Create(*options);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  if (command == "embed") return Embed(**client, args);
  if (command == "tokenize") return Tokenize(**client, args);
  if (command == "decode") return Decode(**client, args);
  if (command == "rerank") return Rerank(**client, args);
  if (command == "predict") return Predict(**client, args);
  if (command == "info") {
    auto info = (*client)->Info();
    if (!info.ok()) return Fail(absl::StrCat("Info: ", info.status().ToString()));
    std::printf("%s\n", Dump(InfoJson(*info)).c_str());
    return 0;
  }
  if (command == "health") {
    auto h = (*client)->Health(absl::GetFlag(FLAGS_service));
    if (!h.ok()) return Fail(absl::StrCat("Health: ", h.status().ToString()));
    std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*h).c_str());
    return *h == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  return Load(**client);
}
