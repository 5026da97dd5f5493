#include "server/grpc/embedder_service.h"

#include <map>
#include <memory>
#include <set>
#include <utility>

#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/strings/str_cat.h"
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

absl::Status AdmitCall(const RequestHandler& handler, const grpc::CallbackServerContext& context) {
  const auto& md = context.client_metadata();
  const auto it = md.find("authorization");
  if (it == md.end()) return handler.Admit(absl::nullopt);
  return handler.Admit(absl::string_view(it->second.data(), it->second.size()));
}

namespace {

absl::Time DeadlineOf(const grpc::CallbackServerContext& context) {
  const auto d = context.deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(d);
}

// The access log's record of a call that just arrived: its request id (the client's
// x-request-id, or a new one; echoed in the call's initial metadata) and peer.
CallRecord StartRecord(const char* rpc, grpc::CallbackServerContext& context) {
  const auto& md = context.client_metadata();
  const auto it = md.find(kRequestIdKey);
  CallRecord r;
  r.rpc = rpc;
  r.request_id = RequestIdFor(it == md.end() ? absl::nullopt
                                             : absl::optional<absl::string_view>(absl::string_view(
                                                   it->second.data(), it->second.size())));
  r.peer = context.peer();
  context.AddInitialMetadata(kRequestIdKey, r.request_id);
  return r;
}

// The status the client will see: once its deadline passed it sees DEADLINE_EXCEEDED, whatever
// the server answers (gRPC ends the call on its side), so that is what the metrics count too.
absl::Status AsClientSees(const absl::Status& status, absl::Time deadline) {
  // gRPC cancels a call when its deadline timer fires, which can be a little before the
  // deadline by this clock: a cancellation that close to the deadline is the deadline's.
  const absl::Time now = absl::Now();
  const bool expired =
      now >= deadline || (absl::IsCancelled(status) && now + absl::Milliseconds(20) >= deadline);
  if (!expired) return status;
  return absl::DeadlineExceededError("the deadline passed before the answer was sent");
}

// A call that ended before its request message arrived (the client went away, or its deadline
// passed): gRPC still runs the unary handler, with no message (an invalid ByteBuffer), which
// would parse as an empty request and be answered "no inputs". IsCancelled() is often not yet
// true then (measured: ghz with 15 ms deadlines); an empty message a client did send is valid.
bool EndedEarly(const grpc::CallbackServerContext& context, const grpc::ByteBuffer& request) {
  return !request.Valid() || context.IsCancelled();
}

// Its status; AsClientSees turns it into DEADLINE_EXCEEDED near the deadline.
absl::Status CallEndedEarly() {
  return absl::CancelledError("the call ended before its request arrived");
}

// A reader of `bytes` as a `Request`, for the handler's tokenization threads. `bytes` must stay
// valid until the read ran (gRPC keeps a unary call's request until Finish).
template <typename Request>
RequestHandler::Reader<Request> ReadFrom(std::shared_ptr<const grpc::ByteBuffer> bytes) {
  return [bytes = std::move(bytes)]() -> absl::StatusOr<Request> {
    Request request;
    if (absl::Status s = ParseFromByteBuffer(*bytes, &request); !s.ok()) return s;
    return request;
  };
}

// A non-owning view of a ByteBuffer that outlives the read.
std::shared_ptr<const grpc::ByteBuffer> Borrow(const grpc::ByteBuffer* bytes) {
  return std::shared_ptr<const grpc::ByteBuffer>(std::shared_ptr<void>(), bytes);
}

// The unary calls answered by one batcher job: Embed, Rerank and Predict. Each Kind says how
// the handler starts the job and builds the response of the finished job from the request.
struct EmbedKind {
  using Request = v1::EmbedRequest;
  using Response = v1::EmbedResponse;
  static constexpr Rpc kRpc = Rpc::kEmbed;
  static constexpr const char* kName = "Embed";
  static std::shared_ptr<core::EmbedJob> Start(RequestHandler& h,
                                               RequestHandler::Reader<Request> read,
                                               absl::Time deadline, core::EmbedJob::Callback done,
                                               std::shared_ptr<Request> /*parsed*/, size_t bytes) {
    return h.Embed(std::move(read), deadline, std::move(done), bytes);
  }
  static void Build(const RequestHandler& h, const Request& /*request*/,
                    const core::EmbedJob& job, absl::Time received, Response& response) {
    h.BuildEmbedResponse(job, received, response);
  }
};

struct RerankKind {
  using Request = v1::RerankRequest;
  using Response = v1::RerankResponse;
  static constexpr Rpc kRpc = Rpc::kRerank;
  static constexpr const char* kName = "Rerank";
  static std::shared_ptr<core::EmbedJob> Start(RequestHandler& h,
                                               RequestHandler::Reader<Request> read,
                                               absl::Time deadline, core::EmbedJob::Callback done,
                                               std::shared_ptr<Request> parsed, size_t bytes) {
    return h.Rerank(std::move(read), deadline, std::move(done), std::move(parsed), bytes);
  }
  static void Build(const RequestHandler& h, const Request& request, const core::EmbedJob& job,
                    absl::Time received, Response& response) {
    h.BuildRerankResponse(request, job, received, response);
  }
};

struct PredictKind {
  using Request = v1::PredictRequest;
  using Response = v1::PredictResponse;
  static constexpr Rpc kRpc = Rpc::kPredict;
  static constexpr const char* kName = "Predict";
  static std::shared_ptr<core::EmbedJob> Start(RequestHandler& h,
                                               RequestHandler::Reader<Request> read,
                                               absl::Time deadline, core::EmbedJob::Callback done,
                                               std::shared_ptr<Request> parsed, size_t bytes) {
    return h.Predict(std::move(read), deadline, std::move(done), std::move(parsed), bytes);
  }
  static void Build(const RequestHandler& h, const Request& request, const core::EmbedJob& job,
                    absl::Time received, Response& response) {
    h.BuildPredictResponse(request, job, received, response);
  }
};

// One request, one job, one Finish. Two parties must be done before Finish: Start() (it
// has returned from the handler and stored the job) and the job's callback (the answer), in
// either order; so the reactor is never deleted under Start's feet.
template <typename Kind>
class JobCall final : public grpc::ServerUnaryReactor {
 public:
  JobCall(RequestHandler* handler, grpc::CallbackServerContext* context,
          grpc::ByteBuffer* response)
      : handler_(handler),
        context_(context),
        response_(response),
        received_(absl::Now()),
        record_(StartRecord(Kind::kName, *context)) {
    handler_->metrics().RequestStarted();
  }

  void Start(const grpc::ByteBuffer* request) {
    if (absl::Status status = AdmitCall(*handler_, *context_); !status.ok()) {
      // Refused: there is no job, the answer is both parties (now, or late in a drain).
      handler_->Refuse(std::move(status), [this](absl::Status s) {
        status_ = std::move(s);
        Release();
        Release();
      });
      return;
    }
    if (EndedEarly(*context_, *request)) {
      status_ = CallEndedEarly();
      Release();
      Release();
      return;
    }
    admitted_ = true;  // the drain waits for it
    handler_->CallStarted();
    std::shared_ptr<core::EmbedJob> job = Kind::Start(
        *handler_, ReadFrom<typename Kind::Request>(Borrow(request)), DeadlineOf(*context_),
        [this](const absl::Status& s, core::EmbedJob& j) { OnJobDone(s, j); }, parsed_,
        request->Length());
    {
      MutexLock lock(&mu_);
      job_ = std::move(job);
      if (cancelled_) job_->Cancel();
    }
    Release();
  }

  void OnCancel() override {
    MutexLock lock(&mu_);
    cancelled_ = true;
    if (job_ != nullptr) job_->Cancel();
  }

  void OnDone() override {
    handler_->metrics().RequestDone();
    if (admitted_) handler_->CallDone();
    delete this;
  }

 private:
  void OnJobDone(const absl::Status& status, core::EmbedJob& job) {
    status_ = status;
    AddJobFigures(job, record_);
    if (status.ok()) {
      typename Kind::Response response;
      Kind::Build(*handler_, *parsed_, job, received_, response);
      if (!SerializeToByteBuffer(response, response_)) {
        status_ = absl::InternalError("could not serialize the response");
      }
    }
    Release();
  }

  // The second of Start() and OnJobDone() to finish sends the status.
  void Release() {
    if (parties_.fetch_sub(1) != 1) return;
    status_ = AsClientSees(status_, DeadlineOf(*context_));
    // Recorded before Finish, so a client that got its answer also sees it counted.
    record_.total = absl::Now() - received_;
    record_.status = status_;
    handler_->CallFinished(Kind::kRpc, record_);
    Finish(ToGrpcStatus(status_));
  }

  RequestHandler* const handler_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  const absl::Time received_;
  // The request as parsed on the tokenization thread, before the job is queued (read by
  // OnJobDone, after the batcher computed the job).
  const std::shared_ptr<typename Kind::Request> parsed_ =
      std::make_shared<typename Kind::Request>();
  // Filled by the constructor, OnJobDone and the last Release (fetch_sub orders them).
  CallRecord record_;
  std::atomic<int> parties_{2};
  // Written in Start before the handler sees the call, read in OnDone (after Finish).
  bool admitted_ = false;
  // Written by OnJobDone, or by Start when it refuses the call, before the Release that may
  // Finish; read by that Release (fetch_sub orders the two).
  absl::Status status_;
  Mutex mu_;
  std::shared_ptr<core::EmbedJob> job_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// EmbedStream: one response per request message, in order; messages of the stream are prepared
// and queued as they arrive and batched with everyone else's. At most kMaxInFlight messages are
// pending or unwritten; past that the stream stops reading (flow control back to the client).
// The first error ends the stream with its status ("message N: ...").
//
// Every reaction (Start, OnReadDone, OnWriteDone, OnCancel, a job's answer) takes mu_, updates
// the state, and lets DecideLocked() choose what to issue next; Perform() issues it outside the
// lock. A message's life, by its sequence number seq:
//
//   read ──▶ pending_ (being prepared / queued / computed; jobs_[seq] holds its job once known)
//              │ answered OK                      │ answered with an error, or cancelled
//              ▼                                  ▼
//            ready_ (serialized, waiting for      FailLocked: final_ = the error, every job
//            its turn: written in seq order)      of jobs_ cancelled, no more reads or writes
//              │ OnWriteDone
//              ▼
//            written (next_write_ moves past it)
//
// The stream as a whole:
//
//   Start ──▶ reading (one StartRead in flight while below kMaxInFlight and final_ is OK)
//               │ the client half-closes (OnReadDone(false)) or an error/cancel sets final_
//               ▼
//             reads_done_ ──▶ Finish(final_) once nothing is pending, being started or written,
//                             and either every answer was written or final_ is an error
//
// A Finish is always the last thing Perform() does, and nothing follows it but OnDone.
class EmbedStreamCall final : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  static constexpr size_t kMaxInFlight = 64;

  EmbedStreamCall(RequestHandler* handler, grpc::CallbackServerContext* context)
      : handler_(handler),
        context_(context),
        received_(absl::Now()),
        record_(StartRecord("EmbedStream", *context)) {
    handler_->metrics().RequestStarted();
  }

  void Start() {
    if (absl::Status status = AdmitCall(*handler_, *context_); !status.ok()) {
      {
        MutexLock lock(&mu_);
        refusing_ = true;  // nothing may Finish before the refusal's answer
        reads_done_ = true;
      }
      handler_->Refuse(std::move(status), [this](absl::Status s) {
        Actions a;
        {
          MutexLock lock(&mu_);
          refusing_ = false;
          if (final_.ok()) final_ = std::move(s);  // else the client cancelled meanwhile
          a = DecideLocked();
        }
        Perform(a);
      });
      return;
    }
    Actions a;
    {
      MutexLock lock(&mu_);
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
    // read_buffer_ is reused by the next read: the handler gets its own reference (the slices
    // are reference-counted, no data is copied).
    auto bytes = std::make_shared<const grpc::ByteBuffer>(read_buffer_);
    const size_t size = bytes->Length();
    uint64_t seq;
    {
      MutexLock lock(&mu_);
      reading_ = false;
      seq = next_seq_++;
      pending_.insert(seq);  // keeps the stream open until the message is answered
    }
    std::shared_ptr<core::EmbedJob> job = handler_->Embed(
        ReadFrom<v1::EmbedRequest>(std::move(bytes)), DeadlineOf(*context_),
        [this, seq, received](const absl::Status& s, core::EmbedJob& j) {
          OnJobDone(seq, received, s, j);
        },
        size);
    Actions a;
    {
      MutexLock lock(&mu_);
      if (pending_.count(seq) != 0) {  // not answered yet: keep it for cancellation
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
    handler_->metrics().RequestDone();
    delete this;
  }

 private:
  struct Actions {
    grpc::ByteBuffer* write = nullptr;
    bool read = false;
    bool finish = false;
    grpc::Status status;
  };

  // A message's answer: on the batcher's responder thread or a tokenization thread.
  void OnJobDone(uint64_t seq, absl::Time received, const absl::Status& status,
                 core::EmbedJob& job) {
    grpc::ByteBuffer bytes;
    absl::Status s = status;
    if (s.ok()) {
      v1::EmbedResponse response;
      handler_->BuildEmbedResponse(job, received, response);
      if (!SerializeToByteBuffer(response, &bytes)) s = absl::InternalError("serialization failed");
    }
    Actions a;
    {
      MutexLock lock(&mu_);
      stream_inputs_ += job.num_sequences();
      stream_tokens_ += job.num_tokens();
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
    if (finished_ || refusing_) return a;
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
    const bool all_answered = pending_.empty() && starting_ == 0 && !writing_;
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
      if (a.status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
          absl::Now() >= DeadlineOf(*context_)) {
        a.status = ToGrpcStatus(AsClientSees(absl::OkStatus(), DeadlineOf(*context_)));
      }
      record_.total = absl::Now() - received_;
      record_.status = absl::Status(static_cast<absl::StatusCode>(a.status.error_code()),
                                    a.status.error_message());
      {
        MutexLock lock(&mu_);
        record_.messages = static_cast<int>(next_seq_);
        record_.inputs = stream_inputs_;
        record_.tokens = stream_tokens_;
      }
      handler_->CallFinished(Rpc::kEmbedStream, record_);
      Finish(a.status);
    }
  }

  RequestHandler* const handler_;
  grpc::CallbackServerContext* const context_;
  const absl::Time received_;
  CallRecord record_;  // completed by the Finish in Perform
  // Filled by gRPC between StartRead and OnReadDone; only one read is ever in flight (reading_).
  grpc::ByteBuffer read_buffer_;

  Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;    // sequence number of the next message read
  uint64_t next_write_ ABSL_GUARDED_BY(mu_) = 0;  // sequence number of the next answer written
  std::set<uint64_t> pending_ ABSL_GUARDED_BY(mu_);  // read, not answered
  std::map<uint64_t, std::shared_ptr<core::EmbedJob>> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, grpc::ByteBuffer> ready_ ABSL_GUARDED_BY(mu_);  // answered, not written
  int starting_ ABSL_GUARDED_BY(mu_) = 0;  // StartRead/StartWrite decided, not yet issued
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool refusing_ ABSL_GUARDED_BY(mu_) = false;  // refused, its answer held by the handler
  int stream_inputs_ ABSL_GUARDED_BY(mu_) = 0;      // of the messages answered
  int64_t stream_tokens_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status final_ ABSL_GUARDED_BY(mu_);  // the stream's status: OK until the first error
};

}  // namespace

grpc::ServerUnaryReactor* GrpcEmbedderService::Embed(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  auto* call = new JobCall<EmbedKind>(handler_, context, response);
  call->Start(request);
  return call;
}

grpc::ServerUnaryReactor* GrpcEmbedderService::Rerank(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  auto* call = new JobCall<RerankKind>(handler_, context, response);
  call->Start(request);
  return call;
}

grpc::ServerUnaryReactor* GrpcEmbedderService::Predict(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  auto* call = new JobCall<PredictKind>(handler_, context, response);
  call->Start(request);
  return call;
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* GrpcEmbedderService::EmbedStream(
    grpc::CallbackServerContext* context) {
  auto* call = new EmbedStreamCall(handler_, context);
  call->Start();
  return call;
}

namespace {

// A unary call answered on the handler's tokenization pool (Tokenize, Decode): admission, the
// access-log record, metrics, drain accounting and exactly one Finish. `run(reader, done)` hands
// the request to the handler; `figures(response, record)` fills the record's inputs and tokens.
template <typename Request, typename Response, typename Run, typename Figures>
grpc::ServerUnaryReactor* PoolUnary(RequestHandler* handler, Rpc rpc, const char* name,
                                    grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request, grpc::ByteBuffer* response,
                                    Run run, Figures figures) {
  const absl::Time start = absl::Now();
  handler->metrics().RequestStarted();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = [handler, rpc, reactor, start, response, figures, deadline = DeadlineOf(*context),
                 record = std::make_shared<CallRecord>(StartRecord(name, *context))](
                    absl::StatusOr<Response> result, bool admitted) {
    absl::Status status = result.status();
    if (status.ok() && !SerializeToByteBuffer(*result, response)) {
      status = absl::InternalError("could not serialize the response");
    }
    status = AsClientSees(status, deadline);
    record->status = status;
    record->total = absl::Now() - start;
    if (result.ok()) figures(*result, *record);
    handler->CallFinished(rpc, *record);
    handler->metrics().RequestDone();
    if (admitted) handler->CallDone();
    reactor->Finish(ToGrpcStatus(status));
  };
  if (absl::Status status = AdmitCall(*handler, *context); !status.ok()) {
    handler->Refuse(std::move(status),
                    [finish](absl::Status s) mutable { finish(std::move(s), /*admitted=*/false); });
    return reactor;
  }
  if (EndedEarly(*context, *request)) {
    finish(CallEndedEarly(), /*admitted=*/false);
    return reactor;
  }
  handler->CallStarted();
  // Answered on a tokenization thread: gRPC keeps `request` and `response` until Finish.
  run(ReadFrom<Request>(Borrow(request)), [finish](absl::StatusOr<Response> result) mutable {
    finish(std::move(result), /*admitted=*/true);
  });
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* GrpcEmbedderService::Tokenize(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return PoolUnary<v1::TokenizeRequest, v1::TokenizeResponse>(
      handler_, Rpc::kTokenize, "Tokenize", context, request, response,
      [this](auto read, auto done) { handler_->Tokenize(std::move(read), std::move(done)); },
      [](const v1::TokenizeResponse& r, CallRecord& record) {
        record.inputs = r.tokens_size();
        record.tokens = 0;
        for (const auto& t : r.tokens()) record.tokens += t.ids_size();
      });
}

grpc::ServerUnaryReactor* GrpcEmbedderService::Decode(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  return PoolUnary<v1::DecodeRequest, v1::DecodeResponse>(
      handler_, Rpc::kDecode, "Decode", context, request, response,
      [this](auto read, auto done) { handler_->Decode(std::move(read), std::move(done)); },
      [](const v1::DecodeResponse& r, CallRecord& record) { record.inputs = r.texts_size(); });
}

grpc::ServerUnaryReactor* GrpcEmbedderService::Info(grpc::CallbackServerContext* context,
                                                    const v1::InfoRequest* /*request*/,
                                                    v1::InfoResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = [this, reactor, start,
                 record = std::make_shared<CallRecord>(StartRecord("Info", *context))](
                    const absl::Status& status) {
    record->status = status;
    record->total = absl::Now() - start;
    handler_->CallFinished(Rpc::kInfo, *record);
    reactor->Finish(ToGrpcStatus(status));
  };
  if (absl::Status status = AdmitCall(*handler_, *context); !status.ok()) {
    handler_->Refuse(std::move(status), [finish](absl::Status s) { finish(s); });
    return reactor;
  }
  *response = handler_->Info();
  finish(absl::OkStatus());
  return reactor;
}

}  // namespace attnserve
