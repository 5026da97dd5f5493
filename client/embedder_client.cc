#include "client/embedder_client.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace attnserve::client {
namespace {

std::string ServiceConfig(const ClientOptions& o) {
  std::string config = "{";
  if (o.round_robin) config += R"("loadBalancingConfig": [{"round_robin": {}}])";
  if (o.retry_unavailable) {
    if (o.round_robin) config += ",";
    config += R"("methodConfig": [{
      "name": [{"service": "attnserve.v1.Embedder"}, {"service": "grpc.health.v1.Health"}],
      "retryPolicy": {
        "maxAttempts": 4,
        "initialBackoff": "0.1s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }])";
  }
  return config + "}";
}

}  // namespace

std::string ConnectionHint(const ClientOptions& o, absl::string_view message) {
  const std::string target = o.target;
  if (absl::StrContains(message, "wrong version number")) {
    return absl::StrCat("the server at ", target,
                        " does not speak TLS but the client does: drop --tls / --ca");
  }
  if (absl::StrContains(message, "certificate verify failed")) {
    return absl::StrCat(
        "the client refused the server's certificate: it is not signed by ",
        o.ca_pem.empty() ? "a CA of the system's trust store (pass --ca with the CA that signed it)"
                         : "the CA given with --ca",
        ", or it has expired");
  }
  if (absl::StrContains(message, "not in peer certificate")) {
    return "the client refused the server's certificate: it is not issued for the target's "
           "host name (pass --server-name with a name the certificate holds)";
  }
  if (absl::StrContains(message, "Connection refused")) {
    return absl::StrCat("nothing listens at ", target, ": is the server running, and is --target right?");
  }
  if (absl::StrContains(message, "Socket closed") ||
      absl::StrContains(message, "Connection reset")) {
    if (!o.tls) {
      return "the server closed the connection before any answer: it may require TLS (pass "
             "--tls, and --ca when its certificate is not from a system CA)";
    }
    if (o.client_cert_pem.empty()) {
      return "the server closed the TLS handshake: it may require a client certificate "
             "(mutual TLS: pass --cert and --key)";
    }
    return "the server refused the TLS handshake: it may not trust the CA that signed the client "
           "certificate (the server's --tls-client-ca)";
  }
  return "";
}

namespace {

// The id the server logged the call under (x-request-id in its initial metadata; a server
// always sends it, but a call that never reached one has none).
std::string ServerRequestId(const grpc::ClientContext& context) {
  const auto& md = context.GetServerInitialMetadata();
  const auto it = md.find("x-request-id");
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

absl::Status WithConnectionHint(const ClientOptions& options, const grpc::Status& s,
                                const grpc::ClientContext& context) {
  absl::Status status = FromGrpcStatus(s);
  std::string message(status.message());
  if (status.code() == absl::StatusCode::kUnavailable) {
    if (const std::string hint = ConnectionHint(options, message); !hint.empty()) {
      absl::StrAppend(&message, " -- ", hint);
    }
  }
  if (const std::string id = ServerRequestId(context); !id.empty()) {
    absl::StrAppend(&message, " [request id ", id, "]");
  }
  return absl::Status(status.code(), message);
}

}  // namespace

absl::Status EmbedderClient::Failed(const grpc::Status& s,
                                    const grpc::ClientContext& context) const {
  return WithConnectionHint(*options_for_hints_, s, context);
}

absl::Status FromGrpcStatus(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

absl::StatusOr<std::unique_ptr<EmbedderClient>> EmbedderClient::Create(
    const ClientOptions& options) {
  if (options.target.empty()) return absl::InvalidArgumentError("the target is empty");
  if (options.client_cert_pem.empty() != options.client_key_pem.empty()) {
    return absl::InvalidArgumentError("the client certificate and key go together");
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    ssl.pem_cert_chain = options.client_cert_pem;
    ssl.pem_private_key = options.client_key_pem;
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  args.SetServiceConfigJSON(ServiceConfig(options));
  if (options.channel_id != 0) {
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("attnserve.channel_id", options.channel_id);
  }
  if (!options.server_name_override.empty()) {
    args.SetSslTargetNameOverride(options.server_name_override);
  }
  auto channel = grpc::CreateCustomChannel(options.target, creds, args);
  if (channel == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create a channel to ", options.target));
  }
  return std::unique_ptr<EmbedderClient>(new EmbedderClient(options, std::move(channel)));
}

EmbedderClient::EmbedderClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      options_for_hints_(std::make_shared<const ClientOptions>(options_)),
      channel_(std::move(channel)),
      stub_(v1::Embedder::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

void EmbedderClient::PrepareContext(grpc::ClientContext& context) const {
  if (options_.timeout != absl::InfiniteDuration()) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  }
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", options_.api_key));
  }
  if (!options_.request_id.empty()) context.AddMetadata("x-request-id", options_.request_id);
}

absl::StatusOr<v1::EmbedResponse> EmbedderClient::Embed(const v1::EmbedRequest& request) {
  grpc::ClientContext context;
  PrepareContext(context);
  v1::EmbedResponse response;
  grpc::Status s = stub_->Embed(&context, request, &response);
  if (!s.ok()) return Failed(s, context);
  return response;
}

absl::StatusOr<v1::TokenizeResponse> EmbedderClient::Tokenize(const v1::TokenizeRequest& request) {
  grpc::ClientContext context;
  PrepareContext(context);
  v1::TokenizeResponse response;
  grpc::Status s = stub_->Tokenize(&context, request, &response);
  if (!s.ok()) return Failed(s, context);
  return response;
}

absl::StatusOr<v1::DecodeResponse> EmbedderClient::Decode(const v1::DecodeRequest& request) {
  grpc::ClientContext context;
  PrepareContext(context);
  v1::DecodeResponse response;
  grpc::Status s = stub_->Decode(&context, request, &response);
  if (!s.ok()) return Failed(s, context);
  return response;
}

absl::StatusOr<v1::RerankResponse> EmbedderClient::Rerank(const v1::RerankRequest& request) {
  grpc::ClientContext context;
  PrepareContext(context);
  v1::RerankResponse response;
  grpc::Status s = stub_->Rerank(&context, request, &response);
  if (!s.ok()) return Failed(s, context);
  return response;
}

absl::StatusOr<v1::PredictResponse> EmbedderClient::Predict(const v1::PredictRequest& request) {
  grpc::ClientContext context;
  PrepareContext(context);
  v1::PredictResponse response;
  grpc::Status s = stub_->Predict(&context, request, &response);
  if (!s.ok()) return Failed(s, context);
  return response;
}

absl::StatusOr<v1::InfoResponse> EmbedderClient::Info() {
  grpc::ClientContext context;
  PrepareContext(context);
  v1::InfoResponse response;
  grpc::Status s = stub_->Info(&context, v1::InfoRequest(), &response);
  if (!s.ok()) return Failed(s, context);
  return response;
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus> EmbedderClient::Health(
    const std::string& service) {
  grpc::ClientContext context;
  PrepareContext(context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = health_->Check(&context, request, &response);
  if (!s.ok()) return Failed(s, context);
  return response.status();
}

void EmbedderClient::EmbedAsync(const v1::EmbedRequest& request,
                                std::function<void(absl::StatusOr<v1::EmbedResponse>)> done) {
  struct Call {
    grpc::ClientContext context;
    v1::EmbedResponse response;
    std::function<void(absl::StatusOr<v1::EmbedResponse>)> done;
  };
  auto* call = new Call;
  call->done = std::move(done);
  PrepareContext(call->context);
  // The callback may outlive the client: it keeps its own reference to the options.
  stub_->async()->Embed(&call->context, &request, &call->response,
                        [options = options_for_hints_, call](grpc::Status s) {
    if (s.ok()) {
      call->done(std::move(call->response));
    } else {
      call->done(WithConnectionHint(*options, s, call->context));
    }
    delete call;
  });
}

std::unique_ptr<EmbedStream> EmbedderClient::OpenStream() {
  std::unique_ptr<EmbedStream> stream(new EmbedStream());
  PrepareContext(stream->context_);
  stream->stream_ = stub_->EmbedStream(&stream->context_);
  return stream;
}

absl::StatusOr<std::vector<std::vector<float>>> EmbedderClient::EmbedTexts(
    const std::vector<std::string>& texts) {
  v1::EmbedRequest request;
  for (const std::string& t : texts) request.add_inputs()->set_text(t);
  auto response = Embed(request);
  if (!response.ok()) return response.status();
  std::vector<std::vector<float>> out;
  for (const v1::Embedding& e : response->embeddings()) {
    out.emplace_back(e.values().begin(), e.values().end());
  }
  return out;
}

}  // namespace attnserve::client
