// From request messages (attnserve.v1, whatever front end they came through) to model work and
// back: validation against the ModelSpec (limits, enums, ids), tokenization of text inputs,
// truncation, and the response of a finished job. No gRPC here: pure functions of the request,
// testable on their own; errors are absl::Status with the code the client gets, a message
// naming the input and the limit, and an ErrorDetail (core/util/error_detail.h) for callers.
#ifndef ATTNSERVE_SERVER_REQUESTS_EMBED_REQUEST_H_
#define ATTNSERVE_SERVER_REQUESTS_EMBED_REQUEST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

#include "core/batching/embed_job.h"
#include "core/model/accuracy_gate.h"
#include "core/model/model_spec.h"
#include "core/tokenizer/tokenizer.h"

#include "attnserve/v1/attnserve.pb.h"

namespace attnserve {

// A sentence-transformers prompt as the server applies it.
struct ServingPrompt {
  std::string name;
  std::string text;  // prepended to the input text
  // Leading tokens of prompt + text that are the prompt's: its tokens with the template's
  // leading special tokens, without a trailing one (sentence-transformers' prompt_length).
  int length = 0;
};

// What the handlers need to know of the served model. Immutable; shared by all threads.
struct ServingModel {
  std::string name;
  core::ModelSpec spec;
  std::shared_ptr<const core::Tokenizer> tokenizer;  // null: token_ids inputs only
  // The accuracy gate's figures when the compute dtype is not fp32.
  absl::optional<core::AccuracyReport> accuracy;
  // spec.defaults.prompts with their lengths (SetUpPrompts), and the one a request without
  // prompt_name gets (-1: none).
  std::vector<ServingPrompt> prompts;
  int default_prompt = -1;
};


struct RequestLimits {
  int max_inputs_per_request = 512;
  // Tokens per input, special tokens included; <= the model's max_position_embeddings.
  int max_input_length = 512;
  // Used when a request leaves `truncate` unset.
  bool truncate_by_default = false;
  // Largest response the front end can send (gRPC: --max-message-bytes); 0 = no limit. A request
  // whose response would be larger is refused before it is computed.
  int64_t max_response_bytes = 0;
};

// Fills model.prompts from model.spec.defaults (the prompts tokenized with model.tokenizer,
// truncated to limits.max_input_length as sentence-transformers does) and picks the default:
// `default_prompt_name` when not empty (the server's --default-prompt-name), else the model's
// default_prompt_name. InvalidArgument naming it and listing the model's prompts when the model
// has no prompt of that name; FailedPrecondition when a non-empty prompt needs a tokenizer the
// model lacks.
absl::Status SetUpPrompts(ServingModel& model, const RequestLimits& limits,
                          absl::string_view default_prompt_name);

struct PreparedEmbed {
  std::vector<core::SequenceInput> inputs;
  core::OutputSpec spec;
  int truncated = 0;  // inputs cut to max_input_length
  int64_t tokens = 0;
};

// One input -> token ids, validated and (when `truncate`) truncated to limits.max_input_length,
// exactly as an Embed request's input is: empty text, text without a tokenizer, invalid UTF-8,
// text_pair on token_ids, type ids not matching ids, ids outside the model's tables, too long
// without truncation (the message ends with "(<truncate_hint>)"). Errors are worded as
// predicates ("has empty text"): name the input with core::ForSubject / core::ForInput. Shared
// with `attnserve encode`, so that the offline command accepts what the server accepts.
// `prompt` (may be null) is prepended to a text input's text (not to text_pair), and its
// length becomes the input's pool_skip when the model's Pooling has include_prompt false; token
// ids are used as given.
absl::StatusOr<core::SequenceInput> PrepareInput(
    const v1::Input& in, const ServingModel& model, const RequestLimits& limits, bool truncate,
    core::TruncationDirection direction,
    absl::string_view truncate_hint = "set truncate to cut it",
    const ServingPrompt* prompt = nullptr);

// Validates `request` and tokenizes its text inputs. InvalidArgument for: no inputs, too many,
// unknown pooling / truncation_direction value, an unknown prompt_name, a prompt_name with
// token_ids, dimensions above the hidden size, an input with
// neither text nor token_ids, empty text, invalid UTF-8, text_pair on token_ids, token or type ids
// outside the model's tables, an input too long without truncation; FailedPrecondition for text
// when the model has no tokenizer.
absl::StatusOr<PreparedEmbed> PrepareEmbed(const v1::EmbedRequest& request,
                                           const ServingModel& model, const RequestLimits& limits);

absl::StatusOr<v1::TokenizeResponse> RunTokenize(const v1::TokenizeRequest& request,
                                                 const ServingModel& model,
                                                 const RequestLimits& limits);

// Decode: every input's ids, checked against the tokenizer's vocabulary, back to text.
absl::StatusOr<v1::DecodeResponse> RunDecode(const v1::DecodeRequest& request,
                                             const ServingModel& model,
                                             const RequestLimits& limits);

// The response of a job that finished OK. `received` is when the RPC arrived.
void BuildEmbedResponse(const core::EmbedJob& job, const ServingModel& model, absl::Time received,
                        absl::Time done, v1::EmbedResponse& response);

// The Timing of a job that finished OK (received -> done is the total).
void FillTiming(const core::EmbedJob& job, absl::Time received, absl::Time done,
                v1::Timing& timing);

// The request's truncation_direction; InvalidArgument for an unknown value.
absl::StatusOr<core::TruncationDirection> ResolveDirection(v1::TruncationDirection d);
// InvalidArgument for no inputs ("the request has no inputs") or more than the limit.
absl::Status CheckInputCount(int n, const RequestLimits& limits);

// Why `bytes` failed to parse as an EmbedRequest or TokenizeRequest (both carry
// `repeated Input inputs = 1`): InvalidArgument naming the input whose text or text_pair is not
// valid UTF-8 and the byte, else InvalidArgument "malformed request".
absl::Status DiagnoseParseFailure(absl::string_view bytes);

v1::InfoResponse MakeInfo(const ServingModel& model, const RequestLimits& limits);

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_REQUESTS_EMBED_REQUEST_H_
