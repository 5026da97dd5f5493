#include "server/requests/classify_request.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "core/heads/classifier.h"
#include "core/util/error_detail.h"
#include "core/util/status_macros.h"

namespace attnserve {
namespace {

// Each input of `p` asks for the head's logits.
PreparedEmbed LogitsJob() {
  PreparedEmbed p;
  p.spec.logits = true;
  return p;
}

void Add(PreparedEmbed& p, core::SequenceInput in) {
  p.truncated += in.truncated ? 1 : 0;
  p.tokens += static_cast<int64_t>(in.ids.size());
  p.inputs.push_back(std::move(in));
}

uint32_t TokensOf(const core::EmbedJob& job) {
  uint32_t tokens = 0;
  for (const core::SequenceOutput& o : job.outputs()) tokens += static_cast<uint32_t>(o.num_tokens);
  return tokens;
}

}  // namespace

absl::Status RequireTask(const ServingModel& model, core::Task task, absl::string_view rpc) {
  if (model.spec.has_task(task)) return absl::OkStatus();
  const char* needs = task == core::Task::kRerank
                          ? "a cross-encoder head (a sequence-classification head with one label)"
                          : "a sequence-classification head";
  std::string has;
  if (task == core::Task::kRerank && model.spec.classifier.num_labels() > 1) {
    has = absl::StrCat(" (its head has ", model.spec.classifier.num_labels(),
                       " labels: use Predict)");
  }
  return absl::FailedPreconditionError(absl::StrCat(rpc, " needs ", needs, "; model '",
                                                    model.name, "' has the tasks: ",
                                                    model.spec.TaskList(), has));
}

absl::StatusOr<PreparedEmbed> PrepareRerank(const v1::RerankRequest& request,
                                            const ServingModel& model,
                                            const RequestLimits& limits) {
  ATTN_RETURN_IF_ERROR(RequireTask(model, core::Task::kRerank, "Rerank"));
  if (request.texts_size() == 0) return absl::InvalidArgumentError("the request has no texts");
  if (request.texts_size() > limits.max_inputs_per_request) {
    return core::WithDetail(
        absl::InvalidArgumentError(absl::StrCat(
            "the request has ", request.texts_size(), " texts; the limit is ",
            limits.max_inputs_per_request, " per request (--max-inputs-per-request)")),
        {.kind = core::ErrorKind::kTooManyInputs,
         .value = request.texts_size(),
         .limit = limits.max_inputs_per_request});
  }
  if (request.query().empty()) return absl::InvalidArgumentError("the query is empty");
  ATTN_ASSIGN_OR_RETURN(const core::TruncationDirection direction,
                        ResolveDirection(request.truncation_direction()));
  const bool truncate = request.has_truncate() ? request.truncate() : limits.truncate_by_default;
  PreparedEmbed p = LogitsJob();
  p.inputs.reserve(static_cast<size_t>(request.texts_size()));
  v1::Input pair;
  pair.set_text(request.query());
  for (int i = 0; i < request.texts_size(); ++i) {
    if (request.texts(i).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("text ", i, " is empty"));
    }
    pair.set_text_pair(request.texts(i));
    absl::StatusOr<core::SequenceInput> in =
        PrepareInput(pair, model, limits, truncate, direction);
    if (!in.ok()) return core::ForSubject(absl::StrCat("text ", i, " with the query"), in.status());
    Add(p, *std::move(in));
  }
  return p;
}

absl::StatusOr<PreparedEmbed> PreparePredict(const v1::PredictRequest& request,
                                             const ServingModel& model,
                                             const RequestLimits& limits) {
  ATTN_RETURN_IF_ERROR(RequireTask(model, core::Task::kClassify, "Predict"));
  ATTN_RETURN_IF_ERROR(CheckInputCount(request.inputs_size(), limits));
  ATTN_ASSIGN_OR_RETURN(const core::TruncationDirection direction,
                        ResolveDirection(request.truncation_direction()));
  const bool truncate = request.has_truncate() ? request.truncate() : limits.truncate_by_default;
  PreparedEmbed p = LogitsJob();
  p.inputs.reserve(static_cast<size_t>(request.inputs_size()));
  for (int i = 0; i < request.inputs_size(); ++i) {
    absl::StatusOr<core::SequenceInput> in =
        PrepareInput(request.inputs(i), model, limits, truncate, direction);
    if (!in.ok()) return core::ForInput(i, in.status());
    Add(p, *std::move(in));
  }
  return p;
}

void BuildRerankResponse(const v1::RerankRequest& request, const core::EmbedJob& job,
                         const ServingModel& model, absl::Time received, absl::Time done,
                         v1::RerankResponse& response) {
  const int n = job.num_sequences();
  std::vector<float> scores(static_cast<size_t>(n));
  const core::ScoreFunction fn =
      request.raw_scores() ? core::ScoreFunction::kIdentity : core::ScoreFunction::kSigmoid;
  for (int i = 0; i < n; ++i) {
    const std::vector<float>& logits = job.outputs()[static_cast<size_t>(i)].logits;
    core::ApplyScoreFunction(fn, std::span<const float>(logits.data(), 1),
                             std::span<float>(&scores[static_cast<size_t>(i)], 1));
  }
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  const int keep = request.top_n() > 0 ? std::min<int>(n, static_cast<int>(request.top_n())) : n;
  for (int k = 0; k < keep; ++k) {
    const int i = order[static_cast<size_t>(k)];
    v1::Rank* r = response.add_ranks();
    r->set_index(static_cast<uint32_t>(i));
    r->set_score(scores[static_cast<size_t>(i)]);
    if (request.return_text()) r->set_text(request.texts(i));
  }
  response.mutable_usage()->set_prompt_tokens(TokensOf(job));
  FillTiming(job, received, done, *response.mutable_timing());
  response.set_model(model.name);
}

void BuildPredictResponse(const v1::PredictRequest& request, const core::EmbedJob& job,
                          const ServingModel& model, absl::Time received, absl::Time done,
                          v1::PredictResponse& response) {
  const core::ClassifierSpec& head = model.spec.classifier;
  const core::ScoreFunction fn =
      request.raw_scores() ? core::ScoreFunction::kIdentity : core::DefaultScoreFunction(head);
  std::vector<float> scores;
  std::vector<int> order;
  for (int i = 0; i < job.num_sequences(); ++i) {
    const core::SequenceOutput& o = job.outputs()[static_cast<size_t>(i)];
    scores.resize(o.logits.size());
    core::ApplyScoreFunction(fn, o.logits, scores);
    order.resize(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
    });
    v1::Predictions* p = response.add_results();
    for (int label : order) {
      v1::Prediction* pr = p->add_predictions();
      pr->set_label(head.labels[static_cast<size_t>(label)]);
      pr->set_score(scores[static_cast<size_t>(label)]);
    }
    p->set_num_tokens(static_cast<uint32_t>(o.num_tokens));
    p->set_truncated(job.input(i).truncated);
  }
  response.mutable_usage()->set_prompt_tokens(TokensOf(job));
  FillTiming(job, received, done, *response.mutable_timing());
  response.set_model(model.name);
}

}  // namespace attnserve
