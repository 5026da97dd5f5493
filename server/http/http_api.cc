#include "server/http/http_api.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include "core/util/error_detail.h"

namespace attnserve::http {
namespace {

using nlohmann::json;
// Responses' small parts (the vectors are written by AppendFloats): float32 numbers, so that a
// float prints as itself (a double would print 0.10000000149011612).
using OutJson = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t,
                                     std::uint64_t, float>;

// The request field an error is about travels as a payload, so that ErrorBody can name it.
constexpr char kParamPayload[] = "type.attnserve.dev/http.param";

absl::Status FieldError(absl::string_view param, absl::string_view message) {
  absl::Status s = absl::InvalidArgumentError(message);
  s.SetPayload(kParamPayload, absl::Cord(param));
  return s;
}

absl::StatusOr<json> ParseBody(absl::string_view body) {
  if (body.empty()) return FieldError("", "the request body is empty: send a JSON object");
  json j;
  try {
    j = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    // e.what() names the byte offset and what the parser expected (also for invalid UTF-8).
    return FieldError("", absl::StrCat("the request body is not valid JSON: ", e.what()));
  }
  if (!j.is_object()) {
    return FieldError("", absl::StrCat("the request body must be a JSON object; was a ",
                                       j.type_name()));
  }
  return j;
}

const json* Find(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status ReadBool(const json& j, const char* key, bool& out) {
  const json* v = Find(j, key);
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_boolean()) {
    return FieldError(key, absl::StrCat("'", key, "' must be true or false; was a ",
                                        v->type_name()));
  }
  out = v->get<bool>();
  return absl::OkStatus();
}

// A positive integer field (dimensions); absent -> 0.
absl::Status ReadDimensions(const json& j, uint32_t& out) {
  const json* v = Find(j, "dimensions");
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_number_integer() || v->get<int64_t>() < 1 ||
      v->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
    return FieldError("dimensions", absl::StrCat("'dimensions' must be an integer >= 1; was ",
                                                 v->dump()));
  }
  out = static_cast<uint32_t>(v->get<int64_t>());
  return absl::OkStatus();
}

// TEI's `prompt_name` (null: the server's default prompt). Whether the model has it is the
// request layer's check (an unknown name is a 400 naming it and the model's prompts).
absl::Status ReadPromptName(const json& j, v1::EmbedRequest& r) {
  const json* v = Find(j, "prompt_name");
  if (v == nullptr) return absl::OkStatus();
  if (!v->is_string() || v->get<std::string>().empty()) {
    return FieldError("prompt_name", absl::StrCat("'prompt_name' must be a non-empty string or "
                                                  "null; was ", v->dump()));
  }
  r.set_prompt_name(v->get<std::string>());
  return absl::OkStatus();
}

// /tokenize shows the tokens of the text as sent: no prompt.
absl::Status RefusePromptName(const json& j) {
  const json* v = Find(j, "prompt_name");
  if (v == nullptr) return absl::OkStatus();
  return FieldError("prompt_name",
                    absl::StrCat("'prompt_name' ", v->dump(),
                                 " is not supported by /tokenize; prepend the prompt to the text"));
}

// TEI's `truncate` (null: the server's --truncate) and `truncation_direction` ("right" |
// "left") into any request with those two fields.
template <typename Request>
absl::Status ReadTruncation(const json& j, Request& r) {
  if (const json* t = Find(j, "truncate"); t != nullptr) {
    bool truncate = false;
    if (absl::Status s = ReadBool(j, "truncate", truncate); !s.ok()) return s;
    r.set_truncate(truncate);
  }
  if (const json* d = Find(j, "truncation_direction"); d != nullptr) {
    const std::string dir = d->is_string() ? absl::AsciiStrToLower(d->get<std::string>()) : "";
    if (dir == "right") {
      r.set_truncation_direction(v1::TRUNCATION_DIRECTION_RIGHT);
    } else if (dir == "left") {
      r.set_truncation_direction(v1::TRUNCATION_DIRECTION_LEFT);
    } else {
      return FieldError("truncation_direction",
                        absl::StrCat("'truncation_direction' must be \"right\" or \"left\"; was ",
                                     d->dump()));
    }
  }
  return absl::OkStatus();
}

// A string field; absent -> "" unless `required`.
absl::Status ReadString(const json& j, const char* key, bool required, std::string& out) {
  const json* v = Find(j, key);
  if (v == nullptr) {
    if (required) return FieldError(key, absl::StrCat("'", key, "' is missing"));
    return absl::OkStatus();
  }
  if (!v->is_string()) {
    return FieldError(key, absl::StrCat("'", key, "' must be a string; was a ", v->type_name()));
  }
  out = v->get<std::string>();
  return absl::OkStatus();
}

bool IsTokenId(const json& v) { return v.is_number_integer(); }

// One list of token ids into `ids`; `where` names it in errors ("input[2]").
absl::Status ReadIds(const json& list, absl::string_view param, absl::string_view where,
                     v1::TokenIds& ids) {
  for (size_t i = 0; i < list.size(); ++i) {
    const json& v = list[i];
    if (!IsTokenId(v)) {
      return FieldError(param, absl::StrCat(where, "[", i, "] must be a token id (an integer); was ",
                                            v.is_string() ? "a string" : v.dump()));
    }
    const int64_t id = v.get<int64_t>();
    if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
      // The vocabulary check (request layer) names the vocabulary size; this one keeps the value
      // representable.
      return FieldError(param, absl::StrCat(where, "[", i, "] = ", id,
                                            " is not a token id (must be in [0, 2^31))"));
    }
    ids.add_ids(static_cast<int32_t>(id));
  }
  return absl::OkStatus();
}

// OpenAI's `input` and TEI's `inputs`: a string, a list of token ids (one input), or a list whose
// elements are strings or lists of token ids. OpenAI documents a list of lists of ids, TEI mixed
// lists; both read the same.
absl::Status ReadInputs(const json& j, const char* param,
                        google::protobuf::RepeatedPtrField<v1::Input>& out) {
  const json* v = Find(j, param);
  if (v == nullptr) {
    return FieldError(param, absl::StrCat("'", param, "' is missing: send a string, a list of "
                                          "strings or token ids"));
  }
  if (v->is_string()) {
    out.Add()->set_text(v->get<std::string>());
    return absl::OkStatus();
  }
  if (!v->is_array()) {
    return FieldError(param, absl::StrCat("'", param, "' must be a string or a list; was a ",
                                          v->type_name()));
  }
  if (v->empty()) {
    return FieldError(param, absl::StrCat("'", param, "' is an empty list: send at least one "
                                          "input"));
  }
  if (IsTokenId(v->front())) {
    return ReadIds(*v, param, param, *out.Add()->mutable_token_ids());
  }
  for (size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    const std::string where = absl::StrCat(param, "[", i, "]");
    if (e.is_string()) {
      out.Add()->set_text(e.get<std::string>());
    } else if (e.is_array()) {
      if (absl::Status s = ReadIds(e, param, where, *out.Add()->mutable_token_ids()); !s.ok()) {
        return s;
      }
    } else {
      return FieldError(param, absl::StrCat(where, " must be a string or a list of token ids; "
                                            "was ", e.dump()));
    }
  }
  return absl::OkStatus();
}

// The vectors are most of a response, and most of its cost: written straight into the output,
// each value in the shortest form that reads back as the same float32 (std::to_chars): several
// times faster than building them as nlohmann values (bench/http_json_bench; the figures are in
// server/http/README.md). A value that is not finite has no JSON form: null.
void AppendFloats(std::string& out, const google::protobuf::RepeatedField<float>& values,
                  int begin, int end) {
  out.push_back('[');
  char buf[32];
  for (int i = begin; i < end; ++i) {
    if (i > begin) out.push_back(',');
    const float v = values[i];
    if (!std::isfinite(v)) {
      out.append("null");
      continue;
    }
    const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
  out.push_back(']');
}

// A JSON string literal (quoted, escaped).
std::string Quoted(absl::string_view s) {
  return OutJson(std::string(s)).dump(-1, ' ', false, OutJson::error_handler_t::replace);
}

// OpenAI's base64: the little-endian float32 bytes of the vector (numpy.frombuffer(...,
// dtype="float32") in the SDK).
std::string Base64Floats(const google::protobuf::RepeatedField<float>& values) {
  static_assert(sizeof(float) == 4);
  std::string bytes(static_cast<size_t>(values.size()) * 4, '\0');
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());  // x86: LE
  return absl::Base64Escape(bytes);
}

}  // namespace

absl::StatusOr<OpenAiEmbeddings> ParseOpenAiEmbeddings(absl::string_view body) {
  absl::StatusOr<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  OpenAiEmbeddings out;
  if (absl::Status s = ReadInputs(*j, "input", *out.request.mutable_inputs()); !s.ok()) return s;
  if (const json* f = Find(*j, "encoding_format"); f != nullptr) {
    if (f->is_string() && f->get<std::string>() == "float") {
      out.encoding = EncodingFormat::kFloat;
    } else if (f->is_string() && f->get<std::string>() == "base64") {
      out.encoding = EncodingFormat::kBase64;
    } else {
      return FieldError("encoding_format", absl::StrCat("'encoding_format' must be \"float\" or "
                                                        "\"base64\"; was ", f->dump()));
    }
  }
  uint32_t dims = 0;
  if (absl::Status s = ReadDimensions(*j, dims); !s.ok()) return s;
  out.request.set_dimensions(dims);
  for (const char* key : {"model", "user"}) {
    if (const json* v = Find(*j, key); v != nullptr && !v->is_string()) {
      return FieldError(key, absl::StrCat("'", key, "' must be a string; was a ", v->type_name()));
    }
  }
  return out;
}

std::string OpenAiEmbeddingsResponse(const v1::EmbedResponse& response, EncodingFormat encoding,
                                     absl::string_view model) {
  std::string out = R"({"object":"list","data":[)";
  for (int i = 0; i < response.embeddings_size(); ++i) {
    const auto& values = response.embeddings(i).values();
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, R"({"object":"embedding","index":)", i, R"(,"embedding":)");
    if (encoding == EncodingFormat::kBase64) {
      absl::StrAppend(&out, "\"", Base64Floats(values), "\"");  // base64 needs no escaping
    } else {
      AppendFloats(out, values, 0, values.size());
    }
    out.push_back('}');
  }
  const uint32_t tokens = response.usage().prompt_tokens();
  absl::StrAppend(&out, R"(],"model":)", Quoted(model), R"(,"usage":{"prompt_tokens":)", tokens,
                  R"(,"total_tokens":)", tokens, "}}");
  return out;
}

std::string OpenAiModelsResponse(absl::string_view model) {
  OutJson m = {{"id", std::string(model)},
               {"object", "model"},
               {"created", 0},
               {"owned_by", "attnserve"}};
  OutJson out = {{"object", "list"}, {"data", OutJson::array({m})}};
  return out.dump();
}

absl::StatusOr<v1::EmbedRequest> ParseTeiEmbed(absl::string_view body, bool all) {
  absl::StatusOr<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  v1::EmbedRequest r;
  if (absl::Status s = ReadInputs(*j, "inputs", *r.mutable_inputs()); !s.ok()) return s;
  if (absl::Status s = ReadTruncation(*j, r); !s.ok()) return s;
  if (absl::Status s = ReadPromptName(*j, r); !s.ok()) return s;
  if (all) {
    r.set_return_token_embeddings(true);
  } else {
    bool normalize = true;  // TEI's default, whatever the model's
    if (absl::Status s = ReadBool(*j, "normalize", normalize); !s.ok()) return s;
    r.set_normalize(normalize);
    uint32_t dims = 0;
    if (absl::Status s = ReadDimensions(*j, dims); !s.ok()) return s;
    r.set_dimensions(dims);
  }
  return r;
}

absl::StatusOr<v1::RerankRequest> ParseTeiRerank(absl::string_view body) {
  absl::StatusOr<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  v1::RerankRequest r;
  if (absl::Status s = ReadString(*j, "query", /*required=*/true, *r.mutable_query()); !s.ok()) {
    return s;
  }
  const json* texts = Find(*j, "texts");
  if (texts == nullptr) return FieldError("texts", "'texts' is missing");
  if (!texts->is_array()) {
    return FieldError("texts", absl::StrCat("'texts' must be a list of strings; was a ",
                                            texts->type_name()));
  }
  for (size_t i = 0; i < texts->size(); ++i) {
    if (!(*texts)[i].is_string()) {
      return FieldError("texts", absl::StrCat("texts[", i, "] must be a string; was a ",
                                              (*texts)[i].type_name()));
    }
    r.add_texts((*texts)[i].get<std::string>());
  }
  if (absl::Status s = ReadTruncation(*j, r); !s.ok()) return s;
  bool raw = false, return_text = false;
  if (absl::Status s = ReadBool(*j, "raw_scores", raw); !s.ok()) return s;
  if (absl::Status s = ReadBool(*j, "return_text", return_text); !s.ok()) return s;
  r.set_raw_scores(raw);
  r.set_return_text(return_text);
  if (const json* n = Find(*j, "top_n"); n != nullptr) {
    if (!n->is_number_integer() || n->get<int64_t>() < 1 ||
        n->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return FieldError("top_n", absl::StrCat("'top_n' must be an integer >= 1; was ", n->dump()));
    }
    r.set_top_n(static_cast<uint32_t>(n->get<int64_t>()));
  }
  return r;
}

std::string TeiRerankResponse(const v1::RerankResponse& response) {
  OutJson out = OutJson::array();
  for (const v1::Rank& rank : response.ranks()) {
    OutJson r = {{"index", rank.index()}, {"score", rank.score()}};
    if (rank.has_text()) r["text"] = rank.text();
    out.push_back(std::move(r));
  }
  return out.dump();
}

namespace {

// One TEI predict sequence: "text" or ["text", "text_pair"].
absl::Status ReadPredictSequence(const json& v, absl::string_view where, v1::Input& in) {
  if (v.is_string()) {
    in.set_text(v.get<std::string>());
    return absl::OkStatus();
  }
  if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_string()) {
    in.set_text(v[0].get<std::string>());
    in.set_text_pair(v[1].get<std::string>());
    return absl::OkStatus();
  }
  return FieldError("inputs", absl::StrCat(where, " must be a string or a pair [text, text_pair] "
                                                  "of strings; was ",
                                           v.dump()));
}

}  // namespace

absl::StatusOr<TeiPredict> ParseTeiPredict(absl::string_view body) {
  absl::StatusOr<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  TeiPredict p;
  const json* inputs = Find(*j, "inputs");
  if (inputs == nullptr) return FieldError("inputs", "'inputs' is missing");
  // TEI's shapes: "a" and ["a", "b"] are one input (a text, a pair); any other list is a batch
  // of those (["a"] too).
  const bool single = inputs->is_string() || (inputs->is_array() && inputs->size() == 2 &&
                                              (*inputs)[0].is_string() && (*inputs)[1].is_string());
  if (single) {
    if (absl::Status s = ReadPredictSequence(*inputs, "inputs", *p.request.add_inputs()); !s.ok()) {
      return s;
    }
  } else {
    if (!inputs->is_array()) {
      return FieldError("inputs", absl::StrCat("'inputs' must be a string, a pair of strings or a "
                                               "list of them; was a ",
                                               inputs->type_name()));
    }
    p.batch = true;
    for (size_t i = 0; i < inputs->size(); ++i) {
      if (absl::Status s = ReadPredictSequence((*inputs)[i], absl::StrCat("inputs[", i, "]"),
                                               *p.request.add_inputs());
          !s.ok()) {
        return s;
      }
    }
  }
  if (absl::Status s = ReadTruncation(*j, p.request); !s.ok()) return s;
  bool raw = false;
  if (absl::Status s = ReadBool(*j, "raw_scores", raw); !s.ok()) return s;
  p.request.set_raw_scores(raw);
  return p;
}

std::string TeiPredictResponse(const v1::PredictResponse& response, bool batch) {
  OutJson out = OutJson::array();
  for (const v1::Predictions& result : response.results()) {
    OutJson preds = OutJson::array();
    for (const v1::Prediction& p : result.predictions()) {
      preds.push_back({{"score", p.score()}, {"label", p.label()}});
    }
    if (!batch) return preds.dump();
    out.push_back(std::move(preds));
  }
  return out.dump();
}

std::string TeiEmbedResponse(const v1::EmbedResponse& response, bool all) {
  std::string out = "[";
  for (int i = 0; i < response.embeddings_size(); ++i) {
    const v1::Embedding& e = response.embeddings(i);
    if (i > 0) out.push_back(',');
    if (!all) {
      AppendFloats(out, e.values(), 0, e.values_size());
      continue;
    }
    const v1::TokenEmbeddings& t = e.token_embeddings();
    const int dim = static_cast<int>(t.dim());
    out.push_back('[');
    for (int row = 0; row < static_cast<int>(t.num_tokens()); ++row) {
      if (row > 0) out.push_back(',');
      AppendFloats(out, t.values(), row * dim, (row + 1) * dim);
    }
    out.push_back(']');
  }
  out.push_back(']');
  return out;
}

absl::StatusOr<v1::TokenizeRequest> ParseTeiTokenize(absl::string_view body) {
  absl::StatusOr<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  v1::TokenizeRequest r;
  const json* v = Find(*j, "inputs");
  if (v == nullptr) return FieldError("inputs", "'inputs' is missing: send a string or a list of "
                                                "strings");
  if (v->is_string()) {
    r.add_inputs()->set_text(v->get<std::string>());
  } else if (v->is_array() && !v->empty()) {
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        return FieldError("inputs", absl::StrCat("inputs[", i, "] must be a string; was ",
                                                 (*v)[i].dump()));
      }
      r.add_inputs()->set_text((*v)[i].get<std::string>());
    }
  } else {
    return FieldError("inputs", absl::StrCat("'inputs' must be a string or a non-empty list of "
                                             "strings; was ", v->dump()));
  }
  bool add_special = true;
  if (absl::Status s = ReadBool(*j, "add_special_tokens", add_special); !s.ok()) return s;
  r.set_add_special_tokens(add_special);
  if (absl::Status s = RefusePromptName(*j); !s.ok()) return s;
  return r;
}

std::string TeiTokenizeResponse(const v1::TokenizeRequest& request,
                                const v1::TokenizeResponse& response) {
  OutJson out = OutJson::array();
  for (int i = 0; i < response.tokens_size(); ++i) {
    const v1::Tokens& t = response.tokens(i);
    const std::string& text = i < request.inputs_size() ? request.inputs(i).text() : "";
    OutJson list = OutJson::array();
    for (int k = 0; k < t.ids_size(); ++k) {
      const uint32_t start = k < t.offsets_start_size() ? t.offsets_start(k) : 0;
      const uint32_t stop = k < t.offsets_end_size() ? t.offsets_end(k) : 0;
      // A token that covers no byte of the input was added by the post-processor ([CLS]).
      const bool special = start >= stop || stop > text.size();
      OutJson tok = {{"id", t.ids(k)}, {"special", special}};
      if (special) {
        tok["text"] = k < t.tokens_size() ? t.tokens(k) : "";
        tok["start"] = nullptr;
        tok["stop"] = nullptr;
      } else {
        tok["text"] = text.substr(start, stop - start);
        tok["start"] = start;
        tok["stop"] = stop;
      }
      list.push_back(std::move(tok));
    }
    out.push_back(std::move(list));
  }
  // A token's bytes may split a character only if the tokenizer split one (byte-level BPE):
  // replace rather than fail.
  return out.dump(-1, ' ', false, OutJson::error_handler_t::replace);
}

absl::StatusOr<v1::DecodeRequest> ParseTeiDecode(absl::string_view body) {
  absl::StatusOr<json> j = ParseBody(body);
  if (!j.ok()) return j.status();
  v1::DecodeRequest r;
  const json* v = Find(*j, "ids");
  if (v == nullptr) return FieldError("ids", "'ids' is missing: send a list of token ids or a "
                                             "list of lists");
  if (!v->is_array() || v->empty()) {
    return FieldError("ids", absl::StrCat("'ids' must be a non-empty list of token ids or of "
                                          "lists of token ids; was ", v->dump()));
  }
  if (IsTokenId(v->front())) {
    if (absl::Status s = ReadIds(*v, "ids", "ids", *r.add_inputs()); !s.ok()) return s;
  } else {
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string where = absl::StrCat("ids[", i, "]");
      if (!(*v)[i].is_array()) {
        return FieldError("ids", absl::StrCat(where, " must be a list of token ids; was ",
                                              (*v)[i].dump()));
      }
      if (absl::Status s = ReadIds((*v)[i], "ids", where, *r.add_inputs()); !s.ok()) return s;
    }
  }
  bool skip = true;
  if (absl::Status s = ReadBool(*j, "skip_special_tokens", skip); !s.ok()) return s;
  r.set_skip_special_tokens(skip);
  return r;
}

std::string TeiDecodeResponse(const v1::DecodeResponse& response) {
  OutJson out = OutJson::array();
  for (const std::string& t : response.texts()) out.push_back(t);
  return out.dump(-1, ' ', false, OutJson::error_handler_t::replace);
}

std::string TeiInfoResponse(const v1::InfoResponse& info, bool auto_truncate,
                            int tokenization_workers) {
  std::string pooling;
  switch (info.default_pooling()) {
    case v1::POOLING_CLS:
      pooling = "cls";
      break;
    case v1::POOLING_MAX:
      pooling = "max";
      break;
    case v1::POOLING_MEAN_SQRT_LEN:
      pooling = "mean_sqrt_len";
      break;
    case v1::POOLING_WEIGHTED_MEAN:
      pooling = "weighted_mean";
      break;
    case v1::POOLING_LAST_TOKEN:
      pooling = "last_token";  // TEI's spelling
      break;
    default:
      pooling = "mean";
  }
  OutJson out = {
      {"model_id", info.model_id()},
      {"model_sha", nullptr},
      {"model_dtype", info.dtype()},
      {"model_type", {{"embedding", {{"pooling", pooling}}}}},
      {"max_concurrent_requests", info.batching().max_inputs_per_request()},
      {"max_input_length", info.max_input_length()},
      {"max_batch_tokens", info.batching().max_batch_tokens()},
      {"max_batch_requests", info.batching().max_batch_size()},
      {"max_client_batch_size", info.batching().max_inputs_per_request()},
      {"auto_truncate", auto_truncate},
      {"tokenization_workers", tokenization_workers},
      {"version", info.server_version()},
      {"sha", nullptr},
      {"docker_label", nullptr},
      // attnserve's own, beside TEI's
      {"architecture", info.architecture()},
      {"hidden_size", info.hidden_size()},
      {"default_normalize", info.default_normalize()},
      {"has_tokenizer", info.has_tokenizer()},
  };
  return out.dump();
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorBody(ApiStyle style, const absl::Status& status, absl::string_view param,
                      int http_status) {
  std::string p(param);
  const auto detail = core::GetErrorDetail(status);
  if (p.empty()) {
    if (auto payload = status.GetPayload(kParamPayload); payload.has_value()) {
      p = std::string(*payload);
    } else if (detail.has_value() &&
               (detail->input >= 0 || detail->kind == core::ErrorKind::kTooManyInputs)) {
      p = style == ApiStyle::kOpenAi ? "input" : "inputs";  // the request layer's "input N"
    }
  }
  const int http = http_status != 0 ? http_status : HttpStatusOf(status);
  if (style == ApiStyle::kTei) {
    // TEI's error_type vocabulary.
    const char* type = "Backend";
    if (http == 400 || http == 404 || http == 413) type = "Validation";
    if (http == 401 || http == 403) type = "Unauthorized";
    if (http == 429) type = "Overloaded";
    if (http == 503 || http == 504) type = "Unhealthy";
    if (status.code() == absl::StatusCode::kFailedPrecondition) type = "Tokenizer";
    return OutJson({{"error", std::string(status.message())}, {"error_type", type}})
        .dump(-1, ' ', false, OutJson::error_handler_t::replace);
  }
  // OpenAI's: type is the error class, code a machine-readable string.
  const char* type = "server_error";
  if (http == 400 || http == 404 || http == 413) type = "invalid_request_error";
  if (http == 401 || http == 403) type = "authentication_error";
  if (http == 429) type = "rate_limit_error";
  if (http == 503) type = "service_unavailable";
  if (http == 504) type = "timeout";
  std::string code = absl::AsciiStrToLower(absl::StatusCodeToString(status.code()));
  if (http == 413) code = "payload_too_large";
  if (detail.has_value()) {
    if (detail->kind == core::ErrorKind::kTooLong) code = "input_too_long";
    if (detail->kind == core::ErrorKind::kTooManyInputs) code = "too_many_inputs";
    if (detail->kind == core::ErrorKind::kQueueFull) code = "queue_full";
    if (detail->kind == core::ErrorKind::kResponseTooLarge) code = "response_too_large";
  }
  OutJson error = {{"message", std::string(status.message())},
                   {"type", type},
                   {"param", p.empty() ? OutJson(nullptr) : OutJson(p)},
                   {"code", code}};
  return OutJson({{"error", std::move(error)}})
      .dump(-1, ' ', false, OutJson::error_handler_t::replace);
}

}  // namespace attnserve::http
