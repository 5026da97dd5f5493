#include "server/metrics/metrics.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dirent.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace attnserve {
namespace {

using prometheus::Histogram;

Histogram::BucketBoundaries Exponential(double start, double factor, int count) {
  Histogram::BucketBoundaries b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

// 100 us .. ~52 s
const Histogram::BucketBoundaries kSecondsBuckets = Exponential(0.0001, 2.0, 20);

Histogram& MakeHistogram(prometheus::Registry& r, const std::string& name, const std::string& help,
                         const Histogram::BucketBoundaries& buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add({}, buckets);
}

prometheus::Gauge& MakeGauge(prometheus::Registry& r, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({});
}

prometheus::Counter& MakeCounter(prometheus::Registry& r, const std::string& name,
                                 const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

const char* RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kEmbed:
      return "Embed";
    case Rpc::kEmbedStream:
      return "EmbedStream";
    case Rpc::kTokenize:
      return "Tokenize";
    case Rpc::kDecode:
      return "Decode";
    case Rpc::kInfo:
      return "Info";
    case Rpc::kRerank:
      return "Rerank";
    case Rpc::kPredict:
      return "Predict";
    case Rpc::kHttpRerank:
      return "POST /rerank";
    case Rpc::kHttpPredict:
      return "POST /predict";
    case Rpc::kHttpEmbeddings:
      return "POST /v1/embeddings";
    case Rpc::kHttpModels:
      return "GET /v1/models";
    case Rpc::kHttpEmbed:
      return "POST /embed";
    case Rpc::kHttpEmbedAll:
      return "POST /embed_all";
    case Rpc::kHttpTokenize:
      return "POST /tokenize";
    case Rpc::kHttpDecode:
      return "POST /decode";
    case Rpc::kHttpInfo:
      return "GET /info";
    case Rpc::kHttpHealth:
      return "GET /health";
    case Rpc::kHttpOpenApi:
      return "GET /openapi.json";
    case Rpc::kHttpOther:
      return "HTTP other";
  }
  return "?";
}

std::string StatusCodeName(absl::StatusCode code) {
  // gRPC and absl share the canonical codes and their names.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

ServerMetrics::ServerMetrics(prometheus::Registry& r, const MetricsLabels& labels)
    : queue_duration_(MakeHistogram(r, "attnserve_queue_duration_seconds",
                                    "Time from a request's acceptance to the start of the first "
                                    "batch holding one of its inputs",
                                    kSecondsBuckets)),
      tokenization_duration_(MakeHistogram(r, "attnserve_tokenization_duration_seconds",
                                           "Time to validate and tokenize one request",
                                           kSecondsBuckets)),
      inference_duration_(MakeHistogram(r, "attnserve_inference_duration_seconds",
                                        "Time of one encoder forward pass (one batch)",
                                        kSecondsBuckets)),
      batch_size_sequences_(MakeHistogram(r, "attnserve_batch_size_sequences",
                                          "Sequences per forward pass", Exponential(1, 2, 11))),
      batch_size_tokens_(MakeHistogram(r, "attnserve_batch_size_tokens",
                                       "Tokens per forward pass (no padding)",
                                       Exponential(16, 2, 12))),
      queue_sequences_(MakeGauge(r, "attnserve_queue_sequences", "Sequences waiting for a batch")),
      queue_tokens_(MakeGauge(r, "attnserve_queue_tokens", "Tokens waiting for a batch")),
      inflight_requests_(
          MakeGauge(r, "attnserve_inflight_requests", "RPCs accepted and not yet finished")),
      inputs_total_(MakeCounter(r, "attnserve_inputs_total", "Inputs (sequences) embedded")),
      tokens_total_(MakeCounter(r, "attnserve_tokens_total", "Tokens embedded")),
      truncated_inputs_total_(MakeCounter(r, "attnserve_truncated_inputs_total",
                                          "Inputs cut to the maximum input length")) {
  auto& requests = prometheus::BuildCounter()
                       .Name("attnserve_requests_total")
                       .Help("Calls finished (gRPC RPCs and HTTP routes), by method and status code")
                       .Register(r);
  auto& durations = prometheus::BuildHistogram()
                        .Name("attnserve_request_duration_seconds")
                        .Help("Time from receiving a call (RPC or HTTP request) to its last response")
                        .Register(r);
  for (int rpc = 0; rpc < kNumRpcs; ++rpc) {
    const char* name = RpcName(static_cast<Rpc>(rpc));
    for (int code = 0; code < kNumStatusCodes; ++code) {
      requests_total_[static_cast<size_t>(rpc)][static_cast<size_t>(code)] = &requests.Add(
          {{"rpc", name}, {"code", StatusCodeName(static_cast<absl::StatusCode>(code))}});
    }
    request_duration_[static_cast<size_t>(rpc)] = &durations.Add({{"rpc", name}}, kSecondsBuckets);
  }
  prometheus::BuildGauge()
      .Name("attnserve_model_info")
      .Help("The served model (value 1); dtype is the checkpoint's, compute_dtype what it runs in")
      .Register(r)
      .Add(
          {{"model", labels.model},
           {"architecture", labels.architecture},
           {"dtype", labels.dtype},
           {"compute_dtype", labels.compute_dtype}})
      .Set(1);
  prometheus::BuildGauge()
      .Name("attnserve_build_info")
      .Help("attnserve and oneDNN versions (value 1)")
      .Register(r)
      .Add({{"version", labels.version}, {"onednn", labels.onednn}})
      .Set(1);
}

void ServerMetrics::RecordRequest(Rpc rpc, absl::StatusCode code, absl::Duration duration) {
  int c = static_cast<int>(code);
  if (c < 0 || c >= kNumStatusCodes) c = static_cast<int>(absl::StatusCode::kUnknown);
  requests_total_[static_cast<size_t>(rpc)][static_cast<size_t>(c)]->Increment();
  request_duration_[static_cast<size_t>(rpc)]->Observe(absl::ToDoubleSeconds(duration));
}

double ServerMetrics::FinishedWithCode(absl::StatusCode code) const {
  const int c = static_cast<int>(code);
  if (c < 0 || c >= kNumStatusCodes) return 0;
  double total = 0;
  for (const auto& per_rpc : requests_total_) total += per_rpc[static_cast<size_t>(c)]->Value();
  return total;
}

void ServerMetrics::RecordInputs(int inputs, int64_t tokens, int truncated) {
  inputs_total_.Increment(inputs);
  tokens_total_.Increment(static_cast<double>(tokens));
  truncated_inputs_total_.Increment(truncated);
}

void ServerMetrics::OnQueueDepth(int sequences, int64_t tokens) {
  queue_sequences_.Set(sequences);
  queue_tokens_.Set(static_cast<double>(tokens));
}

void ServerMetrics::OnBatch(int sequences, int64_t tokens, absl::Duration inference) {
  batch_size_sequences_.Observe(sequences);
  batch_size_tokens_.Observe(static_cast<double>(tokens));
  inference_duration_.Observe(absl::ToDoubleSeconds(inference));
}

namespace {

class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector() : start_time_(StartTimeSeconds()) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    long rss_pages = 0, vm_pages = 0;
    {
      std::ifstream statm("/proc/self/statm");
      statm >> vm_pages >> rss_pages;
    }
    const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                         prometheus::MetricType::Gauge, static_cast<double>(rss_pages) * page));
    out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         prometheus::MetricType::Gauge, static_cast<double>(vm_pages) * page));
    out.push_back(Family("process_cpu_seconds_total", "Total user and system CPU time in seconds.",
                         prometheus::MetricType::Counter, CpuSeconds()));
    out.push_back(Family("process_start_time_seconds",
                         "Start time of the process since the Unix epoch in seconds.",
                         prometheus::MetricType::Gauge, start_time_));
    out.push_back(Family("process_open_fds", "Number of open file descriptors.",
                         prometheus::MetricType::Gauge, OpenFds()));
    return out;
  }

 private:
  static prometheus::MetricFamily Family(const std::string& name, const std::string& help,
                                         prometheus::MetricType type, double value) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    prometheus::ClientMetric m;
    if (type == prometheus::MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    f.metric.push_back(m);
    return f;
  }

  // Fields of /proc/self/stat after the command name (which may contain spaces).
  static std::vector<std::string> StatFields() {
    std::ifstream in("/proc/self/stat");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = s.rfind(')');
    if (close == std::string::npos) return {};
    return absl::StrSplit(s.substr(close + 2), ' ', absl::SkipEmpty());
  }

  static double CpuSeconds() {
    const std::vector<std::string> f = StatFields();  // f[0] is field 3 (state)
    double utime = 0, stime = 0;
    if (f.size() > 12 && absl::SimpleAtod(f[11], &utime) && absl::SimpleAtod(f[12], &stime)) {
      return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    return 0;
  }

  static double StartTimeSeconds() {
    const std::vector<std::string> f = StatFields();
    double start_ticks = 0, boot = 0;
    if (f.size() <= 19 || !absl::SimpleAtod(f[19], &start_ticks)) return 0;
    std::ifstream stat("/proc/stat");
    std::string line;
    while (std::getline(stat, line)) {
      if (line.rfind("btime ", 0) == 0 && !absl::SimpleAtod(line.substr(6), &boot)) boot = 0;
    }
    return boot + start_ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  static double OpenFds() {
    int n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
      while (::readdir(d) != nullptr) ++n;
      ::closedir(d);
    }
    return n > 2 ? n - 3 : 0;  // ".", ".." and the directory's own fd
  }

  const double start_time_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> MakeProcessCollector() {
  return std::make_shared<ProcessCollector>();
}

}  // namespace attnserve
