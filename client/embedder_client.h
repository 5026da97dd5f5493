// attnserve C++ client: Embed, EmbedStream, Tokenize, Decode, Rerank, Predict, Info and Health
// over one gRPC channel.
//
//   auto client = attnserve::client::EmbedderClient::Create({.target = "localhost:50051"});
//   auto vectors = (*client)->EmbedTexts({"hello world", "goodbye"});
//
// Options cover TLS (server CA, client certificate for mutual TLS), an API key sent as
// `authorization: Bearer KEY`, message size limits, per-call timeouts, client-side round-robin
// over the addresses a DNS name resolves to (scale-out without an L7 proxy), and retries of
// UNAVAILABLE through gRPC's service-config retry policy (Embed is idempotent).
//
// Thread-safety: an EmbedderClient is thread-safe and meant to be shared; EmbedStream is not
// (one reader and one writer thread at most, as grpc::ClientReaderWriter).
#ifndef ATTNSERVE_CLIENT_EMBEDDER_CLIENT_H_
#define ATTNSERVE_CLIENT_EMBEDDER_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

#include "attnserve/v1/attnserve.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace attnserve::client {

struct ClientOptions {
  std::string target = "localhost:50051";  // host:port, or dns:///name:port for round-robin
  // TLS: on when `tls` is true; `ca_pem` empty = the system roots.
  bool tls = false;
  std::string ca_pem;
  std::string client_cert_pem;  // mutual TLS
  std::string client_key_pem;
  std::string server_name_override;  // for certificates issued to another name (tests)
  std::string api_key;               // sent as "authorization: Bearer <api_key>"
  // Sent as x-request-id on every call: the server's access log carries it (a malformed one,
  // or none, is replaced by an id the server makes). Failed calls end their message with
  // " [request id ID]", the id the server used.
  std::string request_id;
  int max_message_bytes = 64 << 20;
  absl::Duration timeout = absl::Seconds(60);  // per call; InfiniteDuration() = none
  bool retry_unavailable = true;               // up to 4 attempts, 0.1 s .. 1 s backoff
  bool round_robin = false;                    // balance calls over every resolved address
  // Clients with different ids use separate connections (load generation); 0 = shared.
  int channel_id = 0;
};

// gRPC status -> absl::Status (same codes, same message).
absl::Status FromGrpcStatus(const grpc::Status& s);

// What a failed connection means, said as the user can act on it, or "" when `grpc_message` is
// not a connection failure this knows. gRPC reports a TLS mismatch as "Socket closed" or an
// OpenSSL reason; this says which side refused which and the option that changes it (named as
// the CLI and the example clients spell them: --tls, --ca, --cert/--key, --server-name).
std::string ConnectionHint(const ClientOptions& options, absl::string_view grpc_message);

class EmbedStream;

class EmbedderClient {
 public:
  static absl::StatusOr<std::unique_ptr<EmbedderClient>> Create(const ClientOptions& options);

  absl::StatusOr<v1::EmbedResponse> Embed(const v1::EmbedRequest& request);
  absl::StatusOr<v1::TokenizeResponse> Tokenize(const v1::TokenizeRequest& request);
  absl::StatusOr<v1::DecodeResponse> Decode(const v1::DecodeRequest& request);
  // The texts scored against the query by the served cross-encoder, best first.
  absl::StatusOr<v1::RerankResponse> Rerank(const v1::RerankRequest& request);
  // The label scores of each input from the served classifier.
  absl::StatusOr<v1::PredictResponse> Predict(const v1::PredictRequest& request);
  absl::StatusOr<v1::InfoResponse> Info();
  // The health status of `service` ("" = the server as a whole).
  absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> Health(
      const std::string& service = "");

  // Asynchronous Embed: `done` runs once, on a gRPC thread, with the response or the error.
  void EmbedAsync(const v1::EmbedRequest& request,
                  std::function<void(absl::StatusOr<v1::EmbedResponse>)> done);

  // Opens a bidirectional EmbedStream.
  std::unique_ptr<EmbedStream> OpenStream();

  // Convenience: pooled vectors of `texts` with the model's default pooling / normalization.
  absl::StatusOr<std::vector<std::vector<float>>> EmbedTexts(const std::vector<std::string>& texts);

  // A context with the options' deadline and API key (for callers of the raw stubs).
  void PrepareContext(grpc::ClientContext& context) const;

 private:
  EmbedderClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel);
  // FromGrpcStatus, with ConnectionHint and the server's request id appended to the message
  // when there are.
  absl::Status Failed(const grpc::Status& s, const grpc::ClientContext& context) const;

  ClientOptions options_;
  std::shared_ptr<const ClientOptions> options_for_hints_;  // shared with async callbacks
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Embedder::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

// One EmbedStream call: Write requests, Read responses (one per request, in order), then
// WritesDone and Finish.
class EmbedStream {
 public:
  bool Write(const v1::EmbedRequest& request) { return stream_->Write(request); }
  bool Read(v1::EmbedResponse* response) { return stream_->Read(response); }
  bool WritesDone() { return stream_->WritesDone(); }
  // The final status; call after Read returned false.
  absl::Status Finish() { return FromGrpcStatus(stream_->Finish()); }
  void Cancel() { context_.TryCancel(); }

 private:
  friend class EmbedderClient;
  EmbedStream() = default;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::EmbedRequest, v1::EmbedResponse>> stream_;
};

}  // namespace attnserve::client

#endif  // ATTNSERVE_CLIENT_EMBEDDER_CLIENT_H_
