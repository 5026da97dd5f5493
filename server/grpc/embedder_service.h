// GrpcEmbedderService: the gRPC front end, attnserve.v1.Embedder on gRPC's callback API, over
// the front-end-independent RequestHandler (server/requests/request_handler.h).
//
// Handlers run on gRPC's threads and never block: they admit the call (API key, ready,
// draining), hand the request's bytes to the handler (parsed, validated and tokenized on its
// pool, then queued on the batcher) and return their reactor; the job's callback later builds
// the response and calls Finish. Every accepted call gets exactly one Finish. Embed,
// EmbedStream, Tokenize, Decode, Rerank and Predict take raw ByteBuffers so that a request the
// protobuf parser refuses (e.g. invalid UTF-8 in a string field) gets INVALID_ARGUMENT naming the
// input, not gRPC's generic INTERNAL.
//
// Thread-safety: thread-safe. Owns nothing it is given: the handler outlives it.
#ifndef ATTNSERVE_SERVER_GRPC_EMBEDDER_SERVICE_H_
#define ATTNSERVE_SERVER_GRPC_EMBEDDER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "server/requests/request_handler.h"

#include "attnserve/v1/attnserve.grpc.pb.h"

namespace attnserve {

using EmbedderServiceBase = v1::Embedder::WithRawCallbackMethod_Embed<
    v1::Embedder::WithRawCallbackMethod_EmbedStream<v1::Embedder::WithRawCallbackMethod_Tokenize<
        v1::Embedder::WithRawCallbackMethod_Decode<v1::Embedder::WithRawCallbackMethod_Rerank<
            v1::Embedder::WithRawCallbackMethod_Predict<
                v1::Embedder::WithCallbackMethod_Info<v1::Embedder::Service>>>>>>>;

class GrpcEmbedderService final : public EmbedderServiceBase {
 public:
  explicit GrpcEmbedderService(RequestHandler* handler) : handler_(handler) {}

  grpc::ServerUnaryReactor* Embed(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* EmbedStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Tokenize(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Decode(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Rerank(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Predict(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Info(grpc::CallbackServerContext* context,
                                 const v1::InfoRequest* request,
                                 v1::InfoResponse* response) override;

 private:
  RequestHandler* const handler_;
};

// The handler's admission for a gRPC call (its `authorization` metadata).
absl::Status AdmitCall(const RequestHandler& handler, const grpc::CallbackServerContext& context);

grpc::Status ToGrpcStatus(const absl::Status& s);

// Serializes `message` into a ByteBuffer (false on failure).
bool SerializeToByteBuffer(const google::protobuf::Message& message, grpc::ByteBuffer* out);
// Parses a ByteBuffer; on failure the status explains why (see DiagnoseParseFailure).
absl::Status ParseFromByteBuffer(const grpc::ByteBuffer& bytes, google::protobuf::Message* message);

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_GRPC_EMBEDDER_SERVICE_H_
