// AttnServer: a running attnserve server — model, batcher, request handler (with its
// tokenization threads), gRPC front end (with health and reflection), Prometheus endpoint —
// built from ServerOptions. `attnserve serve` is this plus
// flags and signals; the integration tests run it in-process on 127.0.0.1:0.
//
// Thread-safety: Start / Drain / destruction from one thread; the accessors are thread-safe.
#ifndef ATTNSERVE_SERVER_SERVER_H_
#define ATTNSERVE_SERVER_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "core/batching/batcher.h"
#include "core/model/model_loader.h"
#include "core/util/logging.h"
#include "server/grpc/embedder_service.h"
#include "server/http/http_server.h"
#include "server/metrics/metrics.h"
#include "server/requests/request_handler.h"
#include "server/tls_check.h"

namespace attnserve {

struct ServerOptions {
  std::string model = "demo";  // "demo" or a model directory
  core::LoadOptions load;      // compute dtype and its accuracy gate
  std::string host = "0.0.0.0";
  int port = 50051;  // 0 = any free port (see AttnServer::port())
  std::string metrics_host = "0.0.0.0";
  int metrics_port = 9000;         // 0 = any free port, -1 = no metrics endpoint
  core::BatchingOptions batching;  // max_sequence_tokens is set from the input limit
  RequestLimits limits;            // max_input_length 0 = the model's max_seq_length
  // The prompt of requests without prompt_name ("" = the model's default_prompt_name).
  std::string default_prompt_name;
  int tokenizer_threads = 2;       // threads that parse, validate and tokenize requests
  // Requests up to this size (bytes) are prepared on the gRPC thread that took them in
  // (RequestOptions::inline_prepare_bytes); 0 = all on the tokenization threads.
  int inline_prepare_bytes = 0;
  // Scheduler slice (Linux 6.12+ EEVDF; older kernels ignore it) of the serving threads started
  // by Start (gRPC, tokenization, responder), which also applies to the calling thread; the
  // compute keeps the kernel's default. Zero = leave the slices alone (default: on a machine
  // shared with other loads its effect on the refusal tail measured both ways, bench/overload.sh).
  absl::Duration serving_slice = absl::ZeroDuration();
  bool access_log = false;         // one line per call (server/requests/access_log.h)
  // HTTP/2 pings on every connection, calls or not (0 = none): the only way a connection whose
  // client vanished without a FIN, or that never reads (its writes blocked by flow control), is
  // ever closed. Each ping gets min(20 s, keepalive) to be answered.
  absl::Duration keepalive = absl::Seconds(60);
  TlsOptions tls;
  std::vector<std::string> api_keys;
  int max_message_bytes = 64 << 20;
  // The HTTP/JSON front end (server/http/) on the same handler and batcher: 0 = off, -1 = any
  // free port (see AttnServer::http_port()). Off here; `attnserve serve` defaults to 8080. It
  // uses `tls` (HTTPS) and the API keys; its body limit is max_message_bytes.
  int http_port = 0;
  std::string http_host = "0.0.0.0";
  int http_threads = 2;
  absl::Duration http_timeout = absl::Seconds(60);  // per request, arrival to answer
  absl::Duration http_idle_timeout = absl::Seconds(60);
};

class AttnServer {
 public:
  // Loads the model, starts every component and waits for the encoder's warm-up; health is
  // SERVING when this returns. Errors are one line naming the cause (bad model, port in use, ...).
  static absl::StatusOr<std::unique_ptr<AttnServer>> Start(ServerOptions options);
  ~AttnServer();

  // Health NOT_SERVING, new calls UNAVAILABLE, in-flight calls get until `deadline` to finish
  // (then they are cancelled), the queue is drained. Idempotent.
  void Drain(absl::Time deadline);

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }  // -1 when off
  int http_port() const { return http_ != nullptr ? http_->port() : 0; }  // 0 when off
  const core::LoadedModel& model() const { return loaded_; }
  const ServerOptions& options() const { return options_; }
  prometheus::Registry& registry() { return *registry_; }
  // One line for the startup log.
  std::string Banner() const;
  // Replaces the accepted API keys without a restart (SIGHUP); empty = none required.
  void SetApiKeys(const std::vector<std::string>& keys) { handler_->SetApiKeys(keys); }
  // The banner's facts as log fields (--log-format json makes them members).
  LogFields BannerFields() const;

 private:
  AttnServer() = default;

  ServerOptions options_;
  core::LoadedModel loaded_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::shared_ptr<prometheus::Collectable> process_collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  // Destroyed after the batcher and the handler: their threads may still post answers to its
  // I/O context (Drain has stopped its threads by then).
  std::unique_ptr<HttpServer> http_;
  // Destroyed in reverse order: the gRPC server, its service, the handler (whose tokenization
  // threads may still queue work), then the batcher.
  std::unique_ptr<core::Batcher> batcher_;
  std::unique_ptr<RequestHandler> handler_;
  std::unique_ptr<GrpcEmbedderService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int metrics_port_ = -1;
  bool drained_ = false;
};

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_SERVER_H_
