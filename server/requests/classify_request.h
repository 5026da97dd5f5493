// Rerank and Predict requests (attnserve.v1, whatever front end they came through): validation
// against the ModelSpec (the task, the inputs, the limits), tokenization of the (query, text)
// pairs and inputs, and the responses of finished jobs. Both become ordinary batcher jobs whose
// sequences ask for the classification head's logits (core::OutputSpec::logits): a rerank of 100
// texts is one job of 100 sequences, batched with everyone else's. Pure functions, no gRPC.
#ifndef ATTNSERVE_SERVER_REQUESTS_CLASSIFY_REQUEST_H_
#define ATTNSERVE_SERVER_REQUESTS_CLASSIFY_REQUEST_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "core/batching/embed_job.h"
#include "core/model/model_spec.h"
#include "server/requests/embed_request.h"

#include "attnserve/v1/attnserve.pb.h"

namespace attnserve {

// FailedPrecondition naming the model, what `rpc` needs and the tasks the model has, unless the
// model has `task`.
absl::Status RequireTask(const ServingModel& model, core::Task task, absl::string_view rpc);

// FailedPrecondition without a one-label head (RequireTask); InvalidArgument for: no texts, more
// than max_inputs_per_request, an empty query or text, an unknown truncation_direction, a pair
// too long without truncation (naming the text); FailedPrecondition without a tokenizer.
absl::StatusOr<PreparedEmbed> PrepareRerank(const v1::RerankRequest& request,
                                            const ServingModel& model,
                                            const RequestLimits& limits);

// FailedPrecondition without a classification head; otherwise the checks of Embed's inputs.
absl::StatusOr<PreparedEmbed> PreparePredict(const v1::PredictRequest& request,
                                             const ServingModel& model,
                                             const RequestLimits& limits);

// The responses of jobs that finished OK; `request` is the one the job was prepared from,
// `received` when it arrived.
void BuildRerankResponse(const v1::RerankRequest& request, const core::EmbedJob& job,
                         const ServingModel& model, absl::Time received, absl::Time done,
                         v1::RerankResponse& response);
void BuildPredictResponse(const v1::PredictRequest& request, const core::EmbedJob& job,
                          const ServingModel& model, absl::Time received, absl::Time done,
                          v1::PredictResponse& response);

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_REQUESTS_CLASSIFY_REQUEST_H_
