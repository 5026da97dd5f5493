// HttpServer: the HTTP/1.1 JSON front end (OpenAI's /v1/embeddings, text-embeddings-inference's
// routes), on Boost.Beast over asio, in the same process as gRPC and over the same
// RequestHandler (server/requests/): the same admission (ready, draining, API keys), limits,
// tokenization pool, batcher, metrics and access log.
//
// Connections are asynchronous (a few I/O threads serve any number of them; no thread per
// connection), keep-alive, optionally TLS (the server's --tls-* files). An I/O thread only frames
// HTTP: the body is parsed from JSON, validated and tokenized on the handler's pool, computed by
// the batcher, and its JSON answer built on the thread that finished it; the I/O thread writes
// it. While a request waits, its connection is watched: a client that closes it cancels the
// request's queued work.
//
// Routes (server/http/README.md): POST /v1/embeddings, GET /v1/models, POST /embed (and POST /),
// /embed_all, /tokenize, /decode, GET /info, GET /health; /rerank, /predict and /embed_sparse
// answer 404 naming the head the model lacks.
//
// Thread-safety: Start / Shutdown / destruction from one thread. Owns its I/O threads and
// connections; the handler outlives it.
#ifndef ATTNSERVE_SERVER_HTTP_HTTP_SERVER_H_
#define ATTNSERVE_SERVER_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "server/requests/request_handler.h"
#include "server/tls_check.h"

namespace attnserve {

struct HttpOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0 = any free port (HttpServer::port())
  // I/O threads (>= 1): HTTP framing only; parsing and tokenization run on the handler's pool.
  int threads = 2;
  // Largest request body; a larger one is answered 413 naming this limit. Default 64 MiB (the
  // server passes --max-message-bytes).
  int64_t max_body_bytes = 64 << 20;
  // Time a request gets from its arrival to its answer; then it is cancelled and answered 504.
  absl::Duration request_timeout = absl::Seconds(60);
  // A keep-alive connection with no request for this long is closed; also bounds the time to
  // send a request's header and body.
  absl::Duration idle_timeout = absl::Seconds(60);
  TlsOptions tls;  // cert_pem empty = plaintext; client_ca_pem = require client certificates
  // Reported by /info (TEI's auto_truncate, tokenization_workers).
  bool truncate_by_default = false;
  int tokenizer_threads = 2;
};

class HttpServer {
 public:
  // Binds host:port and starts the I/O threads. Errors: the port in use or the address
  // unresolvable (Unavailable / InvalidArgument naming --http-port), a TLS file asio refuses.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpOptions& options,
                                                           RequestHandler* handler);
  // Shutdown(now).
  ~HttpServer();

  int port() const;

  // Stops accepting connections, closes idle ones, lets requests in flight be answered until
  // `deadline` (the handler's drain has already refused new ones with 503 and waited for its
  // calls), then closes what is left and joins the I/O threads. Blocks. Idempotent.
  void Shutdown(absl::Time deadline);

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_HTTP_HTTP_SERVER_H_
