#include "server/requests/embed_request.h"

#include <algorithm>

#include <google/protobuf/unknown_field_set.h>

#include "absl/strings/str_cat.h"

#include "core/model/validate.h"
#include "core/tokenizer/unicode.h"
#include "core/util/error_detail.h"
#include "core/util/status_macros.h"

namespace attnserve {
namespace {

using core::ErrorKind;
using core::ForInput;

// InvalidArgument "<predicate>" about one input, with its detail.
absl::Status InputError(ErrorKind kind, absl::string_view predicate) {
  return core::SequenceError({.kind = kind}, predicate);
}

// A too-long input the client may ask to cut: "has 600 tokens; the maximum ... is 512 (set
// truncate to cut it)".
absl::Status TooLong(int64_t tokens, int max_len, absl::string_view what,
                     absl::string_view hint) {
  const absl::Status s = core::TooLongError(tokens, max_len, what);
  return core::WithDetail(absl::Status(s.code(), absl::StrCat(s.message(), " (", hint, ")")),
                          *core::GetErrorDetail(s));
}

absl::StatusOr<core::Pooling> ResolvePooling(v1::Pooling p, const ServingModel& model) {
  switch (p) {
    case v1::POOLING_UNSPECIFIED:
      return model.spec.defaults.pooling;
    case v1::POOLING_CLS:
      return core::Pooling::kCls;
    case v1::POOLING_MEAN:
      return core::Pooling::kMean;
    case v1::POOLING_MAX:
      return core::Pooling::kMax;
    case v1::POOLING_MEAN_SQRT_LEN:
      return core::Pooling::kMeanSqrtLen;
    case v1::POOLING_WEIGHTED_MEAN:
      return core::Pooling::kWeightedMean;
    case v1::POOLING_LAST_TOKEN:
      return core::Pooling::kLastToken;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown pooling value ", static_cast<int>(p),
          " (POOLING_UNSPECIFIED=0, POOLING_CLS=1, POOLING_MEAN=2, POOLING_MAX=3, "
          "POOLING_MEAN_SQRT_LEN=4, POOLING_WEIGHTED_MEAN=5, POOLING_LAST_TOKEN=6)"));
  }
}

// The request's prompt (nullptr: none): `name`, else the server's default.
absl::StatusOr<const ServingPrompt*> ResolvePrompt(const std::string& name,
                                                   const ServingModel& model) {
  if (name.empty()) {
    return model.default_prompt >= 0 ? &model.prompts[static_cast<size_t>(model.default_prompt)]
                                     : nullptr;
  }
  for (const ServingPrompt& p : model.prompts) {
    if (p.name == name) return &p;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown prompt_name '", name,
                                                 "': the model's prompts are: ",
                                                 core::PromptNames(model.spec.defaults)));
}

}  // namespace

absl::Status SetUpPrompts(ServingModel& model, const RequestLimits& limits,
                          absl::string_view default_prompt_name) {
  model.prompts.clear();
  model.default_prompt = -1;
  const core::EmbeddingDefaults& d = model.spec.defaults;
  for (const auto& [name, text] : d.prompts) {
    ServingPrompt p{name, text, 0};
    if (!text.empty()) {
      if (model.tokenizer == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the model has prompt '", name, "' but no tokenizer (tokenizer.json or vocab.txt)"));
      }
      // As sentence-transformers' prompt_length: the prompt tokenized alone (special tokens,
      // truncation to the maximum length), less a trailing special token. The template's special
      // tokens are the ones with the empty offsets (0, 0).
      core::TokenizeOptions options;
      options.max_length = limits.max_input_length;
      options.truncate = true;
      auto enc = model.tokenizer->Encode(text, nullptr, options);
      if (!enc.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("prompt '", name, "': ", enc.status().message()));
      }
      p.length = static_cast<int>(enc->ids.size());
      if (p.length > 0 && enc->offsets_start.back() == 0 && enc->offsets_end.back() == 0) {
        --p.length;
      }
    }
    model.prompts.push_back(std::move(p));
  }
  const std::string wanted =
      default_prompt_name.empty() ? d.default_prompt_name : std::string(default_prompt_name);
  if (wanted.empty()) return absl::OkStatus();
  for (size_t i = 0; i < model.prompts.size(); ++i) {
    if (model.prompts[i].name == wanted) {
      model.default_prompt = static_cast<int>(i);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--default-prompt-name '", wanted, "' is not a prompt of the model (", core::PromptNames(d),
      "; config_sentence_transformers.json's prompts)"));
}

absl::StatusOr<core::TruncationDirection> ResolveDirection(v1::TruncationDirection d) {
  switch (d) {
    case v1::TRUNCATION_DIRECTION_UNSPECIFIED:
    case v1::TRUNCATION_DIRECTION_RIGHT:
      return core::TruncationDirection::kRight;
    case v1::TRUNCATION_DIRECTION_LEFT:
      return core::TruncationDirection::kLeft;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown truncation_direction value ",
                                                     static_cast<int>(d),
                                                     " (UNSPECIFIED=0, RIGHT=1, LEFT=2)"));
  }
}

absl::Status CheckInputCount(int n, const RequestLimits& limits) {
  if (n == 0) return absl::InvalidArgumentError("the request has no inputs");
  if (n > limits.max_inputs_per_request) {
    return core::WithDetail(
        absl::InvalidArgumentError(absl::StrCat("the request has ", n, " inputs; the limit is ",
                                                limits.max_inputs_per_request,
                                                " per request (--max-inputs-per-request)")),
        {.kind = ErrorKind::kTooManyInputs, .value = n, .limit = limits.max_inputs_per_request});
  }
  return absl::OkStatus();
}

absl::StatusOr<core::SequenceInput> PrepareInput(const v1::Input& in, const ServingModel& model,
                                                 const RequestLimits& limits, bool truncate,
                                                 core::TruncationDirection direction,
                                                 absl::string_view truncate_hint,
                                                 const ServingPrompt* prompt) {
  core::SequenceInput out;
  const int max_len = limits.max_input_length;
  switch (in.content_case()) {
    case v1::Input::kText: {
      if (in.text().empty()) return InputError(ErrorKind::kEmpty, "has empty text");
      if (model.tokenizer == nullptr) {
        return core::WithDetail(
            absl::FailedPreconditionError("is text, but the model has no tokenizer "
                                          "(tokenizer.json or vocab.txt); send token_ids"),
            {.kind = ErrorKind::kUnspecified});
      }
      core::TokenizeOptions options;
      // Without truncation the length is checked here, so that the error can say how to fix it.
      options.max_length = truncate ? max_len : 0;
      options.truncate = truncate;
      options.direction = direction;
      const absl::string_view pair(in.text_pair());
      // sentence-transformers prepends the prompt to the text and tokenizes the whole.
      const bool prompted = prompt != nullptr && !prompt->text.empty();
      const std::string prompted_text = prompted ? absl::StrCat(prompt->text, in.text()) : "";
      auto enc = model.tokenizer->Encode(prompted ? absl::string_view(prompted_text) : in.text(),
                                         in.text_pair().empty() ? nullptr : &pair, options);
      if (!enc.ok()) return enc.status();
      if (prompted && !model.spec.defaults.include_prompt) {
        if (static_cast<int64_t>(enc->ids.size()) <= prompt->length) {
          return InputError(ErrorKind::kUnspecified,
                            absl::StrCat("has no token left to pool after the ", prompt->length,
                                         " tokens of prompt '", prompt->name,
                                         "' (the model's pooling leaves the prompt out; it has ",
                                         enc->ids.size(), " tokens)"));
        }
        out.pool_skip = prompt->length;
      }
      if (!truncate && static_cast<int64_t>(enc->ids.size()) > max_len) {
        return TooLong(static_cast<int64_t>(enc->ids.size()), max_len, "", truncate_hint);
      }
      out.ids = std::move(enc->ids);
      if (model.spec.tokenizer_type_ids) out.type_ids = std::move(enc->type_ids);
      out.truncated = enc->truncated;
      break;
    }
    case v1::Input::kTokenIds: {
      if (!in.text_pair().empty()) {
        return InputError(ErrorKind::kUnspecified,
                          "has text_pair with token_ids; text_pair goes with text");
      }
      const auto& ids = in.token_ids().ids();
      const auto& types = in.token_ids().type_ids();
      if (!types.empty() && types.size() != ids.size()) {
        return core::SequenceError({.kind = ErrorKind::kLengthMismatch,
                                    .value = static_cast<int64_t>(types.size()),
                                    .limit = static_cast<int64_t>(ids.size())},
                                   absl::StrCat("has ", types.size(), " type_ids for ",
                                                ids.size(), " ids"));
      }
      out.ids.assign(ids.begin(), ids.end());
      out.type_ids.assign(types.begin(), types.end());
      if (static_cast<int>(out.ids.size()) > max_len) {
        if (!truncate) {
          return TooLong(static_cast<int64_t>(out.ids.size()), max_len, "input length",
                         truncate_hint);
        }
        const size_t cut = out.ids.size() - static_cast<size_t>(max_len);
        auto trim = [&](std::vector<int32_t>& v) {
          if (v.empty()) return;
          if (direction == core::TruncationDirection::kRight) {
            v.resize(static_cast<size_t>(max_len));
          } else {
            v.erase(v.begin(), v.begin() + static_cast<ptrdiff_t>(cut));
          }
        };
        trim(out.ids);
        trim(out.type_ids);
        out.truncated = true;
      }
      ATTN_RETURN_IF_ERROR(core::ValidateSequence(model.spec, out.ids, out.type_ids));
      break;
    }
    default:
      return InputError(ErrorKind::kEmpty, "has neither text nor token_ids");
  }
  return out;
}

absl::StatusOr<PreparedEmbed> PrepareEmbed(const v1::EmbedRequest& request,
                                           const ServingModel& model, const RequestLimits& limits) {
  ATTN_RETURN_IF_ERROR(CheckInputCount(request.inputs_size(), limits));
  PreparedEmbed p;
  ATTN_ASSIGN_OR_RETURN(p.spec.pooling.pooling, ResolvePooling(request.pooling(), model));
  ATTN_ASSIGN_OR_RETURN(const core::TruncationDirection direction,
                        ResolveDirection(request.truncation_direction()));
  p.spec.pooling.normalize =
      request.has_normalize() ? request.normalize() : model.spec.defaults.normalize;
  if (request.dimensions() > static_cast<uint32_t>(model.spec.embedding_size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dimensions ", request.dimensions(), " is larger than the model's ",
        model.spec.sentence_embedding_size > 0 ? "embedding size " : "hidden size ",
        model.spec.embedding_size()));
  }
  p.spec.pooling.dimensions = static_cast<int>(request.dimensions());
  p.spec.token_embeddings = request.return_token_embeddings();
  const bool truncate = request.has_truncate() ? request.truncate() : limits.truncate_by_default;
  ATTN_ASSIGN_OR_RETURN(const ServingPrompt* prompt, ResolvePrompt(request.prompt_name(), model));
  p.inputs.reserve(static_cast<size_t>(request.inputs_size()));
  for (int i = 0; i < request.inputs_size(); ++i) {
    if (!request.prompt_name().empty() &&
        request.inputs(i).content_case() == v1::Input::kTokenIds) {
      return ForInput(i, InputError(ErrorKind::kUnspecified,
                                    absl::StrCat("is token_ids with prompt_name '",
                                                 request.prompt_name(),
                                                 "': a prompt is prepended to text; send text, "
                                                 "or put the prompt's ids in the token ids")));
    }
    absl::StatusOr<core::SequenceInput> prepared = PrepareInput(
        request.inputs(i), model, limits, truncate, direction, "set truncate to cut it", prompt);
    if (!prepared.ok()) return ForInput(i, prepared.status());
    core::SequenceInput in = *std::move(prepared);
    p.truncated += in.truncated ? 1 : 0;
    p.tokens += static_cast<int64_t>(in.ids.size());
    p.inputs.push_back(std::move(in));
  }
  if (limits.max_response_bytes > 0) {
    // A lower bound of the encoded response: 4 bytes per float sent (the vectors dominate).
    const int64_t dims = p.spec.pooling.dimensions > 0 ? p.spec.pooling.dimensions
                                                       : model.spec.embedding_size();
    int64_t floats = dims * static_cast<int64_t>(p.inputs.size());
    if (p.spec.token_embeddings) floats += p.tokens * model.spec.hidden_size;
    const int64_t bytes = 4 * floats;
    if (bytes > limits.max_response_bytes) {
      return core::WithDetail(
          absl::InvalidArgumentError(absl::StrCat(
              "the response would hold at least ", bytes, " bytes (", p.inputs.size(),
              " inputs, ", p.tokens, " tokens",
              p.spec.token_embeddings ? ", with token embeddings" : "",
              "), more than the largest message the server sends (", limits.max_response_bytes,
              " bytes, --max-message-bytes): send fewer inputs per request",
              p.spec.token_embeddings ? " or leave out the token embeddings" : "")),
          {.kind = core::ErrorKind::kResponseTooLarge,
           .value = bytes,
           .limit = limits.max_response_bytes});
    }
  }
  return p;
}

namespace {

// Tokenize and Decode need the model's tokenizer.
absl::Status RequireTokenizer(const ServingModel& model) {
  if (model.tokenizer != nullptr) return absl::OkStatus();
  return absl::FailedPreconditionError("the model has no tokenizer (tokenizer.json or vocab.txt)");
}

}  // namespace

absl::StatusOr<v1::TokenizeResponse> RunTokenize(const v1::TokenizeRequest& request,
                                                 const ServingModel& model,
                                                 const RequestLimits& limits) {
  ATTN_RETURN_IF_ERROR(CheckInputCount(request.inputs_size(), limits));
  ATTN_RETURN_IF_ERROR(RequireTokenizer(model));
  v1::TokenizeResponse response;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const v1::Input& in = request.inputs(i);
    if (in.content_case() != v1::Input::kText) {
      return ForInput(i, InputError(ErrorKind::kUnspecified, "has no text: Tokenize takes text inputs"));
    }
    core::TokenizeOptions options;
    options.add_special_tokens = request.add_special_tokens();
    options.max_length = request.truncate() ? limits.max_input_length : 0;
    options.truncate = request.truncate();
    options.return_tokens = true;
    const absl::string_view pair(in.text_pair());
    auto enc =
        model.tokenizer->Encode(in.text(), in.text_pair().empty() ? nullptr : &pair, options);
    if (!enc.ok()) return ForInput(i, enc.status());
    if (!request.truncate() && static_cast<int64_t>(enc->ids.size()) > limits.max_input_length) {
      return ForInput(i, core::TooLongError(static_cast<int64_t>(enc->ids.size()),
                                            limits.max_input_length, ""));
    }
    v1::Tokens* t = response.add_tokens();
    t->mutable_ids()->Add(enc->ids.begin(), enc->ids.end());
    t->mutable_type_ids()->Add(enc->type_ids.begin(), enc->type_ids.end());
    for (std::string& s : enc->tokens) t->add_tokens(std::move(s));
    t->mutable_offsets_start()->Add(enc->offsets_start.begin(), enc->offsets_start.end());
    t->mutable_offsets_end()->Add(enc->offsets_end.begin(), enc->offsets_end.end());
    t->set_truncated(enc->truncated);
  }
  return response;
}

absl::StatusOr<v1::DecodeResponse> RunDecode(const v1::DecodeRequest& request,
                                             const ServingModel& model,
                                             const RequestLimits& limits) {
  ATTN_RETURN_IF_ERROR(CheckInputCount(request.inputs_size(), limits));
  ATTN_RETURN_IF_ERROR(RequireTokenizer(model));
  const bool skip_special = !request.has_skip_special_tokens() || request.skip_special_tokens();
  const int vocab = model.tokenizer->vocab_size();
  v1::DecodeResponse response;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const auto& ids = request.inputs(i).ids();
    for (int k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0 || ids[k] >= vocab) {
        return ForInput(i, core::WithDetail(
                               absl::InvalidArgumentError(absl::StrCat(
                                   "has token id ", ids[k], " at position ", k,
                                   " outside the vocabulary [0, ", vocab, ")")),
                               {.kind = ErrorKind::kIdOutOfRange,
                                .value = ids[k],
                                .limit = vocab,
                                .position = k}));
      }
    }
    auto text = model.tokenizer->Decode(absl::MakeConstSpan(ids.data(), ids.size()), skip_special);
    if (!text.ok()) return text.status();
    response.add_texts(*std::move(text));
  }
  return response;
}

void BuildEmbedResponse(const core::EmbedJob& job, const ServingModel& model, absl::Time received,
                        absl::Time done, v1::EmbedResponse& response) {
  uint32_t tokens = 0;
  for (int i = 0; i < job.num_sequences(); ++i) {
    const core::SequenceOutput& o = job.outputs()[static_cast<size_t>(i)];
    v1::Embedding* e = response.add_embeddings();
    e->mutable_values()->Add(o.embedding.begin(), o.embedding.end());
    e->set_num_tokens(static_cast<uint32_t>(o.num_tokens));
    e->set_truncated(job.input(i).truncated);
    if (!o.token_embeddings.empty()) {
      v1::TokenEmbeddings* te = e->mutable_token_embeddings();
      te->set_num_tokens(static_cast<uint32_t>(o.num_tokens));
      te->set_dim(static_cast<uint32_t>(model.spec.hidden_size));
      te->mutable_values()->Add(o.token_embeddings.begin(), o.token_embeddings.end());
    }
    tokens += static_cast<uint32_t>(o.num_tokens);
  }
  response.mutable_usage()->set_prompt_tokens(tokens);
  FillTiming(job, received, done, *response.mutable_timing());
  response.set_model(model.name);
}

void FillTiming(const core::EmbedJob& job, absl::Time received, absl::Time done,
                v1::Timing& timing) {
  timing.set_queue_us(
      static_cast<uint64_t>(absl::ToInt64Microseconds(job.first_batch_start - job.enqueued_at)));
  timing.set_inference_us(
      static_cast<uint64_t>(absl::ToInt64Microseconds(job.last_batch_end - job.first_batch_start)));
  timing.set_total_us(static_cast<uint64_t>(absl::ToInt64Microseconds(done - received)));
}

absl::Status DiagnoseParseFailure(absl::string_view bytes) {
  using google::protobuf::UnknownField;
  using google::protobuf::UnknownFieldSet;
  UnknownFieldSet request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("malformed request: not a valid protobuf message");
  }
  int index = 0;
  for (int f = 0; f < request.field_count(); ++f) {
    const UnknownField& field = request.field(f);
    if (field.number() != 1 || field.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    UnknownFieldSet input;
    if (input.ParseFromString(field.length_delimited())) {
      for (int g = 0; g < input.field_count(); ++g) {
        const UnknownField& sub = input.field(g);
        if ((sub.number() != 1 && sub.number() != 3) ||
            sub.type() != UnknownField::TYPE_LENGTH_DELIMITED) {
          continue;
        }
        if (absl::Status s = core::unicode::ValidateUtf8(sub.length_delimited()); !s.ok()) {
          return ForInput(index, InputError(ErrorKind::kUnspecified,
                                            absl::StrCat("has ",
                                                         sub.number() == 1 ? "text" : "text_pair",
                                                         " that is not valid UTF-8: ",
                                                         s.message())));
        }
      }
    }
    ++index;
  }
  return absl::InvalidArgumentError("malformed request: it does not parse as this message type");
}

v1::InfoResponse MakeInfo(const ServingModel& model, const RequestLimits& limits) {
  v1::InfoResponse info;
  info.set_model_id(model.name);
  const core::ModelSpec& spec = model.spec;
  info.set_architecture(spec.architecture);
  info.set_hidden_size(static_cast<uint32_t>(spec.hidden_size));
  info.set_num_layers(static_cast<uint32_t>(spec.num_layers));
  info.set_num_heads(static_cast<uint32_t>(spec.num_heads));
  info.set_intermediate_size(static_cast<uint32_t>(spec.intermediate_size));
  info.set_max_input_length(static_cast<uint32_t>(limits.max_input_length));
  info.set_vocab_size(static_cast<uint32_t>(spec.vocab_size));
  switch (spec.defaults.pooling) {
    case core::Pooling::kCls:
      info.set_default_pooling(v1::POOLING_CLS);
      break;
    case core::Pooling::kMean:
      info.set_default_pooling(v1::POOLING_MEAN);
      break;
    case core::Pooling::kMax:
      info.set_default_pooling(v1::POOLING_MAX);
      break;
    case core::Pooling::kMeanSqrtLen:
      info.set_default_pooling(v1::POOLING_MEAN_SQRT_LEN);
      break;
    case core::Pooling::kWeightedMean:
      info.set_default_pooling(v1::POOLING_WEIGHTED_MEAN);
      break;
    case core::Pooling::kLastToken:
      info.set_default_pooling(v1::POOLING_LAST_TOKEN);
      break;
  }
  info.set_default_normalize(spec.defaults.normalize);
  info.set_dtype(std::string(core::DTypeName(spec.compute_dtype)));
  info.set_weights_dtype(spec.weights_dtype);
  info.set_has_tokenizer(model.tokenizer != nullptr);
  if (model.accuracy.has_value()) {
    const core::AccuracyReport& a = *model.accuracy;
    v1::AccuracyGate* g = info.mutable_accuracy_gate();
    g->set_dtype(std::string(core::DTypeName(a.dtype)));
    g->set_calibration(a.calibration);
    g->set_num_inputs(static_cast<uint32_t>(a.num_inputs));
    g->set_min_cosine(a.min_cosine);
    g->set_mean_cosine(a.mean_cosine);
    g->set_threshold(a.threshold);
    g->set_passed(a.passed);
  }
  for (core::Task t : model.spec.tasks()) info.add_tasks(std::string(core::TaskName(t)));
  for (const std::string& label : model.spec.classifier.labels) info.add_labels(label);
  for (const ServingPrompt& p : model.prompts) info.add_prompt_names(p.name);
  if (model.default_prompt >= 0) {
    info.set_default_prompt_name(model.prompts[static_cast<size_t>(model.default_prompt)].name);
  }
  return info;
}

}  // namespace attnserve
