// EmbedderService: attnserve.v1.Embedder on gRPC's callback API.
//
// Handlers run on gRPC's threads and never block: they check the API key, parse, validate and
// tokenize, queue an EmbedJob on the Batcher and return their reactor; the batcher's responder
// thread later builds the response and calls Finish. Every accepted call gets exactly one Finish.
// Embed, EmbedStream and Tokenize take raw ByteBuffers so that a request the protobuf parser
// refuses (e.g. invalid UTF-8 in a string field) gets INVALID_ARGUMENT naming the input, not
// gRPC's generic INTERNAL.
//
// Thread-safety: thread-safe. Owns nothing it is given: the batcher and metrics outlive it.
#ifndef ATTNSERVE_SERVER_EMBEDDER_SERVICE_H_
#define ATTNSERVE_SERVER_EMBEDDER_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/container/flat_hash_set.h"

#include "core/batching/batcher.h"
#include "server/metrics.h"
#include "server/request_builder.h"

#include "attnserve/v1/attnserve.grpc.pb.h"

namespace attnserve {

struct ServiceOptions {
  RequestLimits limits;
  // Accepted `authorization: Bearer KEY` values; empty = no authentication.
  std::vector<std::string> api_keys;
  // Reported by Info.
  core::BatchingOptions batching;
  std::string server_version;
  std::string cpu_isa;
};

using EmbedderServiceBase = v1::Embedder::WithRawCallbackMethod_Embed<
    v1::Embedder::WithRawCallbackMethod_EmbedStream<v1::Embedder::WithRawCallbackMethod_Tokenize<
        v1::Embedder::WithCallbackMethod_Info<v1::Embedder::Service>>>>;

class EmbedderService final : public EmbedderServiceBase {
 public:
  EmbedderService(ServingModel model, ServiceOptions options, core::Batcher* batcher,
                  ServerMetrics* metrics);

  // Until SetReady(true), calls get UNAVAILABLE ("loading"); after StartDraining(), UNAVAILABLE
  // ("shutting down").
  void SetReady(bool ready) { ready_.store(ready); }
  void StartDraining() { draining_.store(true); }
  // Blocks until no Embed call is in flight, or `deadline`; returns whether it got there.
  bool WaitForUnaryCalls(absl::Time deadline) const;

  grpc::ServerUnaryReactor* Embed(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* EmbedStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Tokenize(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Info(grpc::CallbackServerContext* context,
                                 const v1::InfoRequest* request,
                                 v1::InfoResponse* response) override;

  // Shared by the reactors (public for them; not part of the service's API).
  // OK when the call may proceed: ready, not draining, authorized.
  absl::Status Admit(const grpc::CallbackServerContext& context) const;
  // Parses and prepares one EmbedRequest (tokenization time goes to the metrics).
  absl::StatusOr<PreparedEmbed> Prepare(const grpc::ByteBuffer& bytes);
  // Queues a job answering `callback`; RESOURCE_EXHAUSTED / UNAVAILABLE when refused.
  absl::StatusOr<std::shared_ptr<core::EmbedJob>> Submit(PreparedEmbed prepared,
                                                         absl::Time deadline,
                                                         core::EmbedJob::Callback callback);
  const ServingModel& model() const { return model_; }
  ServerMetrics& metrics() { return *metrics_; }

 private:
  const ServingModel model_;
  const ServiceOptions options_;
  core::Batcher* const batcher_;
  ServerMetrics* const metrics_;
  absl::flat_hash_set<std::string> api_keys_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};

 public:
  // Admitted Embed calls not yet done (the reactors count themselves).
  std::atomic<int> unary_inflight_{0};
};

grpc::Status ToGrpcStatus(const absl::Status& s);

// Serializes `message` into a ByteBuffer (false on failure).
bool SerializeToByteBuffer(const google::protobuf::Message& message, grpc::ByteBuffer* out);
// Parses a ByteBuffer; on failure the status explains why (see DiagnoseParseFailure).
absl::Status ParseFromByteBuffer(const grpc::ByteBuffer& bytes, google::protobuf::Message* message);

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_EMBEDDER_SERVICE_H_
