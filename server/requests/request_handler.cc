#include "server/requests/request_handler.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace attnserve {
namespace {

absl::Status PoolFullError(size_t pending) {
  return absl::ResourceExhaustedError(
      absl::StrCat("the server is busy: ", pending,
                   " requests are already waiting to be tokenized; retry later"));
}

// Reads the request into `*parsed` (the call builds its response from it), then prepares it.
template <typename Request, typename Prepare>
auto ReadInto(RequestHandler::Reader<Request> read, std::shared_ptr<Request> parsed,
              Prepare prepare) {
  return [read = std::move(read), parsed = std::move(parsed),
          prepare = std::move(prepare)]() mutable -> absl::StatusOr<PreparedEmbed> {
    absl::StatusOr<Request> request = std::move(read)();
    if (!request.ok()) return request.status();
    *parsed = *std::move(request);
    return prepare(*parsed);
  };
}

}  // namespace

absl::StatusOr<std::unique_ptr<RequestHandler>> RequestHandler::Create(ServingModel model,
                                                                       RequestOptions options,
                                                                       core::Batcher* batcher,
                                                                       ServerMetrics* metrics) {
  if (options.tokenizer_threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tokenizer threads must be >= 1; was ", options.tokenizer_threads));
  }
  auto pool = core::ThreadPool::Create({.threads = options.tokenizer_threads,
                                        .max_queued = options.max_pending_requests,
                                        .name = "attn-tokenize"});
  if (!pool.ok()) return pool.status();
  return std::unique_ptr<RequestHandler>(new RequestHandler(
      std::move(model), std::move(options), batcher, metrics, std::move(*pool)));
}

RequestHandler::RequestHandler(ServingModel model, RequestOptions options,
                               core::Batcher* batcher, ServerMetrics* metrics,
                               std::unique_ptr<core::ThreadPool> pool)
    : model_(std::move(model)),
      options_(std::move(options)),
      batcher_(batcher),
      metrics_(metrics),
      api_keys_(options_.api_keys),
      pool_(std::move(pool)) {}

RequestHandler::~RequestHandler() { pool_.reset(); }

absl::Status RequestHandler::Admit(absl::optional<absl::string_view> authorization) const {
  if (draining_.load()) return absl::UnavailableError("the server is shutting down");
  if (!ready_.load()) return absl::UnavailableError("the model is still loading");
  return api_keys_.Check(authorization);
}

void RequestHandler::Refuse(absl::Status status, RefusalAnswer answer) {
  {
    MutexLock lock(&held_mu_);
    if (holding_ && draining_.load() && absl::IsUnavailable(status) &&
        held_.size() < kMaxHeldRefusals) {
      held_.emplace_back(std::move(status), std::move(answer));
      return;
    }
  }
  std::move(answer)(std::move(status));
}

void RequestHandler::HoldRefusals() {
  MutexLock lock(&held_mu_);
  holding_ = true;
}

void RequestHandler::ReleaseRefusals() {
  std::vector<std::pair<absl::Status, RefusalAnswer>> held;
  {
    MutexLock lock(&held_mu_);
    holding_ = false;
    held.swap(held_);
  }
  for (auto& [status, answer] : held) std::move(answer)(std::move(status));
}

void RequestHandler::CallFinished(Rpc rpc, const CallRecord& record) {
  metrics_->RecordRequest(rpc, record.status.code(), record.total);
  if (options_.access_log) LogWithFields(LogLevel::kInfo, "call", AccessLogFields(record));
}

void RequestHandler::CallStarted() {
  MutexLock lock(&calls_mu_);
  ++calls_;
}

void RequestHandler::CallDone() {
  MutexLock lock(&calls_mu_);
  --calls_;
}

bool RequestHandler::WaitForCalls(absl::Time deadline) {
  MutexLock lock(&calls_mu_);
  return calls_mu_.AwaitWithDeadline(absl::Condition(this, &RequestHandler::NoCallInFlight),
                                     deadline);
}

std::shared_ptr<core::EmbedJob> RequestHandler::Embed(Reader<v1::EmbedRequest> read,
                                                      absl::Time deadline,
                                                      core::EmbedJob::Callback done,
                                                      size_t request_bytes) {
  return Start(
      [this, read = std::move(read)]() mutable -> absl::StatusOr<PreparedEmbed> {
        absl::StatusOr<v1::EmbedRequest> request = std::move(read)();
        if (!request.ok()) return request.status();
        return PrepareEmbed(*request, model_, options_.limits);
      },
      deadline, std::move(done), request_bytes);
}

std::shared_ptr<core::EmbedJob> RequestHandler::Rerank(Reader<v1::RerankRequest> read,
                                                       absl::Time deadline,
                                                       core::EmbedJob::Callback done,
                                                       std::shared_ptr<v1::RerankRequest> parsed,
                                                       size_t request_bytes) {
  return Start(ReadInto(std::move(read), std::move(parsed),
                        [this](const v1::RerankRequest& r) {
                          return PrepareRerank(r, model_, options_.limits);
                        }),
               deadline, std::move(done), request_bytes);
}

std::shared_ptr<core::EmbedJob> RequestHandler::Predict(Reader<v1::PredictRequest> read,
                                                        absl::Time deadline,
                                                        core::EmbedJob::Callback done,
                                                        std::shared_ptr<v1::PredictRequest> parsed,
                                                        size_t request_bytes) {
  return Start(ReadInto(std::move(read), std::move(parsed),
                        [this](const v1::PredictRequest& r) {
                          return PreparePredict(r, model_, options_.limits);
                        }),
               deadline, std::move(done), request_bytes);
}

std::shared_ptr<core::EmbedJob> RequestHandler::Start(Preparer prepare, absl::Time deadline,
                                                      core::EmbedJob::Callback done,
                                                      size_t request_bytes) {
  auto job = std::make_shared<core::EmbedJob>(deadline, std::move(done));
  if (request_bytes <= options_.inline_prepare_bytes) {
    Prepare(job, std::move(prepare));
    return job;
  }
  const bool posted = pool_->Post(
      [this, job, prepare = std::move(prepare)]() mutable { Prepare(job, std::move(prepare)); });
  if (!posted) job->Finish(PoolFullError(pool_->queued()));
  return job;
}

void RequestHandler::Prepare(const std::shared_ptr<core::EmbedJob>& job, Preparer prepare) {
  // The client may have gone, or run out of time, while the request waited for this thread.
  if (job->cancelled()) {
    job->Finish(absl::CancelledError("the client cancelled the request"));
    return;
  }
  if (absl::Now() >= job->deadline()) {
    job->Finish(absl::DeadlineExceededError("the deadline passed before the request was read"));
    return;
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<PreparedEmbed> prepared = std::move(prepare)();
  metrics_->RecordTokenization(absl::Now() - start);
  if (!prepared.ok()) {
    job->Finish(prepared.status());
    return;
  }
  const int inputs = static_cast<int>(prepared->inputs.size());
  const int64_t tokens = prepared->tokens;
  const int truncated = prepared->truncated;
  job->SetInputs(std::move(prepared->inputs), prepared->spec);
  if (absl::Status s = batcher_->Submit(job); !s.ok()) {
    job->Finish(s);
    return;
  }
  metrics_->RecordInputs(inputs, tokens, truncated);
}

void RequestHandler::Tokenize(Reader<v1::TokenizeRequest> read, TokenizeDone done) {
  // `done` moves into the task only if it is queued: a refused task gives it back.
  auto shared_done = std::make_shared<TokenizeDone>(std::move(done));
  const bool posted = pool_->Post([this, shared_done, read = std::move(read)]() mutable {
    absl::StatusOr<v1::TokenizeRequest> request = std::move(read)();
    if (!request.ok()) {
      std::move (*shared_done)(request.status());
      return;
    }
    std::move (*shared_done)(RunTokenize(*request, model_, options_.limits));
  });
  if (!posted) std::move (*shared_done)(PoolFullError(pool_->queued()));
}

void RequestHandler::Decode(Reader<v1::DecodeRequest> read, DecodeDone done) {
  auto shared_done = std::make_shared<DecodeDone>(std::move(done));
  const bool posted = pool_->Post([this, shared_done, read = std::move(read)]() mutable {
    absl::StatusOr<v1::DecodeRequest> request = std::move(read)();
    if (!request.ok()) {
      std::move (*shared_done)(request.status());
      return;
    }
    std::move (*shared_done)(RunDecode(*request, model_, options_.limits));
  });
  if (!posted) std::move (*shared_done)(PoolFullError(pool_->queued()));
}

v1::InfoResponse RequestHandler::Info() const {
  v1::InfoResponse info = MakeInfo(model_, options_.limits);
  info.set_server_version(options_.server_version);
  info.set_cpu_isa(options_.cpu_isa);
  v1::BatchingLimits* b = info.mutable_batching();
  b->set_max_batch_tokens(static_cast<uint32_t>(options_.batching.max_batch_tokens));
  b->set_max_batch_size(static_cast<uint32_t>(options_.batching.max_batch_size));
  b->set_max_queue_delay_us(
      static_cast<uint64_t>(absl::ToInt64Microseconds(options_.batching.max_queue_delay)));
  b->set_max_queued_tokens(static_cast<uint64_t>(options_.batching.max_queued_tokens));
  b->set_max_inputs_per_request(static_cast<uint32_t>(options_.limits.max_inputs_per_request));
  return info;
}

void RequestHandler::BuildEmbedResponse(const core::EmbedJob& job, absl::Time received,
                                        v1::EmbedResponse& response) const {
  attnserve::BuildEmbedResponse(job, model_, received, absl::Now(), response);
  metrics_->RecordQueueTime(job.first_batch_start - job.enqueued_at);
}

void RequestHandler::BuildRerankResponse(const v1::RerankRequest& request,
                                         const core::EmbedJob& job, absl::Time received,
                                         v1::RerankResponse& response) const {
  attnserve::BuildRerankResponse(request, job, model_, received, absl::Now(), response);
  metrics_->RecordQueueTime(job.first_batch_start - job.enqueued_at);
}

void RequestHandler::BuildPredictResponse(const v1::PredictRequest& request,
                                          const core::EmbedJob& job, absl::Time received,
                                          v1::PredictResponse& response) const {
  attnserve::BuildPredictResponse(request, job, model_, received, absl::Now(), response);
  metrics_->RecordQueueTime(job.first_batch_start - job.enqueued_at);
}

}  // namespace attnserve
