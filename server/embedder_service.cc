#include "server/embedder_service.h"

#include <map>
#include <set>
#include <utility>

#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

#include "core/util/mutex.h"

namespace attnserve {

grpc::Status ToGrpcStatus(const absl::Status& s) {
  return {static_cast<grpc::StatusCode>(s.code()), std::string(s.message())};
}

bool SerializeToByteBuffer(const google::protobuf::Message& message, grpc::ByteBuffer* out) {
  bool own_buffer = false;
  return grpc::SerializationTraits<google::protobuf::Message>::Serialize(message, out, &own_buffer)
      .ok();
}

absl::Status ParseFromByteBuffer(const grpc::ByteBuffer& bytes,
                                 google::protobuf::Message* message) {
  grpc::ByteBuffer copy(bytes);  // slices are reference-counted: no data copy
  {
    grpc::ProtoBufferReader reader(&copy);
    if (message->ParseFromZeroCopyStream(&reader)) return absl::OkStatus();
  }
  std::vector<grpc::Slice> slices;
  std::string flat;
  if (bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices)
      flat.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return DiagnoseParseFailure(flat);
}

namespace {

absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  const auto d = context.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

// Embed: one request, one job, one Finish. Finish happens when both Start() has returned and the
// job has answered (two parties), so the reactor is never deleted under Start's feet.
class EmbedCall final : public grpc::ServerUnaryReactor {
 public:
  EmbedCall(EmbedderService* service, grpc::CallbackServerContext* context,
            grpc::ByteBuffer* response)
      : service_(service), context_(context), response_(response), received_(absl::Now()) {
    service_->metrics().RequestStarted();
  }

  void Start(const grpc::ByteBuffer& request) {
    absl::Status status = service_->Admit(*context_);
    if (status.ok()) {
      // Admitted: the drain waits for it.
      admitted_ = true;
      service_->unary_inflight_.fetch_add(1);
      auto prepared = service_->Prepare(request);
      status = prepared.status();
      if (status.ok()) {
        auto job =
            service_->Submit(std::move(*prepared), DeadlineOf(*context_),
                             [this](const absl::Status& s, core::EmbedJob& j) { OnJobDone(s, j); });
        status = job.status();
        if (status.ok()) {
          MutexLock lock(&mu_);
          job_ = *job;
          if (cancelled_) job_->Cancel();
        }
      }
    }
    if (!status.ok()) {
      // Refused before queueing: the job (if any) will never answer.
      status_ = status;
      Release();
    }
    Release();
  }

  void OnCancel() override {
    MutexLock lock(&mu_);
    cancelled_ = true;
    if (job_ != nullptr) job_->Cancel();
  }

  void OnDone() override {
    service_->metrics().RequestDone();
    if (admitted_) service_->unary_inflight_.fetch_sub(1);
    delete this;
  }

 private:
  void OnJobDone(const absl::Status& status, core::EmbedJob& job) {
    status_ = status;
    if (status.ok()) {
      v1::EmbedResponse response;
      BuildEmbedResponse(job, service_->model(), received_, absl::Now(), response);
      service_->metrics().RecordQueueTime(job.first_batch_start - job.enqueued_at);
      if (!SerializeToByteBuffer(response, response_)) {
        status_ = absl::InternalError("could not serialize the response");
      }
    }
    Release();
  }

  // The second of Start() and OnJobDone() to finish sends the status.
  void Release() {
    if (parties_.fetch_sub(1) != 1) return;
    // Recorded before Finish, so a client that got its answer also sees it counted.
    service_->metrics().RecordRequest(Rpc::kEmbed, static_cast<grpc::StatusCode>(status_.code()),
                                      absl::Now() - received_);
    Finish(ToGrpcStatus(status_));
  }

  EmbedderService* const service_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  const absl::Time received_;
  std::atomic<int> parties_{2};
  bool admitted_ = false;  // written in Start, read in OnDone (after Finish)
  absl::Status status_;    // written by exactly one party before its Release()
  Mutex mu_;
  std::shared_ptr<core::EmbedJob> job_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// EmbedStream: one response per request message, in order; messages of the stream are queued as
// they arrive and batched with everyone else's. At most kMaxInFlight messages are pending or
// unwritten; past that the stream stops reading (flow control back to the client). The first
// error ends the stream with its status ("message N: ...").
class EmbedStreamCall final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  static constexpr size_t kMaxInFlight = 64;

  EmbedStreamCall(EmbedderService* service, grpc::CallbackServerContext* context)
      : service_(service), context_(context), received_(absl::Now()) {
    service_->metrics().RequestStarted();
  }

  void Start() {
    Actions a;
    {
      MutexLock lock(&mu_);
      final_ = service_->Admit(*context_);
      if (!final_.ok()) reads_done_ = true;
      a = DecideLocked();
    }
    Perform(a);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed, or the call ended
      Actions a;
      {
        MutexLock lock(&mu_);
        reading_ = false;
        reads_done_ = true;
        a = DecideLocked();
      }
      Perform(a);
      return;
    }
    const absl::Time received = absl::Now();  // this message's, for its Timing.total_us
    uint64_t seq;
    {
      MutexLock lock(&mu_);
      reading_ = false;
      ++active_;  // keeps the stream alive while this message is prepared outside the lock
      seq = next_seq_++;
      pending_.insert(seq);
    }
    absl::Status status;
    std::shared_ptr<core::EmbedJob> job;
    auto prepared = service_->Prepare(read_buffer_);
    status = prepared.status();
    if (status.ok()) {
      auto submitted = service_->Submit(
          std::move(*prepared), DeadlineOf(*context_),
          [this, seq, received](const absl::Status& s, core::EmbedJob& j) {
            OnJobDone(seq, received, s, j);
          });
      status = submitted.status();
      if (status.ok()) job = *submitted;
    }
    Actions a;
    {
      MutexLock lock(&mu_);
      --active_;
      if (!status.ok()) {
        pending_.erase(seq);
        FailLocked(seq, status);
      } else if (pending_.count(seq) != 0) {  // not answered yet: keep it for cancellation
        jobs_[seq] = job;
        if (!final_.ok()) job->Cancel();
      }
      a = DecideLocked();
    }
    Perform(a);
  }

  void OnWriteDone(bool ok) override {
    Actions a;
    {
      MutexLock lock(&mu_);
      writing_ = false;
      ready_.erase(next_write_);
      ++next_write_;
      if (!ok) FailLocked(next_write_ - 1, absl::CancelledError("the client went away"));
      a = DecideLocked();
    }
    Perform(a);
  }

  void OnCancel() override {
    Actions a;
    {
      MutexLock lock(&mu_);
      FailLocked(next_seq_, absl::CancelledError("the client cancelled the stream"));
      a = DecideLocked();
    }
    Perform(a);
  }

  void OnDone() override {
    service_->metrics().RequestDone();
    delete this;
  }

 private:
  struct Actions {
    grpc::ByteBuffer* write = nullptr;
    bool read = false;
    bool finish = false;
    grpc::Status status;
  };

  // Runs on the batcher's responder thread.
  void OnJobDone(uint64_t seq, absl::Time received, const absl::Status& status,
                 core::EmbedJob& job) {
    grpc::ByteBuffer bytes;
    absl::Status s = status;
    if (s.ok()) {
      v1::EmbedResponse response;
      BuildEmbedResponse(job, service_->model(), received, absl::Now(), response);
      service_->metrics().RecordQueueTime(job.first_batch_start - job.enqueued_at);
      if (!SerializeToByteBuffer(response, &bytes)) s = absl::InternalError("serialization failed");
    }
    Actions a;
    {
      MutexLock lock(&mu_);
      pending_.erase(seq);
      jobs_.erase(seq);
      if (s.ok()) {
        if (final_.ok()) ready_.emplace(seq, std::move(bytes));
      } else {
        FailLocked(seq, s);
      }
      a = DecideLocked();
    }
    Perform(a);
  }

  // Records the stream's first error and cancels the queued messages.
  void FailLocked(uint64_t seq, const absl::Status& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    reads_done_ = true;
    if (!final_.ok()) return;
    final_ = s.code() == absl::StatusCode::kCancelled
                 ? s
                 : absl::Status(s.code(), absl::StrCat("message ", seq, ": ", s.message()));
    for (auto& [unused, job] : jobs_) job->Cancel();
  }

  Actions DecideLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Actions a;
    if (finished_) return a;
    if (final_.ok() && !writing_) {
      auto it = ready_.find(next_write_);
      if (it != ready_.end()) {
        writing_ = true;
        ++starting_;
        a.write = &it->second;
      }
    }
    if (final_.ok() && !reads_done_ && !reading_ &&
        pending_.size() + ready_.size() < kMaxInFlight) {
      reading_ = true;
      ++starting_;
      a.read = true;
    }
    const bool all_answered = pending_.empty() && active_ == 0 && starting_ == 0 && !writing_;
    if (all_answered && ((reads_done_ && ready_.empty()) || !final_.ok())) {
      finished_ = true;
      a.finish = true;
      a.status = ToGrpcStatus(final_);
    }
    return a;
  }

  // Issues what DecideLocked chose, outside the lock. A Finish is always the last thing done.
  void Perform(Actions a) {
    while (a.write != nullptr || a.read) {
      if (a.write != nullptr) StartWrite(a.write);
      if (a.read) StartRead(&read_buffer_);
      MutexLock lock(&mu_);
      starting_ -= (a.write != nullptr ? 1 : 0) + (a.read ? 1 : 0);
      a = DecideLocked();
      if (a.finish) break;
    }
    if (a.finish) {
      service_->metrics().RecordRequest(Rpc::kEmbedStream, a.status.error_code(),
                                        absl::Now() - received_);
      Finish(a.status);
    }
  }

  EmbedderService* const service_;
  grpc::CallbackServerContext* const context_;
  const absl::Time received_;
  grpc::ByteBuffer read_buffer_;

  Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_write_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<uint64_t> pending_ ABSL_GUARDED_BY(mu_);  // queued, not answered
  std::map<uint64_t, std::shared_ptr<core::EmbedJob>> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, grpc::ByteBuffer> ready_ ABSL_GUARDED_BY(mu_);  // answered, not written
  int active_ ABSL_GUARDED_BY(mu_) = 0;    // reactions working outside the lock
  int starting_ ABSL_GUARDED_BY(mu_) = 0;  // StartRead/StartWrite decided, not yet issued
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status final_;  // guarded by mu_ until finished_; read by OnDone after that
};

}  // namespace

EmbedderService::EmbedderService(ServingModel model, ServiceOptions options, core::Batcher* batcher,
                                 ServerMetrics* metrics)
    : model_(std::move(model)),
      options_(std::move(options)),
      batcher_(batcher),
      metrics_(metrics),
      api_keys_(options_.api_keys.begin(), options_.api_keys.end()) {}

bool EmbedderService::WaitForUnaryCalls(absl::Time deadline) const {
  while (unary_inflight_.load() > 0) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

absl::Status EmbedderService::Admit(const grpc::CallbackServerContext& context) const {
  if (draining_.load()) return absl::UnavailableError("the server is shutting down");
  if (!ready_.load()) return absl::UnavailableError("the model is still loading");
  if (api_keys_.empty()) return absl::OkStatus();
  const auto& md = context.client_metadata();
  const auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer <API key>' metadata");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ") || !api_keys_.contains(value)) {
    return absl::UnauthenticatedError("invalid API key");
  }
  return absl::OkStatus();
}

absl::StatusOr<PreparedEmbed> EmbedderService::Prepare(const grpc::ByteBuffer& bytes) {
  const absl::Time start = absl::Now();
  v1::EmbedRequest request;
  if (absl::Status s = ParseFromByteBuffer(bytes, &request); !s.ok()) return s;
  auto prepared = PrepareEmbed(request, model_, options_.limits);
  metrics_->RecordTokenization(absl::Now() - start);
  return prepared;
}

absl::StatusOr<std::shared_ptr<core::EmbedJob>> EmbedderService::Submit(
    PreparedEmbed prepared, absl::Time deadline, core::EmbedJob::Callback callback) {
  const int inputs = static_cast<int>(prepared.inputs.size());
  const int64_t tokens = prepared.tokens;
  const int truncated = prepared.truncated;
  auto job = std::make_shared<core::EmbedJob>(std::move(prepared.inputs), prepared.spec, deadline,
                                              std::move(callback));
  if (absl::Status s = batcher_->Submit(job); !s.ok()) return s;
  metrics_->RecordInputs(inputs, tokens, truncated);
  return job;
}

grpc::ServerUnaryReactor* EmbedderService::Embed(grpc::CallbackServerContext* context,
                                                 const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  auto* call = new EmbedCall(this, context, response);
  call->Start(*request);
  return call;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* EmbedderService::EmbedStream(
    grpc::CallbackServerContext* context) {
  auto* call = new EmbedStreamCall(this, context);
  call->Start();
  return call;
}

grpc::ServerUnaryReactor* EmbedderService::Tokenize(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  metrics_->RequestStarted();
  absl::Status status = Admit(*context);
  if (status.ok()) {
    v1::TokenizeRequest req;
    status = ParseFromByteBuffer(*request, &req);
    if (status.ok()) {
      auto result = RunTokenize(req, model_, options_.limits);
      status = result.status();
      if (status.ok() && !SerializeToByteBuffer(*result, response)) {
        status = absl::InternalError("could not serialize the response");
      }
    }
  }
  metrics_->RecordRequest(Rpc::kTokenize, static_cast<grpc::StatusCode>(status.code()),
                          absl::Now() - start);
  metrics_->RequestDone();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* EmbedderService::Info(grpc::CallbackServerContext* context,
                                                const v1::InfoRequest* /*request*/,
                                                v1::InfoResponse* response) {
  const absl::Time start = absl::Now();
  absl::Status status = Admit(*context);
  if (status.ok()) {
    *response = MakeInfo(model_, options_.limits);
    response->set_server_version(options_.server_version);
    response->set_cpu_isa(options_.cpu_isa);
    v1::BatchingLimits* b = response->mutable_batching();
    b->set_max_batch_tokens(static_cast<uint32_t>(options_.batching.max_batch_tokens));
    b->set_max_batch_size(static_cast<uint32_t>(options_.batching.max_batch_size));
    b->set_max_queue_delay_us(
        static_cast<uint64_t>(absl::ToInt64Microseconds(options_.batching.max_queue_delay)));
    b->set_max_queued_tokens(static_cast<uint64_t>(options_.batching.max_queued_tokens));
    b->set_max_inputs_per_request(static_cast<uint32_t>(options_.limits.max_inputs_per_request));
  }
  metrics_->RecordRequest(Rpc::kInfo, static_cast<grpc::StatusCode>(status.code()),
                          absl::Now() - start);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace attnserve
