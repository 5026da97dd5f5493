// The HTTP/JSON front end's translation layer: the bodies of OpenAI's `/v1/embeddings` and of
// text-embeddings-inference's routes (/embed, /embed_all, /rerank, /predict, /tokenize, /decode,
// /info) to and from
// attnserve.v1 messages, and absl::Status to an HTTP status with a JSON error body.
//
// Only the shape is checked here (JSON syntax, field types, enum values). What an input means —
// empty text, too many inputs, ids outside the vocabulary, too long, dimensions — is checked by
// the request layer (server/requests/embed_request.h) exactly as for gRPC, so that both front
// ends accept and refuse the same requests with the same messages.
//
// Pure functions; no I/O, no Beast. Thread-safe.
#ifndef ATTNSERVE_SERVER_HTTP_HTTP_API_H_
#define ATTNSERVE_SERVER_HTTP_HTTP_API_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "server/requests/embed_request.h"

#include "attnserve/v1/attnserve.pb.h"

namespace attnserve::http {

// The two error vocabularies of the routes.
enum class ApiStyle {
  kOpenAi,  // {"error": {"message", "type", "param", "code"}}
  kTei,     // {"error": "...", "error_type": "Validation" | "Overloaded" | ...}
};

// OpenAI's encoding_format.
enum class EncodingFormat { kFloat, kBase64 };

struct OpenAiEmbeddings {
  v1::EmbedRequest request;
  EncodingFormat encoding = EncodingFormat::kFloat;
};

// POST /v1/embeddings. `input`: a string, a list of strings, a list of token ids (one input) or a
// list of lists of token ids; `encoding_format` "float" (default) or "base64"; `dimensions` >= 1;
// `model` and `user` are accepted and ignored (one model is served; the response names it).
// Token ids are the served model's vocabulary ids, used as given (no special tokens added).
absl::StatusOr<OpenAiEmbeddings> ParseOpenAiEmbeddings(absl::string_view body);

// The response body of a finished /v1/embeddings request.
std::string OpenAiEmbeddingsResponse(const v1::EmbedResponse& response, EncodingFormat encoding,
                                     absl::string_view model);

// GET /v1/models.
std::string OpenAiModelsResponse(absl::string_view model);

// TEI's POST /embed (and POST /, as TEI serves it for embedding models): `inputs` a string, a
// list of token ids, or a list of strings and lists of token ids; `normalize` (default true, as
// TEI), `truncate` (null: the server's --truncate), `truncation_direction` "right" | "left",
// `dimensions`, `prompt_name` (a sentence-transformers prompt of the model; null: the server's
// default; a name the model lacks is the request layer's 400). `all` = /embed_all:
// the last hidden state of every token instead of the pooled vector (no `normalize`).
absl::StatusOr<v1::EmbedRequest> ParseTeiEmbed(absl::string_view body, bool all);

// [[float, ...], ...] for /embed; [[[float, ...] per token], ...] for /embed_all.
std::string TeiEmbedResponse(const v1::EmbedResponse& response, bool all);

// TEI's POST /rerank: `query`, `texts` (strings), `truncate`, `truncation_direction`,
// `raw_scores`, `return_text`, and `top_n` (>= 1; not TEI's: the best N only).
absl::StatusOr<v1::RerankRequest> ParseTeiRerank(absl::string_view body);
// [{"index", "score"[, "text"]}, ...], best first.
std::string TeiRerankResponse(const v1::RerankResponse& response);

// TEI's POST /predict: `inputs` a text, a pair [text, text_pair], or a list of those (a batch);
// `truncate`, `truncation_direction`, `raw_scores`.
struct TeiPredict {
  v1::PredictRequest request;
  bool batch = false;  // `inputs` was a list of inputs: the response is a list of lists
};
absl::StatusOr<TeiPredict> ParseTeiPredict(absl::string_view body);
// [{"score", "label"}, ...] (every label, best first) for one input; a list of those for a batch.
std::string TeiPredictResponse(const v1::PredictResponse& response, bool batch);

// TEI's POST /tokenize: `inputs` a string or a list of strings, `add_special_tokens` (default
// true), `prompt_name` (refused: /tokenize shows the text as sent).
absl::StatusOr<v1::TokenizeRequest> ParseTeiTokenize(absl::string_view body);

// [[{"id", "text", "special", "start", "stop"}, ...], ...] with TEI's meaning: `text` is the
// input's bytes [start, stop) for a token of the input; a special token has its own text and
// null start and stop. `request` is the one the response answers.
std::string TeiTokenizeResponse(const v1::TokenizeRequest& request,
                                const v1::TokenizeResponse& response);

// TEI's POST /decode: `ids` a list of ids or a list of lists, `skip_special_tokens` (default
// true).
absl::StatusOr<v1::DecodeRequest> ParseTeiDecode(absl::string_view body);

// ["text", ...].
std::string TeiDecodeResponse(const v1::DecodeResponse& response);

// GET /info: TEI's fields (model_id, model_dtype, model_type, max_input_length,
// max_batch_tokens, max_client_batch_size, auto_truncate, tokenization_workers, version, ...)
// from Info.
std::string TeiInfoResponse(const v1::InfoResponse& info, bool auto_truncate,
                            int tokenization_workers);

// The OpenAPI 3 document of every route (server/http/openapi.json), served at GET /openapi.json.
absl::string_view OpenApiDocument();

// The HTTP status of an error: InvalidArgument / FailedPrecondition / OutOfRange 400,
// Unauthenticated 401, PermissionDenied 403, NotFound 404, ResourceExhausted 429 (queue or
// tokenization pool full), Cancelled 499, Unimplemented 501, Unavailable 503 (loading,
// draining), DeadlineExceeded 504, anything else 500.
int HttpStatusOf(const absl::Status& status);

// The JSON body of an error in the route's vocabulary; the message is the status's (it names
// the input and the limit). `param`: the request field the error is about ("" = the one the
// status records, if any); `http_status`: the response's status (0 = HttpStatusOf(status)).
std::string ErrorBody(ApiStyle style, const absl::Status& status, absl::string_view param = "",
                      int http_status = 0);

}  // namespace attnserve::http

#endif  // ATTNSERVE_SERVER_HTTP_HTTP_API_H_
