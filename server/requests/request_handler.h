// RequestHandler: the front-end-independent half of serving, shared by every front end (the gRPC
// service in server/grpc/; an HTTP one reuses it unchanged):
//
//   admission    ready / draining / API keys
//   preparation  parsing, validation against the ModelSpec and tokenization, on a small thread
//                pool of its own, so that a slow tokenizer or a long text never holds a front
//                end's thread
//   queueing     the prepared job goes to the batcher
//   results      the response of a finished job, Info
//   drain        the count of admitted calls that the drain waits for, and the refusals held
//                back in its last moments (Refuse)
//
// Front ends translate their requests into attnserve.v1 messages and their statuses back; the
// metrics of each step are recorded here.
//
// Thread-safety: thread-safe. Owns the tokenization pool; the batcher and metrics outlive it.
#ifndef ATTNSERVE_SERVER_REQUESTS_REQUEST_HANDLER_H_
#define ATTNSERVE_SERVER_REQUESTS_REQUEST_HANDLER_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

#include "core/batching/batcher.h"
#include "core/batching/embed_job.h"
#include "core/util/mutex.h"
#include "core/util/thread_pool.h"
#include "server/metrics/metrics.h"
#include "server/requests/access_log.h"
#include "server/requests/api_keys.h"
#include "server/requests/classify_request.h"
#include "server/requests/embed_request.h"

#include "attnserve/v1/attnserve.pb.h"

namespace attnserve {

struct RequestOptions {
  RequestLimits limits;
  // Accepted `Bearer KEY` credentials; empty = no authentication.
  std::vector<std::string> api_keys;
  // Threads that parse, validate and tokenize requests (>= 1). Default 2.
  int tokenizer_threads = 2;
  // Requests waiting for a tokenization thread beyond which new ones are refused with
  // RESOURCE_EXHAUSTED (the batch queue bounds what comes after). Default 4096.
  size_t max_pending_requests = 4096;
  // Requests of at most this many bytes (as received) are prepared on the thread that took the
  // call in, the rest on the tokenization pool; 0 (the default) = every request on the pool.
  // Off by default: with it on, the ASan build of ServerTest.DeadlineStorm... saw calls that the
  // clients timed out counted INVALID_ARGUMENT or not at all (not understood yet).
  // Preparing a small request costs microseconds (4 KiB of text: ~80 us), less than handing it
  // to another thread and back on a busy machine; and it decides a full queue's refusal on the
  // front end's thread: under overload a refusal then needs no other thread to be scheduled
  // (with the compute using every core, each hand-off can wait a scheduler slice).
  size_t inline_prepare_bytes = 0;
  // One line per call (server/requests/access_log.h).
  bool access_log = false;
  // Reported by Info.
  core::BatchingOptions batching;
  std::string server_version;
  std::string cpu_isa;
};

class RequestHandler {
 public:
  // Reads one request (parses the front end's bytes). Runs on a tokenization thread.
  template <typename Request>
  using Reader = absl::AnyInvocable<absl::StatusOr<Request>() &&>;
  using TokenizeDone = absl::AnyInvocable<void(absl::StatusOr<v1::TokenizeResponse>) &&>;
  using DecodeDone = absl::AnyInvocable<void(absl::StatusOr<v1::DecodeResponse>) &&>;

  // `batcher` and `metrics` must outlive the handler.
  static absl::StatusOr<std::unique_ptr<RequestHandler>> Create(ServingModel model,
                                                                RequestOptions options,
                                                                core::Batcher* batcher,
                                                                ServerMetrics* metrics);
  // Runs what is still being prepared, then joins the tokenization threads.
  ~RequestHandler();

  // Until SetReady(true), calls get UNAVAILABLE ("loading"); after StartDraining(), UNAVAILABLE
  // ("shutting down").
  void SetReady(bool ready) { ready_.store(ready); }
  void StartDraining() { draining_.store(true); }

  // OK when a call may proceed: ready, not draining, authorized. `authorization` is the value of
  // the client's authorization header (gRPC metadata, HTTP header); nullopt when absent.
  absl::Status Admit(absl::optional<absl::string_view> authorization) const;

  // Answers a call that Admit refused: `answer(status)` runs now, or, for a drain's refusal
  // between HoldRefusals() and ReleaseRefusals(), from ReleaseRefusals (at most kMaxHeldRefusals
  // are held; past that they are answered at once). Why hold: gRPC answers CANCELLED, which
  // clients do not retry, to calls that its transport takes in after Server::Shutdown began
  // and before its GOAWAY reaches the client (grpc/grpc#41785, in Debian's 1.51). A client whose
  // calls are all waiting for their answer sends none into that moment; released once the GOAWAY
  // is out, they get UNAVAILABLE and their retries go to another connection.
  using RefusalAnswer = absl::AnyInvocable<void(absl::Status) &&>;
  void Refuse(absl::Status status, RefusalAnswer answer);
  void HoldRefusals();
  void ReleaseRefusals();
  static constexpr size_t kMaxHeldRefusals = 4096;

  // Admitted calls in flight, counted by the front ends (CallStarted once a call is admitted,
  // CallDone when it is answered), so that the drain can wait for them.
  void CallStarted();
  void CallDone();
  // Blocks until no call is in flight or `deadline`; returns whether it got there.
  bool WaitForCalls(absl::Time deadline);

  // Starts one Embed request: returns its job (the caller may Cancel() it at any time) and
  // prepares it: `read` parses the request, it is validated and tokenized, and the job is queued
  // on the batcher. A request of at most inline_prepare_bytes (`request_bytes`, its size as
  // received; kUnknownBytes = unknown) is prepared on this thread before Embed returns, a larger
  // one on a tokenization thread. `done` runs exactly once with the outcome: on the batcher's
  // responder thread (computed, cancelled, expired), or where it was prepared (refused while
  // preparing, e.g. the batch queue is full), or on this thread before Embed returns (no room to
  // prepare it: RESOURCE_EXHAUSTED).
  static constexpr size_t kUnknownBytes = static_cast<size_t>(-1);
  std::shared_ptr<core::EmbedJob> Embed(Reader<v1::EmbedRequest> read, absl::Time deadline,
                                        core::EmbedJob::Callback done,
                                        size_t request_bytes = kUnknownBytes);

  // Rerank and Predict, as Embed: each (query, text) pair or input is one sequence of the job,
  // which asks for the classification head's logits. `*parsed` receives the request once read
  // (before the job is queued), for Build*Response.
  std::shared_ptr<core::EmbedJob> Rerank(Reader<v1::RerankRequest> read, absl::Time deadline,
                                         core::EmbedJob::Callback done,
                                         std::shared_ptr<v1::RerankRequest> parsed,
                                         size_t request_bytes = kUnknownBytes);
  std::shared_ptr<core::EmbedJob> Predict(Reader<v1::PredictRequest> read, absl::Time deadline,
                                          core::EmbedJob::Callback done,
                                          std::shared_ptr<v1::PredictRequest> parsed,
                                          size_t request_bytes = kUnknownBytes);

  // Tokenize on a tokenization thread; `done` runs once, there or (no room) on this thread.
  void Tokenize(Reader<v1::TokenizeRequest> read, TokenizeDone done);
  // Decode, the same way.
  void Decode(Reader<v1::DecodeRequest> read, DecodeDone done);

  v1::InfoResponse Info() const;

  // Replaces the accepted API keys (SIGHUP); calls admitted before keep going.
  void SetApiKeys(const std::vector<std::string>& keys) { api_keys_.Set(keys); }

  // A call is answered (`record` complete: status, total time, figures): counts it in the
  // request metrics and writes its access-log line when the access log is on.
  void CallFinished(Rpc rpc, const CallRecord& record);

  // The response of a job that finished OK; `received` is when the request arrived. Records the
  // job's queue time.
  void BuildEmbedResponse(const core::EmbedJob& job, absl::Time received,
                          v1::EmbedResponse& response) const;

  void BuildRerankResponse(const v1::RerankRequest& request, const core::EmbedJob& job,
                           absl::Time received, v1::RerankResponse& response) const;
  void BuildPredictResponse(const v1::PredictRequest& request, const core::EmbedJob& job,
                            absl::Time received, v1::PredictResponse& response) const;

  const ServingModel& model() const { return model_; }
  ServerMetrics& metrics() { return *metrics_; }

 private:
  RequestHandler(ServingModel model, RequestOptions options, core::Batcher* batcher,
                 ServerMetrics* metrics, std::unique_ptr<core::ThreadPool> pool);
  // Reads and prepares a request into a job's inputs (PrepareEmbed, PrepareRerank, ...).
  using Preparer = absl::AnyInvocable<absl::StatusOr<PreparedEmbed>() &&>;
  // `prepare` runs on this thread (a small request) or a tokenization thread; see Embed.
  std::shared_ptr<core::EmbedJob> Start(Preparer prepare, absl::Time deadline,
                                        core::EmbedJob::Callback done, size_t request_bytes);
  // On a tokenization thread: everything between reading `job`'s request and queueing it.
  void Prepare(const std::shared_ptr<core::EmbedJob>& job, Preparer prepare);
  bool NoCallInFlight() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(calls_mu_) { return calls_ == 0; }

  const ServingModel model_;
  const RequestOptions options_;
  core::Batcher* const batcher_;
  ServerMetrics* const metrics_;
  ApiKeys api_keys_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
  Mutex calls_mu_;
  int calls_ ABSL_GUARDED_BY(calls_mu_) = 0;
  Mutex held_mu_;
  bool holding_ ABSL_GUARDED_BY(held_mu_) = false;
  std::vector<std::pair<absl::Status, RefusalAnswer>> held_ ABSL_GUARDED_BY(held_mu_);
  // Last member: destroyed first, so no task runs on a half-destroyed handler.
  std::unique_ptr<core::ThreadPool> pool_;
};

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_REQUESTS_REQUEST_HANDLER_H_
