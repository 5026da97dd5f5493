// ServerMetrics: every Prometheus metric of DESIGN §6, created once at startup so that each
// family (and each rpc x code series) is exported from the first scrape, and the hot path only
// touches prebuilt Counter& / Histogram& / Gauge& references (no Family::Add on the hot path).
//
// Thread-safety: thread-safe (prometheus-cpp metrics are atomic).
#ifndef ATTNSERVE_SERVER_METRICS_METRICS_H_
#define ATTNSERVE_SERVER_METRICS_METRICS_H_

#include <array>
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "core/batching/batcher.h"

namespace attnserve {

// The methods of both front ends: the gRPC RPCs, then the HTTP routes (server/http/), whose
// label values are "METHOD /path" so that one family counts every call of the process.
enum class Rpc {
  kEmbed,
  kEmbedStream,
  kTokenize,
  kDecode,
  kInfo,
  kRerank,
  kPredict,
  kHttpEmbeddings,  // POST /v1/embeddings
  kHttpModels,      // GET /v1/models
  kHttpEmbed,       // POST /embed (and POST /)
  kHttpEmbedAll,    // POST /embed_all
  kHttpTokenize,    // POST /tokenize
  kHttpDecode,      // POST /decode
  kHttpInfo,        // GET /info
  kHttpHealth,      // GET /health
  kHttpOpenApi,     // GET /openapi.json
  kHttpRerank,      // POST /rerank
  kHttpPredict,     // POST /predict
  kHttpOther,       // anything else: unknown routes, the heads the model lacks
};
inline constexpr int kNumRpcs = static_cast<int>(Rpc::kHttpOther) + 1;  // kHttpOther stays last
inline constexpr int kNumStatusCodes = 17;  // absl::StatusCode 0..16 (gRPC's numbering)

struct MetricsLabels {
  std::string model;
  std::string architecture;
  std::string dtype;
  std::string version;
  std::string onednn;
  std::string compute_dtype = "fp32";  // what the forward pass computes in (--dtype)
};

class ServerMetrics final : public core::BatchObserver {
 public:
  ServerMetrics(prometheus::Registry& registry, const MetricsLabels& labels);

  void RecordRequest(Rpc rpc, absl::StatusCode code, absl::Duration duration);
  // Calls finished so far with `code`, all RPCs together.
  double FinishedWithCode(absl::StatusCode code) const;
  void RecordTokenization(absl::Duration d) {
    tokenization_duration_.Observe(absl::ToDoubleSeconds(d));
  }
  void RecordQueueTime(absl::Duration d) { queue_duration_.Observe(absl::ToDoubleSeconds(d)); }
  void RecordInputs(int inputs, int64_t tokens, int truncated);
  void RequestStarted() { inflight_requests_.Increment(); }
  void RequestDone() { inflight_requests_.Decrement(); }

  // core::BatchObserver
  void OnQueueDepth(int sequences, int64_t tokens) override;
  void OnBatch(int sequences, int64_t tokens, absl::Duration inference) override;

 private:
  std::array<std::array<prometheus::Counter*, kNumStatusCodes>, kNumRpcs> requests_total_{};
  std::array<prometheus::Histogram*, kNumRpcs> request_duration_{};
  prometheus::Histogram& queue_duration_;
  prometheus::Histogram& tokenization_duration_;
  prometheus::Histogram& inference_duration_;
  prometheus::Histogram& batch_size_sequences_;
  prometheus::Histogram& batch_size_tokens_;
  prometheus::Gauge& queue_sequences_;
  prometheus::Gauge& queue_tokens_;
  prometheus::Gauge& inflight_requests_;
  prometheus::Counter& inputs_total_;
  prometheus::Counter& tokens_total_;
  prometheus::Counter& truncated_inputs_total_;
};

const char* RpcName(Rpc rpc);
// "OK", "INVALID_ARGUMENT", ... (the label values of attnserve_requests_total{code}).
std::string StatusCodeName(absl::StatusCode code);

// process_resident_memory_bytes, process_cpu_seconds_total, process_start_time_seconds (and
// process_virtual_memory_bytes, process_open_fds) read from /proc at scrape time.
std::shared_ptr<prometheus::Collectable> MakeProcessCollector();

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_METRICS_METRICS_H_
