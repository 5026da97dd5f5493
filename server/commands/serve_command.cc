// `attnserve serve`: the gRPC server and its HTTP/JSON front end (--http-port).
//
// Startup: load the model (a bad model dir is one line on stderr and exit 1), start the metrics
// endpoint and the gRPC server (health NOT_SERVING, Embed calls UNAVAILABLE), let the batcher's
// worker create the encoder and warm up, then flip health to SERVING.
// Shutdown on SIGTERM / SIGINT: health NOT_SERVING, new calls UNAVAILABLE, in-flight calls finish
// (up to --drain-timeout), queue drained, exit 0.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <signal.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

#include "core/util/logging.h"
#include "core/util/status_macros.h"
#include "server/commands/commands.h"
#include "server/server.h"

ABSL_FLAG(std::string, host, "0.0.0.0", "address to listen on for gRPC");
ABSL_FLAG(int, port, 50051, "gRPC port (0 = pick a free one and log it)");
ABSL_FLAG(int, http_port, 8080,
          "HTTP/JSON port: OpenAI's /v1/embeddings and text-embeddings-inference's routes, same "
          "batcher, keys and TLS as gRPC (0 = off, -1 = pick a free one and log it)");
ABSL_FLAG(std::string, http_address, "0.0.0.0", "address to listen on for HTTP");
ABSL_FLAG(int, http_threads, 2,
          "HTTP I/O threads (asynchronous: any number of connections; parsing and tokenization "
          "run on the tokenizer threads)");
ABSL_FLAG(int, http_timeout_s, 60,
          "seconds an HTTP request gets from its arrival to its answer (then 504)");
ABSL_FLAG(std::string, metrics_host, "0.0.0.0", "address of the Prometheus endpoint");
ABSL_FLAG(int, metrics_port, 9000, "Prometheus /metrics port (-1 = off)");
ABSL_FLAG(int64_t, max_batch_tokens, 16384, "tokens per forward pass (no padding)");
ABSL_FLAG(int, max_batch_size, 1024, "sequences per forward pass");
ABSL_FLAG(int64_t, max_queue_delay_us, 0,
          "how long a small batch may wait for company, in microseconds");
ABSL_FLAG(int64_t, max_queued_tokens, 32768,
          "tokens waiting in the queue before requests get RESOURCE_EXHAUSTED (bounds the "
          "queueing latency to about this / tokens per second)");
ABSL_FLAG(int, compute_nice, 0,
          "nice value (0..19) of the compute threads; above 0, taking in, refusing and "
          "answering calls preempts a running batch (faster refusals, less throughput)");
ABSL_FLAG(int, max_inputs_per_request, 512, "inputs in one Embed request");
ABSL_FLAG(int, max_input_length, 0,
          "tokens per input incl. special tokens; 0 = the model's max_seq_length");
ABSL_FLAG(int, tokenizer_threads, 2,
          "threads that parse, validate and tokenize requests (off the gRPC threads)");
ABSL_FLAG(int, inline_prepare_bytes, 0,
          "requests up to this many bytes are prepared on the gRPC thread that took them in "
          "(a full queue's refusal then needs no other thread; experimental, e.g. 4096); 0 = all on "
          "the tokenizer threads");
ABSL_FLAG(int, serving_slice_us, 0,
          "scheduler slice of the threads that take calls in and answer them (Linux 6.12+; the "
          "compute keeps the default): they preempt a running batch at once; 0 = kernel default");
ABSL_FLAG(int, max_message_bytes, 64 << 20, "largest gRPC message received or sent");
ABSL_FLAG(int, drain_timeout_s, 30, "seconds in-flight calls get to finish on SIGTERM");
ABSL_FLAG(int, keepalive_s, 60,
          "seconds between the server's HTTP/2 pings on a connection (20 s to answer); a "
          "vanished client's connection is closed by them; 0 = no pings");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain (enables TLS)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; clients must present a certificate it signed (mutual TLS)");
ABSL_FLAG(std::string, api_keys_file, "",
          "file with one API key per line; calls need 'authorization: Bearer KEY'");
ABSL_FLAG(std::string, log_format, "text", "text | json");
ABSL_FLAG(std::string, log_level, "info", "debug | info | warning | error");
ABSL_FLAG(bool, access_log, false,
          "one line per call (rpc, request id, peer, code, inputs, tokens, queue / inference / "
          "total ms; never the request text), at info level");

namespace attnserve {
namespace {

int Fail(absl::string_view message) {
  ATTN_LOG(ERROR) << message;
  return 1;
}

absl::StatusOr<std::string> ReadFlagFile(const std::string& path, const char* flag) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read '", path, "': it is a directory"));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("--", flag, ": cannot read '", path, "': ",
                                            errno != 0 ? std::strerror(errno) : "unreadable"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::vector<std::string>> ReadApiKeys(const std::string& path) {
  ATTN_ASSIGN_OR_RETURN(std::string text, ReadFlagFile(path, "api-keys-file"));
  std::vector<std::string> keys;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    keys.emplace_back(line);
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--api-keys-file: no keys in '", path, "'"));
  }
  return keys;
}

// ServerOptions from the flags; file flags are read here so that a missing file is a startup
// error naming the flag.
absl::StatusOr<ServerOptions> OptionsFromFlags() {
  ServerOptions o;
  o.model = absl::GetFlag(FLAGS_model);
  ATTN_ASSIGN_OR_RETURN(o.load, LoadOptionsFromFlags());
  o.host = absl::GetFlag(FLAGS_host);
  o.port = absl::GetFlag(FLAGS_port);
  o.metrics_host = absl::GetFlag(FLAGS_metrics_host);
  o.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  o.http_port = absl::GetFlag(FLAGS_http_port);
  if (o.http_port < -1 || o.http_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http-port must be in [-1, 65535] (0 = off, -1 = any free port); was ", o.http_port));
  }
  o.http_host = absl::GetFlag(FLAGS_http_address);
  o.http_threads = absl::GetFlag(FLAGS_http_threads);
  if (o.http_threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-threads must be >= 1; was ", o.http_threads));
  }
  if (absl::GetFlag(FLAGS_http_timeout_s) < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-timeout-s must be >= 1; was ", absl::GetFlag(FLAGS_http_timeout_s)));
  }
  o.http_timeout = absl::Seconds(absl::GetFlag(FLAGS_http_timeout_s));
  o.batching.max_batch_tokens = absl::GetFlag(FLAGS_max_batch_tokens);
  o.batching.max_batch_size = absl::GetFlag(FLAGS_max_batch_size);
  o.batching.max_queue_delay = absl::Microseconds(absl::GetFlag(FLAGS_max_queue_delay_us));
  o.batching.max_queued_tokens = absl::GetFlag(FLAGS_max_queued_tokens);
  o.batching.compute_nice = absl::GetFlag(FLAGS_compute_nice);
  o.batching.compute_threads = absl::GetFlag(FLAGS_threads);
  o.limits.max_inputs_per_request = absl::GetFlag(FLAGS_max_inputs_per_request);
  o.limits.max_input_length = absl::GetFlag(FLAGS_max_input_length);
  o.tokenizer_threads = absl::GetFlag(FLAGS_tokenizer_threads);
  o.inline_prepare_bytes = absl::GetFlag(FLAGS_inline_prepare_bytes);
  o.serving_slice = absl::Microseconds(absl::GetFlag(FLAGS_serving_slice_us));
  if (o.serving_slice < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--serving-slice-us must be >= 0");
  }
  if (o.inline_prepare_bytes < 0) {
    return absl::InvalidArgumentError("--inline-prepare-bytes must be >= 0");
  }
  o.access_log = absl::GetFlag(FLAGS_access_log);
  o.keepalive = absl::Seconds(absl::GetFlag(FLAGS_keepalive_s));
  if (o.keepalive < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--keepalive-s must be >= 0");
  }
  o.limits.truncate_by_default = absl::GetFlag(FLAGS_truncate);
  o.default_prompt_name = absl::GetFlag(FLAGS_default_prompt_name);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (o.port < 0 || o.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--port must be in [0, 65535]; was ", o.port));
  }
  if (o.max_message_bytes < 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-message-bytes must be >= 1024; was ", o.max_message_bytes));
  }
  // Read here, checked by AttnServer::Start (CheckServerTls) with the files' names.
  o.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  o.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  if (!o.tls.cert_file.empty()) {
    ATTN_ASSIGN_OR_RETURN(o.tls.cert_pem, ReadFlagFile(o.tls.cert_file, "tls-cert"));
  }
  if (!o.tls.key_file.empty()) {
    ATTN_ASSIGN_OR_RETURN(o.tls.key_pem, ReadFlagFile(o.tls.key_file, "tls-key"));
  }
  if (!o.tls.client_ca_file.empty()) {
    ATTN_ASSIGN_OR_RETURN(o.tls.client_ca_pem, ReadFlagFile(o.tls.client_ca_file, "tls-client-ca"));
  }
  if (const std::string f = absl::GetFlag(FLAGS_api_keys_file); !f.empty()) {
    ATTN_ASSIGN_OR_RETURN(o.api_keys, ReadApiKeys(f));
  }
  return o;
}

}  // namespace

int RunServeCommand(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return Fail(absl::StrCat("attnserve serve: unexpected argument '", args[0], "'"));
  }
  const std::string format = absl::GetFlag(FLAGS_log_format);
  if (format != "text" && format != "json") {
    return Fail(absl::StrCat("--log-format must be text or json; was '", format, "'"));
  }
  SetLogFormat(format == "json" ? LogFormat::kJson : LogFormat::kText);
  LogLevel level;
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return Fail(absl::StrCat("--log-level must be debug, info, warning or error; was '",
                             absl::GetFlag(FLAGS_log_level), "'"));
  }
  SetMinLogLevel(level);

  // SIGTERM / SIGINT are taken by sigwait below; block them before any thread starts, so that
  // every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto options = OptionsFromFlags();
  if (!options.ok()) return Fail(absl::StrCat("attnserve serve: ", options.status().message()));
  auto server = AttnServer::Start(*std::move(options));
  if (!server.ok()) return Fail(absl::StrCat("attnserve serve: ", server.status().message()));
  // Text: the sentence; JSON: the sentence and its facts as members.
  LogWithFields(LogLevel::kInfo, (*server)->Banner(),
                format == "json" ? (*server)->BannerFields() : LogFields{});

  // SIGHUP re-reads --api-keys-file; SIGTERM / SIGINT drain and exit.
  const std::string keys_file = absl::GetFlag(FLAGS_api_keys_file);
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    if (keys_file.empty()) {
      ATTN_LOG(WARNING) << "SIGHUP: nothing to reload (no --api-keys-file)";
      continue;
    }
    absl::StatusOr<std::vector<std::string>> keys = ReadApiKeys(keys_file);
    if (!keys.ok()) {
      ATTN_LOG(ERROR) << "SIGHUP: " << keys.status().message() << "; the previous keys stay";
      continue;
    }
    (*server)->SetApiKeys(*keys);
    LogWithFields(LogLevel::kInfo, absl::StrCat("SIGHUP: reloaded ", keys->size(), " API keys"),
                  {{"event", "api_keys_reloaded"}, {"keys", static_cast<int64_t>(keys->size())}});
  }
  const absl::Duration drain = absl::Seconds(absl::GetFlag(FLAGS_drain_timeout_s));
  ATTN_LOG(INFO) << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                 << ": draining (in-flight calls get up to " << absl::FormatDuration(drain) << ")";
  const absl::Time start = absl::Now();
  (*server)->Drain(start + drain);
  ATTN_LOG(INFO) << "drained in " << absl::FormatDuration(absl::Now() - start) << "; exiting";
  return 0;
}

}  // namespace attnserve
