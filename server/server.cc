#include "server/server.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "core/dnnl/backend.h"
#include "core/util/logging.h"
#include "core/util/sched_slice.h"
#include "core/util/status_macros.h"
#include "server/version.h"

namespace attnserve {
namespace {

constexpr char kServiceName[] = "attnserve.v1.Embedder";
// The drain's hold on refusals (Drain): from kRefusalHold before Server::Shutdown, until
// kGoAwayGrace after it began (its GOAWAY is written at once; the grace covers a busy machine).
constexpr absl::Duration kRefusalHold = absl::Milliseconds(50);
constexpr absl::Duration kGoAwayGrace = absl::Milliseconds(100);

std::string FormatAddress(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                             : absl::StrCat(host, ":", port);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const TlsOptions& tls) {
  ATTN_RETURN_IF_ERROR(CheckServerTls(tls, absl::Now()));
  if (tls.cert_pem.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  if (!tls.client_ca_pem.empty()) {
    options.pem_root_certs = tls.client_ca_pem;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// gRPC reports a busy port with a multi-line dump of its internal error; check first, so the
// user gets one clear line. (A race with another process binding in between is harmless: gRPC
// then fails and Start reports that too.)
absl::Status CheckPortFree(const std::string& host, int port, absl::string_view flag) {
  if (port == 0) return absl::OkStatus();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", port, ": cannot resolve the address '", host, "'"));
  }
  absl::Status status;
  for (addrinfo* a = found; a != nullptr && status.ok(); a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      status = absl::UnavailableError(absl::StrCat(flag, " ", port, ": cannot listen on ",
                                                   FormatAddress(host, port), ": ",
                                                   std::strerror(errno)));
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return status;
}

// gRPC's own log lines go through ours (same format, JSON included); its INFO chatter is debug.
void GrpcLogToAttn(gpr_log_func_args* args) {
  switch (args->severity) {
    case GPR_LOG_SEVERITY_ERROR:
      if (std::string tls = ExplainHandshakeFailure(args->message); !tls.empty()) {
        ATTN_LOG(WARNING) << tls;
        break;
      }
      ATTN_LOG(WARNING) << "grpc: " << args->message;
      break;
    default:
      ATTN_LOG(DEBUG) << "grpc: " << args->message;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<AttnServer>> AttnServer::Start(ServerOptions options) {
  gpr_set_log_function(&GrpcLogToAttn);
  // A short scheduler slice for this thread and so for every thread started from here on (gRPC's,
  // the tokenization pool, the responder), but not the compute (Batcher resets its own): on a
  // machine whose cores the compute keeps busy, a thread that takes a call in or answers one then
  // runs as soon as it wakes instead of after the running compute thread's slice. Off by default:
  // on 2 cores shared with other builds it cut the refusal p99.9 at 4x overload from 107-204 ms
  // to ~40 ms in one A/B and worsened it in another (bench/overload.sh).
  if (options.serving_slice > absl::ZeroDuration()) {
    if (absl::Status st = core::SetSchedulerSliceOfThisThread(options.serving_slice); !st.ok()) {
      ATTN_LOG(WARNING) << "serving threads keep the default scheduler slice: " << st;
    }
  }
  ATTN_RETURN_IF_ERROR(CheckPortFree(options.host, options.port, "--port"));
  if (options.metrics_port > 0) {
    ATTN_RETURN_IF_ERROR(
        CheckPortFree(options.metrics_host, options.metrics_port, "--metrics-port"));
  }
  if (options.http_port > 0) {
    ATTN_RETURN_IF_ERROR(CheckPortFree(options.http_host, options.http_port, "--http-port"));
  }
  std::unique_ptr<AttnServer> s(new AttnServer());
  ATTN_ASSIGN_OR_RETURN(auto credentials, MakeCredentials(options.tls));
  // Load (and pack the weights, which runs OpenMP-parallel) on a thread that exits: its OpenMP
  // team goes with it. A team left on this thread would idle next to the compute thread's own
  // and libgomp, seeing more threads than cores, would then sleep at every barrier instead of
  // spinning: measured +45 % single-request latency with MiniLM on 2 cores.
  absl::StatusOr<core::LoadedModel> loaded = absl::UnknownError("the model was not loaded");
  std::thread([&] {
    core::SetComputeThreadsOnThisThread(options.batching.compute_threads);
    loaded = core::LoadModel(options.model, options.load);
  }).join();
  if (!loaded.ok()) {
    return absl::Status(loaded.status().code(),
                        absl::StrCat("--model: ", loaded.status().message()));
  }
  s->loaded_ = *std::move(loaded);
  const core::LoadedModel& m = s->loaded_;
  const core::ModelSpec& spec = m.spec();

  RequestLimits& limits = options.limits;
  if (limits.max_input_length == 0) limits.max_input_length = spec.defaults.max_seq_length;
  if (limits.max_input_length < 1 || limits.max_input_length > spec.max_positions) {
    return absl::InvalidArgumentError(
        absl::StrCat("max input length must be in [1, ", spec.max_positions,
                     "] for this model; was ", limits.max_input_length));
  }
  if (limits.max_inputs_per_request < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max inputs per request must be >= 1; was ", limits.max_inputs_per_request));
  }
  limits.max_response_bytes = options.max_message_bytes;
  options.batching.max_sequence_tokens = limits.max_input_length;
  if (absl::Status st = options.batching.Validate(); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("batching: ", st.message()));
  }
  s->options_ = options;

  s->registry_ = std::make_shared<prometheus::Registry>();
  s->metrics_ = std::make_unique<ServerMetrics>(
      *s->registry_, MetricsLabels{m.name, spec.architecture, spec.weights_dtype,
                                   kAttnserveVersion, core::OneDnnVersion(),
                                   std::string(core::DTypeName(spec.compute_dtype))});
  if (m.accuracy.has_value() && !m.accuracy->passed) {
    ATTN_LOG(WARNING) << "serving " << core::DTypeName(spec.compute_dtype)
                      << " although it failed the accuracy gate (--ignore-accuracy-gate): "
                      << m.accuracy->Summary();
  }
  if (options.metrics_port >= 0) {
    const std::string addr = FormatAddress(options.metrics_host, options.metrics_port);
    try {
      s->exposer_ = std::make_unique<prometheus::Exposer>(addr);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("--metrics-port ", options.metrics_port, ": cannot serve metrics on ",
                       addr, ": ", e.what()));
    }
    s->exposer_->RegisterCollectable(s->registry_);
    // The exposer keeps weak pointers: the server owns the collectors.
    s->process_collector_ = MakeProcessCollector();
    s->exposer_->RegisterCollectable(s->process_collector_);
    s->metrics_port_ = s->exposer_->GetListeningPorts().front();
  }

  ATTN_ASSIGN_OR_RETURN(s->batcher_,
                        core::Batcher::Start(m.model, options.batching, s->metrics_.get()));
  RequestOptions request_options;
  request_options.limits = limits;
  request_options.api_keys = options.api_keys;
  request_options.tokenizer_threads = options.tokenizer_threads;
  request_options.inline_prepare_bytes = static_cast<size_t>(options.inline_prepare_bytes);
  request_options.access_log = options.access_log;
  request_options.batching = options.batching;
  request_options.server_version = kAttnserveVersion;
  request_options.cpu_isa = std::string(core::CpuIsaName());
  ServingModel serving{m.name, spec, m.tokenizer, m.accuracy, {}, -1};
  if (absl::Status st = SetUpPrompts(serving, limits, options.default_prompt_name); !st.ok()) {
    s->batcher_->Shutdown();
    return st;
  }
  ATTN_ASSIGN_OR_RETURN(s->handler_,
                        RequestHandler::Create(std::move(serving), request_options,
                                               s->batcher_.get(), s->metrics_.get()));
  s->service_ = std::make_unique<GrpcEmbedderService>(s->handler_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string address = FormatAddress(options.host, options.port);
  builder.AddListeningPort(address, credentials, &s->port_);
  builder.RegisterService(s->service_.get());
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // With SO_REUSEPORT a second server could bind a busy port silently: "port in use" must fail.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (options.keepalive > absl::ZeroDuration()) {
    const int ms = static_cast<int>(absl::ToInt64Milliseconds(options.keepalive));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ms);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, std::min(ms, 20000));
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  }
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    s->batcher_->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("--port ", options.port, ": gRPC could not listen on ", address,
                     " (its reason is in the 'grpc:' lines above)"));
  }
  grpc::HealthCheckServiceInterface* health = s->server_->GetHealthCheckService();
  health->SetServingStatus("", false);
  health->SetServingStatus(kServiceName, false);

  if (options.http_port != 0) {
    HttpOptions http;
    http.host = options.http_host;
    http.port = options.http_port < 0 ? 0 : options.http_port;
    http.threads = options.http_threads;
    http.max_body_bytes = options.max_message_bytes;
    http.request_timeout = options.http_timeout;
    http.idle_timeout = options.http_idle_timeout;
    http.tls = options.tls;
    http.truncate_by_default = limits.truncate_by_default;
    http.tokenizer_threads = options.tokenizer_threads;
    absl::StatusOr<std::unique_ptr<HttpServer>> started =
        HttpServer::Start(http, s->handler_.get());
    if (!started.ok()) {
      s->server_->Shutdown();
      s->batcher_->Shutdown();
      return started.status();
    }
    s->http_ = *std::move(started);
  }

  if (absl::Status ready = s->batcher_->WaitUntilReady(); !ready.ok()) {
    s->server_->Shutdown();
    s->batcher_->Shutdown();
    return absl::InternalError(absl::StrCat("the encoder failed to start: ", ready.message()));
  }
  s->handler_->SetReady(true);
  health->SetServingStatus("", true);
  health->SetServingStatus(kServiceName, true);
  return s;
}

AttnServer::~AttnServer() { Drain(absl::Now()); }

void AttnServer::Drain(absl::Time deadline) {
  if (drained_) return;
  drained_ = true;
  if (server_ != nullptr) {
    const double ok_before = metrics_->FinishedWithCode(absl::StatusCode::kOk);
    const double cancelled_before = metrics_->FinishedWithCode(absl::StatusCode::kCancelled);
    const absl::Time start = absl::Now();
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    health->SetServingStatus("", false);
    health->SetServingStatus(kServiceName, false);
    // Phase 1, listener still open: new calls get UNAVAILABLE from the service (a clean,
    // retryable answer, while load balancers see NOT_SERVING), in-flight unary calls finish.
    handler_->StartDraining();
    handler_->WaitForCalls(deadline);
    // Phase 2: gRPC stops listening, sends GOAWAY and waits for what is left (open streams)
    // until the deadline, then cancels it; cancelled jobs are answered by the batcher before it
    // stops. gRPC answers CANCELLED to calls that reach it between the start of Shutdown and
    // the GOAWAY (RequestHandler::Refuse says why), so refusals are held from a moment before
    // Shutdown until the GOAWAY is out: clients waiting for them send nothing into that gap.
    const bool hold = absl::Now() + kRefusalHold + kGoAwayGrace < deadline;
    if (hold) {
      handler_->HoldRefusals();
      absl::SleepFor(kRefusalHold);
    }
    std::thread shutdown([this, deadline] { server_->Shutdown(absl::ToChronoTime(deadline)); });
    if (hold) {
      absl::SleepFor(kGoAwayGrace);
      handler_->ReleaseRefusals();
    }
    shutdown.join();
    // The HTTP front end: its new requests got 503 since StartDraining and the calls in flight
    // were waited for above; close its connections (idle ones at once).
    if (http_ != nullptr) http_->Shutdown(deadline);
    const auto ok = static_cast<int64_t>(metrics_->FinishedWithCode(absl::StatusCode::kOk) -
                                         ok_before);
    const auto cancelled = static_cast<int64_t>(
        metrics_->FinishedWithCode(absl::StatusCode::kCancelled) - cancelled_before);
    const absl::Duration took = absl::Now() - start;
    LogWithFields(LogLevel::kInfo,
                  absl::StrCat("drain: ", ok, " calls finished OK and ", cancelled,
                               " were cancelled in ", absl::FormatDuration(took)),
                  {{"event", "drained"},
                   {"finished_ok", ok},
                   {"cancelled", cancelled},
                   {"drain_ms", absl::ToDoubleMilliseconds(took)}});
  }
  if (batcher_ != nullptr) batcher_->Shutdown();
  exposer_.reset();
}

LogFields AttnServer::BannerFields() const {
  const core::ModelSpec& c = loaded_.spec();
  LogFields f = {{"event", "serving"},
                 {"version", kAttnserveVersion},
                 {"model", loaded_.name},
                 {"architecture", c.architecture},
                 {"compute_dtype", core::DTypeName(c.compute_dtype)},
                 {"max_input_length", options_.limits.max_input_length},
                 {"address", FormatAddress(options_.host, port_)},
                 {"port", port_},
                 {"metrics_port", metrics_port_},
                 {"http_port", http_port()},
                 {"tls", !options_.tls.cert_pem.empty()},
                 {"mutual_tls", !options_.tls.client_ca_pem.empty()},
                 {"api_keys", !options_.api_keys.empty()},
                 {"cpu_isa", core::CpuIsaName()},
                 {"compute_threads", batcher_->compute_threads()},
                 {"tokenizer_threads",options_.tokenizer_threads}};
  if (loaded_.accuracy.has_value()) {
    f.emplace_back("accuracy_min_cosine", loaded_.accuracy->min_cosine);
    f.emplace_back("accuracy_mean_cosine", loaded_.accuracy->mean_cosine);
    f.emplace_back("accuracy_gate_passed", loaded_.accuracy->passed);
  }
  return f;
}

std::string AttnServer::Banner() const {
  const core::ModelSpec& c = loaded_.spec();
  const core::BatchingOptions& b = options_.batching;
  return absl::StrCat(
      "attnserve ", kAttnserveVersion, " serving model '", loaded_.name, "' (", c.architecture,
      ", ", c.num_layers, " layers, hidden ", c.hidden_size, ", ", c.num_heads,
      " heads, weights ", c.weights_dtype, ", compute ", core::DTypeName(c.compute_dtype),
      loaded_.accuracy ? absl::StrCat(" (", loaded_.accuracy->Summary(),
                                      loaded_.accuracy->passed ? "" : ", FAILED, ignored", ")")
                       : std::string(),
      ", max input ",
      options_.limits.max_input_length, " tokens, ",
      loaded_.tokenizer ? "tokenizer loaded" : "no tokenizer: token ids only", ") on ",
      FormatAddress(options_.host, port_), options_.tls.cert_pem.empty() ? "" : " with TLS",
      options_.tls.client_ca_pem.empty() ? "" : " (mutual)",
      options_.api_keys.empty() ? "" : ", API keys required", "; HTTP ",
      http_ != nullptr
          ? absl::StrCat("on ", options_.tls.cert_pem.empty() ? "http://" : "https://",
                         FormatAddress(options_.http_host, http_port()))
          : std::string("off"),
      "; metrics ",
      metrics_port_ >= 0
          ? absl::StrCat("on http://", FormatAddress(options_.metrics_host, metrics_port_),
                         "/metrics")
          : std::string("off"),
      "; oneDNN isa ", core::CpuIsaName(), ", ", batcher_->compute_threads(),
      " compute threads, ", options_.tokenizer_threads, " tokenizer threads; batching: max ", b.max_batch_tokens, " tokens / ",
      b.max_batch_size, " sequences per batch, queue delay ",
      absl::FormatDuration(b.max_queue_delay), ", queue limit ", b.max_queued_tokens,
      " tokens; model loaded in ", absl::StrFormat("%.2f s", loaded_.load_seconds));
}

}  // namespace attnserve
