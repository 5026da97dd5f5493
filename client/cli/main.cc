// attnserve-cli: call an attnserve server.
//   attnserve-cli --target localhost:50051 embed "first text" "second text"
//   attnserve-cli tokenize "Hello, world!"
//   attnserve-cli info | health
//   attnserve-cli load --concurrency 1,4,16 --lengths 16:256 --duration 10 [--json]
//   attnserve-cli load --rate 200,400 --lengths 16:16
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "client/cli/load_generator.h"
#include "client/embedder_client.h"
#include "client/cli/command_line.h"

ABSL_FLAG(std::string, target, "localhost:50051", "server address host:port");
ABSL_FLAG(bool, tls, false, "use TLS");
ABSL_FLAG(std::string, ca, "", "PEM CA bundle to verify the server (default: system roots)");
ABSL_FLAG(std::string, cert, "", "PEM client certificate (mutual TLS)");
ABSL_FLAG(std::string, key, "", "PEM client key (mutual TLS)");
ABSL_FLAG(std::string, server_name, "", "TLS name to expect instead of the target's host");
ABSL_FLAG(std::string, api_key, "", "API key, sent as 'authorization: Bearer KEY'");
ABSL_FLAG(int, timeout_ms, 60000, "per-call deadline in ms (0 = none)");
ABSL_FLAG(std::string, service, "", "health: the service to check ('' = the whole server)");
// embed
ABSL_FLAG(std::string, pooling, "", "embed: cls | mean | max (default: the model's)");
ABSL_FLAG(std::string, normalize, "", "embed: true | false (default: the model's)");
ABSL_FLAG(int, dimensions, 0, "embed: keep the first N dimensions");
ABSL_FLAG(bool, token_embeddings, false, "embed: also return per-token vectors");
ABSL_FLAG(bool, truncate, false, "embed, tokenize: cut over-long inputs");
ABSL_FLAG(std::string, text_pair, "", "embed, tokenize: second segment for every text");
// load
ABSL_FLAG(std::string, concurrency, "", "load: closed loop at these concurrencies (1,4,16)");
ABSL_FLAG(std::string, rate, "", "load: open loop at these request rates per second (100,200)");
ABSL_FLAG(std::string, lengths, "16:16", "load: tokens per input MIN:MAX, uniform");
ABSL_FLAG(int, inputs_per_request, 1, "load: inputs in each request");
ABSL_FLAG(double, duration, 10, "load: measured seconds per level");
ABSL_FLAG(double, warmup, 2, "load: seconds sent first at each level, not counted");
ABSL_FLAG(bool, text, false, "load: send words as text instead of token ids");
ABSL_FLAG(int, channels, 4, "load: connections to spread the calls over");
ABSL_FLAG(bool, json, false, "print JSON");

namespace attnserve::client {
namespace {

constexpr char kUsage[] =
    "attnserve-cli [--target HOST:PORT] [--tls ...] [--api-key KEY] COMMAND [ARGS]\n\n"
    "commands:\n"
    "  embed TEXT...   pooled vectors of the texts (or of stdin lines), JSON lines out\n"
    "  tokenize TEXT...\n"
    "  info            model and limits (JSON)\n"
    "  health          SERVING / NOT_SERVING; exit code 0 only when SERVING\n"
    "  load            load generator: --concurrency 1,4,16 (closed loop) or --rate 100,200\n"
    "                  (open loop), --lengths MIN:MAX, --duration S, --json";

int Fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "attnserve-cli: %s\n", message.c_str());
  return code;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<ClientOptions> OptionsFromFlags(int channel_id = 0) {
  ClientOptions o;
  o.target = absl::GetFlag(FLAGS_target);
  o.tls = absl::GetFlag(FLAGS_tls) || !absl::GetFlag(FLAGS_ca).empty();
  for (auto [flag, dst] : {std::pair{absl::GetFlag(FLAGS_ca), &o.ca_pem},
                           std::pair{absl::GetFlag(FLAGS_cert), &o.client_cert_pem},
                           std::pair{absl::GetFlag(FLAGS_key), &o.client_key_pem}}) {
    if (flag.empty()) continue;
    *dst = ReadFile(flag);
    if (dst->empty()) return absl::NotFoundError(absl::StrCat("cannot read '", flag, "'"));
  }
  o.server_name_override = absl::GetFlag(FLAGS_server_name);
  o.api_key = absl::GetFlag(FLAGS_api_key);
  const int timeout = absl::GetFlag(FLAGS_timeout_ms);
  o.timeout = timeout > 0 ? absl::Milliseconds(timeout) : absl::InfiniteDuration();
  o.channel_id = channel_id;
  return o;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

std::vector<std::string> TextsFrom(const std::vector<std::string>& args) {
  if (!args.empty()) return args;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

int Embed(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::EmbedRequest req;
  for (const std::string& t : TextsFrom(args)) {
    v1::Input* in = req.add_inputs();
    in->set_text(t);
    in->set_text_pair(absl::GetFlag(FLAGS_text_pair));
  }
  const std::string pooling = absl::GetFlag(FLAGS_pooling);
  if (pooling == "cls")
    req.set_pooling(v1::POOLING_CLS);
  else if (pooling == "mean")
    req.set_pooling(v1::POOLING_MEAN);
  else if (pooling == "max")
    req.set_pooling(v1::POOLING_MAX);
  else if (!pooling.empty())
    return Fail("--pooling must be cls, mean or max", 2);
  const std::string normalize = absl::GetFlag(FLAGS_normalize);
  if (normalize == "true" || normalize == "false")
    req.set_normalize(normalize == "true");
  else if (!normalize.empty())
    return Fail("--normalize must be true or false", 2);
  req.set_dimensions(static_cast<uint32_t>(std::max(0, absl::GetFlag(FLAGS_dimensions))));
  req.set_return_token_embeddings(absl::GetFlag(FLAGS_token_embeddings));
  if (absl::GetFlag(FLAGS_truncate)) req.set_truncate(true);
  auto resp = client.Embed(req);
  if (!resp.ok()) return Fail(absl::StrCat("Embed: ", resp.status().ToString()));
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", ToJson(*resp).c_str());
    return 0;
  }
  for (const v1::Embedding& e : resp->embeddings()) std::printf("%s\n", ToJson(e).c_str());
  return 0;
}

int Tokenize(EmbedderClient& client, const std::vector<std::string>& args) {
  v1::TokenizeRequest req;
  req.set_add_special_tokens(true);
  req.set_truncate(absl::GetFlag(FLAGS_truncate));
  for (const std::string& t : TextsFrom(args)) {
    v1::Input* in = req.add_inputs();
    in->set_text(t);
    in->set_text_pair(absl::GetFlag(FLAGS_text_pair));
  }
  auto resp = client.Tokenize(req);
  if (!resp.ok()) return Fail(absl::StrCat("Tokenize: ", resp.status().ToString()));
  for (const v1::Tokens& t : resp->tokens()) std::printf("%s\n", ToJson(t).c_str());
  return 0;
}

absl::StatusOr<std::vector<double>> ParseList(const std::string& text, const char* flag) {
  std::vector<double> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    double v;
    if (!absl::SimpleAtod(part, &v) || v <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": '", part, "' is not a positive number"));
    }
    out.push_back(v);
  }
  return out;
}

int Load(EmbedderClient& client) {
  auto info = client.Info();
  if (!info.ok()) return Fail(absl::StrCat("Info: ", info.status().ToString()));
  LoadOptions o;
  o.vocab_size = static_cast<int>(info->vocab_size());
  o.max_input_length = static_cast<int>(info->max_input_length());
  o.duration = absl::Seconds(absl::GetFlag(FLAGS_duration));
  o.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup));
  o.inputs_per_request = std::max(1, absl::GetFlag(FLAGS_inputs_per_request));
  o.text = absl::GetFlag(FLAGS_text);
  if (o.text) {
    v1::TokenizeRequest req;  // keep the words this model's vocabulary has as one token
    for (const std::string& w : CandidateWords()) req.add_inputs()->set_text(w);
    auto resp = client.Tokenize(req);
    if (!resp.ok()) return Fail(absl::StrCat("Tokenize: ", resp.status().ToString()));
    for (int i = 0; i < resp->tokens_size(); ++i) {
      if (resp->tokens(i).ids_size() == 1) o.words.push_back(CandidateWords()[i]);
    }
    if (o.words.empty()) return Fail("--text: no candidate word is a single token of this model");
  }
  std::vector<std::string> range = absl::StrSplit(absl::GetFlag(FLAGS_lengths), ':');
  if (range.size() != 2 || !absl::SimpleAtoi(range[0], &o.min_tokens) ||
      !absl::SimpleAtoi(range[1], &o.max_tokens) || o.min_tokens < 2 ||
      o.max_tokens < o.min_tokens || o.max_tokens > o.max_input_length) {
    return Fail(
        absl::StrCat("--lengths must be MIN:MAX with 2 <= MIN <= MAX <= ", o.max_input_length), 2);
  }
  auto concurrency = ParseList(absl::GetFlag(FLAGS_concurrency), "concurrency");
  auto rates = ParseList(absl::GetFlag(FLAGS_rate), "rate");
  if (!concurrency.ok()) return Fail(std::string(concurrency.status().message()), 2);
  if (!rates.ok()) return Fail(std::string(rates.status().message()), 2);
  if (concurrency->empty() && rates->empty()) return Fail("give --concurrency or --rate", 2);

  std::vector<std::unique_ptr<EmbedderClient>> clients;
  for (int c = 0; c < std::max(1, absl::GetFlag(FLAGS_channels)); ++c) {
    auto opts = OptionsFromFlags(/*channel_id=*/c + 1);
    if (!opts.ok()) return Fail(std::string(opts.status().message()));
    opts->retry_unavailable = false;  // count refusals, do not hide them
    auto cl = EmbedderClient::Create(*opts);
    if (!cl.ok()) return Fail(std::string(cl.status().message()));
    clients.push_back(std::move(*cl));
  }
  const bool json = absl::GetFlag(FLAGS_json);
  if (!json) {
    std::printf("# %s: model %s, inputs of %d..%d tokens x %d per request, %.0f s per level\n",
                absl::GetFlag(FLAGS_target).c_str(), info->model_id().c_str(), o.min_tokens,
                o.max_tokens, o.inputs_per_request, absl::GetFlag(FLAGS_duration));
    std::printf("%s\n", LoadTableHeader().c_str());
  }
  std::vector<std::string> rows;
  auto emit = [&](const LoadResult& r) {
    if (json) {
      rows.push_back(LoadResultToJson(r));
    } else {
      std::printf("%s\n", LoadTableRow(r).c_str());
      std::fflush(stdout);
    }
  };
  for (double c : *concurrency) emit(RunClosedLoop(clients, static_cast<int>(c), o));
  for (double r : *rates) emit(RunOpenLoop(clients, r, o));
  if (json) std::printf("[%s]\n", absl::StrJoin(rows, ",\n").c_str());
  return 0;
}

}  // namespace
}  // namespace attnserve::client

int main(int argc, char** argv) {
  using namespace attnserve::client;  // NOLINT
  attnserve::SetUsage(kUsage);
  std::vector<std::string> args = attnserve::ParseCommandLineWithDashes(argc, argv);
  if (args.empty()) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  auto options = OptionsFromFlags();
  if (!options.ok()) return Fail(std::string(options.status().message()));
  auto client = EmbedderClient::Create(*options);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  if (command == "embed") return Embed(**client, args);
  if (command == "tokenize") return Tokenize(**client, args);
  if (command == "info") {
    auto info = (*client)->Info();
    if (!info.ok()) return Fail(absl::StrCat("Info: ", info.status().ToString()));
    std::printf("%s\n", ToJson(*info).c_str());
    return 0;
  }
  if (command == "health") {
    auto h = (*client)->Health(absl::GetFlag(FLAGS_service));
    if (!h.ok()) return Fail(absl::StrCat("Health: ", h.status().ToString()));
    std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*h).c_str());
    return *h == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
  }
  if (command == "load") return Load(**client);
  return Fail(absl::StrCat("unknown command '", command, "'\n\n", kUsage), 2);
}
