#include "server/http/http_server.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <pthread.h>
#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

#include "core/util/logging.h"
#include "core/util/mutex.h"
#include "server/http/http_api.h"

namespace attnserve {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

// What a finished request sends: built off the I/O thread, written on it.
struct Reply {
  int status = 200;
  std::string body;
  bool json = true;
};

// The routes, and the style of their errors.
struct Route {
  Rpc rpc = Rpc::kHttpOther;
  http::ApiStyle style = http::ApiStyle::kTei;
};

Route RouteOf(absl::string_view path) {
  if (absl::StartsWith(path, "/v1/")) return {path == "/v1/embeddings" ? Rpc::kHttpEmbeddings
                                               : path == "/v1/models"  ? Rpc::kHttpModels
                                                                       : Rpc::kHttpOther,
                                               http::ApiStyle::kOpenAi};
  if (path == "/embed" || path == "/") return {Rpc::kHttpEmbed, http::ApiStyle::kTei};
  if (path == "/embed_all") return {Rpc::kHttpEmbedAll, http::ApiStyle::kTei};
  if (path == "/tokenize") return {Rpc::kHttpTokenize, http::ApiStyle::kTei};
  if (path == "/decode") return {Rpc::kHttpDecode, http::ApiStyle::kTei};
  if (path == "/rerank") return {Rpc::kHttpRerank, http::ApiStyle::kTei};
  if (path == "/predict") return {Rpc::kHttpPredict, http::ApiStyle::kTei};
  if (path == "/info") return {Rpc::kHttpInfo, http::ApiStyle::kTei};
  if (path == "/health") return {Rpc::kHttpHealth, http::ApiStyle::kTei};
  if (path == "/openapi.json") return {Rpc::kHttpOpenApi, http::ApiStyle::kTei};
  return {Rpc::kHttpOther, http::ApiStyle::kTei};
}

bool IsGetRoute(Rpc rpc) {
  return rpc == Rpc::kHttpModels || rpc == Rpc::kHttpInfo || rpc == Rpc::kHttpHealth ||
         rpc == Rpc::kHttpOpenApi;
}

// TEI's routes for heads the served encoders do not have (yet).
const char* MissingHead(absl::string_view path) {
  if (path == "/embed_sparse") return "sparse (SPLADE) head";
  return nullptr;
}

absl::string_view View(beast::string_view v) { return absl::string_view(v.data(), v.size()); }

std::string FormatAddress(const std::string& host, int port) {
  return host.find(':') != std::string::npos ? absl::StrCat("[", host, "]:", port)
                                             : absl::StrCat(host, ":", port);
}

}  // namespace

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection once its request in flight (if any) is answered.
  virtual void Stop() = 0;
};

struct HttpServer::Impl {
  // The acceptor has a strand of its own: accepting (its handler re-arms it) and Shutdown's
  // close never run at once.
  Impl(const HttpOptions& o, RequestHandler* h)
      : options(o), handler(h), acceptor(net::make_strand(ioc)) {}

  void DoAccept();
  void Register(uint64_t id, std::weak_ptr<SessionBase> s) {
    MutexLock lock(&mu);
    sessions.emplace(id, std::move(s));
  }
  void Unregister(uint64_t id) {
    MutexLock lock(&mu);
    sessions.erase(id);
  }
  bool NoSessions() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return sessions.empty(); }

  const HttpOptions options;
  RequestHandler* const handler;
  // Before the io_context: the connections that the context destroys last use it.
  std::optional<ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_id{0};
  int port = 0;
  bool shut_down = false;
  mutable Mutex mu;
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions ABSL_GUARDED_BY(mu);
};

namespace {

// One connection: reads a request, answers it, and reads the next (keep-alive) until the client
// closes, a timeout, an error, or the drain. All of its members are touched on its strand only,
// except through Post().
template <bool kTls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream =
      std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Session(HttpServer::Impl* server, tcp::socket&& socket, uint64_t id)
      : server_(server),
        handler_(server->handler),
        stream_(MakeStream(server, std::move(socket))),
        timer_(stream_.get_executor()),
        id_(id) {
    beast::error_code ec;
    const tcp::endpoint remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      peer_ = absl::StrCat(remote.address().is_v6() ? "ipv6:[" : "ipv4:",
                           remote.address().to_string(), remote.address().is_v6() ? "]:" : ":",
                           remote.port());
    }
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(self->IdleTimeout());
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self](beast::error_code ec) {
                                        if (ec) return self->Close();
                                        self->DoRead();
                                      });
      } else {
        self->DoRead();
      }
    });
  }

  void Stop() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stop_requested_ = true;
      if (!self->in_request_) self->Close();
    });
  }

 private:
  static Stream MakeStream(HttpServer::Impl* server, tcp::socket&& socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server->tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  std::chrono::steady_clock::duration IdleTimeout() const {
    return absl::ToChronoNanoseconds(server_->options.idle_timeout);
  }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(server_->options.max_body_bytes));
    buffer_.max_size(static_cast<size_t>(server_->options.max_body_bytes) + (64 << 10));
    beast::get_lowest_layer(stream_).expires_after(IdleTimeout());
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return RefuseTooLarge();
    if (ec) return Close();
    // curl (and others) wait up to a second for "100 Continue" before sending a large body.
    if (absl::EqualsIgnoreCase(std::string(parser_->get()[bhttp::field::expect]),
                               "100-continue")) {
      continue_.emplace(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *continue_,
                         [self = this->shared_from_this()](beast::error_code wec, size_t) {
                           if (wec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return RefuseTooLarge();
    if (ec) return Close();
    Handle(parser_->release());
  }

  // The request's body is over the limit: 413 naming it, and the connection closes (the rest of
  // the body is not read).
  void RefuseTooLarge() {
    const std::string path(parser_->get().target().substr(0, parser_->get().target().find('?')));
    const Route route = RouteOf(path);
    keep_alive_ = false;
    in_request_ = true;
    received_ = absl::Now();
    record_ = CallRecord{};
    rpc_ = route.rpc;
    record_.rpc = RpcName(route.rpc);
    record_.request_id = RequestIdFor(absl::nullopt);
    record_.peer = peer_;
    linger_ = true;
    // From the field, not parser_->content_length(): the parser stopped inside the header when
    // the declared length was over the limit, and it only answers once the header is done.
    const absl::string_view declared = View(parser_->get()[bhttp::field::content_length]);
    const absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
        "the request body", declared.empty() ? "" : absl::StrCat(" (", declared, " bytes)"),
        " is larger than the limit of ", server_->options.max_body_bytes,
        " bytes (--max-message-bytes): send fewer inputs per request"));
    ++seq_;
    handler_->metrics().RequestStarted();
    Complete(seq_, status, Reply{413, http::ErrorBody(route.style, status, "", 413)},
             /*admitted=*/false);
  }

  void Handle(bhttp::request<bhttp::string_body> req) {
    in_request_ = true;
    ++seq_;
    received_ = absl::Now();
    deadline_ = received_ + server_->options.request_timeout;
    keep_alive_ = req.keep_alive();
    beast::get_lowest_layer(stream_).expires_never();
    const std::string path(req.target().substr(0, req.target().find('?')));
    const Route route = RouteOf(path);
    record_ = CallRecord{};
    rpc_ = route.rpc;
    record_.rpc = RpcName(route.rpc);
    const auto id_header = req.find(kRequestIdKey);
    record_.request_id = RequestIdFor(
        id_header == req.end()
            ? absl::nullopt
            : absl::optional<absl::string_view>(View(id_header->value())));
    record_.peer = peer_;
    style_ = route.style;
    handler_->metrics().RequestStarted();
    const uint64_t seq = seq_;

    if (const char* head = MissingHead(path); head != nullptr) {
      const absl::Status s = absl::NotFoundError(absl::StrCat(
          path, ": the served model '", handler_->model().name, "' has no ", head,
          "; it serves embeddings (/embed, /embed_all, /v1/embeddings)"));
      return Complete(seq, s, Reply{404, http::ErrorBody(route.style, s)}, /*admitted=*/false);
    }
    if (route.rpc == Rpc::kHttpOther) {
      const absl::Status s = absl::NotFoundError(absl::StrCat(
          "no route ", std::string(req.method_string()), " ", path,
          "; the routes are POST /v1/embeddings, GET /v1/models, POST /embed, POST /embed_all, "
          "POST /rerank, POST /predict, POST /tokenize, POST /decode, GET /info, GET /health, "
          "GET /openapi.json"));
      return Complete(seq, s, Reply{404, http::ErrorBody(route.style, s)}, /*admitted=*/false);
    }
    const bhttp::verb want = IsGetRoute(route.rpc) ? bhttp::verb::get : bhttp::verb::post;
    if (req.method() != want) {
      const absl::Status s = absl::InvalidArgumentError(
          absl::StrCat(path, " takes ", want == bhttp::verb::get ? "GET" : "POST", "; was ",
                       std::string(req.method_string())));
      allow_ = want == bhttp::verb::get ? "GET" : "POST";
      return Complete(seq, s, Reply{405, http::ErrorBody(route.style, s, "", 405)},
                      /*admitted=*/false);
    }

    const auto auth = req.find(bhttp::field::authorization);
    const absl::Status admitted = handler_->Admit(
        auth == req.end() ? absl::nullopt
                          : absl::optional<absl::string_view>(View(auth->value())));
    if (route.rpc == Rpc::kHttpOpenApi) {  // public, like the API's documentation
      return Complete(seq, absl::OkStatus(), Reply{200, std::string(http::OpenApiDocument())},
                      /*admitted=*/false);
    }
    if (route.rpc == Rpc::kHttpHealth) {
      // Health is for load balancers: no key needed; 503 while loading or draining.
      if (absl::IsUnavailable(admitted)) {
        return Complete(seq, admitted, Reply{503, http::ErrorBody(route.style, admitted)},
                        /*admitted=*/false);
      }
      return Complete(seq, absl::OkStatus(), Reply{200, "", false}, /*admitted=*/false);
    }
    if (!admitted.ok()) {
      return Complete(seq, admitted,
                      Reply{http::HttpStatusOf(admitted), http::ErrorBody(route.style, admitted)},
                      /*admitted=*/false);
    }
    handler_->CallStarted();
    switch (route.rpc) {
      case Rpc::kHttpModels:
        return Complete(seq, absl::OkStatus(),
                        Reply{200, http::OpenAiModelsResponse(handler_->model().name)},
                        /*admitted=*/true);
      case Rpc::kHttpInfo:
        return Complete(seq, absl::OkStatus(),
                        Reply{200, http::TeiInfoResponse(handler_->Info(),
                                                         server_->options.truncate_by_default,
                                                         server_->options.tokenizer_threads)},
                        /*admitted=*/true);
      case Rpc::kHttpEmbeddings:
      case Rpc::kHttpEmbed:
      case Rpc::kHttpEmbedAll:
        return StartEmbed(seq, route, std::move(req.body()));
      case Rpc::kHttpRerank:
        return StartRerank(seq, route, std::move(req.body()));
      case Rpc::kHttpPredict:
        return StartPredict(seq, route, std::move(req.body()));
      case Rpc::kHttpTokenize:
        return StartTokenize(seq, route, std::move(req.body()));
      case Rpc::kHttpDecode:
        return StartDecode(seq, route, std::move(req.body()));
      default:
        break;
    }
    const absl::Status s = absl::InternalError("unrouted request");
    Complete(seq, s, Reply{500, http::ErrorBody(route.style, s)}, /*admitted=*/true);
  }

  // Embed routes: parsed on the handler's pool, computed by the batcher, answered from the
  // batcher's responder thread (or the pool's, for a refusal) through Post.
  void StartEmbed(uint64_t seq, Route route, std::string body) {
    struct State {
      std::string body;
      http::EncodingFormat encoding = http::EncodingFormat::kFloat;
    };
    auto state = std::make_shared<State>();
    state->body = std::move(body);
    const Rpc rpc = route.rpc;
    RequestHandler::Reader<v1::EmbedRequest> read =
        [state, rpc]() -> absl::StatusOr<v1::EmbedRequest> {
      if (rpc == Rpc::kHttpEmbeddings) {
        absl::StatusOr<http::OpenAiEmbeddings> r = http::ParseOpenAiEmbeddings(state->body);
        if (!r.ok()) return r.status();
        state->encoding = r->encoding;
        return std::move(r->request);
      }
      return http::ParseTeiEmbed(state->body, /*all=*/rpc == Rpc::kHttpEmbedAll);
    };
    const absl::Time received = received_;
    std::shared_ptr<core::EmbedJob> job = handler_->Embed(
        std::move(read), deadline_,
        JobDone(seq, route, [this, route, state, received](const core::EmbedJob& j) {
          v1::EmbedResponse response;
          handler_->BuildEmbedResponse(j, received, response);
          return route.rpc == Rpc::kHttpEmbeddings
                     ? http::OpenAiEmbeddingsResponse(response, state->encoding,
                                                      handler_->model().name)
                     : http::TeiEmbedResponse(response, route.rpc == Rpc::kHttpEmbedAll);
        }));
    job_ = std::move(job);
    Wait(seq);
  }

  // TEI's /rerank and /predict: one batcher job each, as Embed.
  void StartRerank(uint64_t seq, Route route, std::string body) {
    auto bytes = std::make_shared<std::string>(std::move(body));
    auto parsed = std::make_shared<v1::RerankRequest>();
    const absl::Time received = received_;
    job_ = handler_->Rerank(
        [bytes] { return http::ParseTeiRerank(*bytes); }, deadline_,
        JobDone(seq, route,
                [this, parsed, received](const core::EmbedJob& j) {
                  v1::RerankResponse response;
                  handler_->BuildRerankResponse(*parsed, j, received, response);
                  return http::TeiRerankResponse(response);
                }),
        parsed);
    Wait(seq);
  }

  void StartPredict(uint64_t seq, Route route, std::string body) {
    auto bytes = std::make_shared<std::string>(std::move(body));
    auto parsed = std::make_shared<v1::PredictRequest>();
    auto batch = std::make_shared<bool>(false);  // written when read, before the job is queued
    const absl::Time received = received_;
    job_ = handler_->Predict(
        [bytes, batch]() -> absl::StatusOr<v1::PredictRequest> {
          absl::StatusOr<http::TeiPredict> p = http::ParseTeiPredict(*bytes);
          if (!p.ok()) return p.status();
          *batch = p->batch;
          return std::move(p->request);
        },
        deadline_,
        JobDone(seq, route,
                [this, parsed, batch, received](const core::EmbedJob& j) {
                  v1::PredictResponse response;
                  handler_->BuildPredictResponse(*parsed, j, received, response);
                  return http::TeiPredictResponse(response, *batch);
                }),
        parsed);
    Wait(seq);
  }

  // The callback of a batcher job: the reply body `build` makes of a finished job, or the
  // error in the route's vocabulary; answered through Post (the connection stays alive until).
  core::EmbedJob::Callback JobDone(uint64_t seq, Route route,
                                   std::function<std::string(const core::EmbedJob&)> build) {
    auto self = this->shared_from_this();
    return [self, seq, route, build = std::move(build)](const absl::Status& status,
                                                         core::EmbedJob& j) {
      Reply reply;
      absl::Status s = status;
      if (s.ok()) {
        reply.body = build(j);
      } else {
        reply.status = http::HttpStatusOf(s);
        reply.body = http::ErrorBody(route.style, s);
      }
      CallRecord figures;
      AddJobFigures(j, figures);
      self->Post(seq, std::move(s), std::move(reply), figures);
    };
  }

  void StartTokenize(uint64_t seq, Route route, std::string body) {
    auto request = std::make_shared<v1::TokenizeRequest>();
    auto bytes = std::make_shared<std::string>(std::move(body));
    auto self = this->shared_from_this();
    handler_->Tokenize(
        [request, bytes]() -> absl::StatusOr<v1::TokenizeRequest> {
          absl::StatusOr<v1::TokenizeRequest> r = http::ParseTeiTokenize(*bytes);
          if (r.ok()) *request = *r;
          return r;
        },
        [self, seq, route, request](absl::StatusOr<v1::TokenizeResponse> result) {
          Reply reply;
          CallRecord figures;
          if (result.ok()) {
            reply.body = http::TeiTokenizeResponse(*request, *result);
            figures.inputs = result->tokens_size();
            figures.tokens = 0;
            for (const auto& t : result->tokens()) figures.tokens += t.ids_size();
          } else {
            reply.status = http::HttpStatusOf(result.status());
            reply.body = http::ErrorBody(route.style, result.status());
          }
          self->Post(seq, result.status(), std::move(reply), figures);
        });
    Wait(seq);
  }

  void StartDecode(uint64_t seq, Route route, std::string body) {
    auto bytes = std::make_shared<std::string>(std::move(body));
    auto self = this->shared_from_this();
    handler_->Decode([bytes]() { return http::ParseTeiDecode(*bytes); },
                     [self, seq, route](absl::StatusOr<v1::DecodeResponse> result) {
                       Reply reply;
                       CallRecord figures;
                       if (result.ok()) {
                         reply.body = http::TeiDecodeResponse(*result);
                         figures.inputs = result->texts_size();
                       } else {
                         reply.status = http::HttpStatusOf(result.status());
                         reply.body = http::ErrorBody(route.style, result.status());
                       }
                       self->Post(seq, result.status(), std::move(reply), figures);
                     });
    Wait(seq);
  }

  // From any thread: the answer of request `seq`.
  void Post(uint64_t seq, absl::Status status, Reply reply, CallRecord figures) {
    net::post(stream_.get_executor(),
              [self = this->shared_from_this(), seq, status = std::move(status),
               reply = std::move(reply), figures = std::move(figures)]() mutable {
                self->record_.inputs = figures.inputs;
                self->record_.tokens = figures.tokens;
                self->record_.queue = figures.queue;
                self->record_.inference = figures.inference;
                self->Complete(seq, std::move(status), std::move(reply), /*admitted=*/true);
              });
  }

  // While request `seq` is computed: its deadline, and the client's connection.
  void Wait(uint64_t seq) {
    if (seq != seq_ || !in_request_ || answered_seq_ == seq) return;  // already answered
    waiting_ = true;
    timer_.expires_after(absl::ToChronoNanoseconds(deadline_ - absl::Now()));
    timer_.async_wait([self = this->shared_from_this(), seq](beast::error_code ec) {
      if (ec || seq != self->seq_ || !self->waiting_) return;
      if (self->job_ != nullptr) self->job_->Cancel();
      const absl::Status s = absl::DeadlineExceededError(absl::StrCat(
          "the request took longer than the server's limit of ",
          absl::FormatDuration(self->server_->options.request_timeout), " (--http-timeout-s)"));
      self->Complete(seq, s, Reply{504, http::ErrorBody(self->style_, s)}, /*admitted=*/true);
    });
    WatchClient(seq);
  }

  // A readable socket while a request waits: the client closed it (recv peeks 0: cancel the
  // request's work, answer nobody), or sent its next request (pipelining: read after this one).
  void WatchClient(uint64_t seq) {
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.async_wait(tcp::socket::wait_read,
                      [self = this->shared_from_this(), seq](beast::error_code ec) {
                        if (ec || seq != self->seq_ || !self->waiting_) return;
                        char c;
                        const ssize_t n =
                            ::recv(beast::get_lowest_layer(self->stream_).socket().native_handle(),
                                   &c, 1, MSG_PEEK | MSG_DONTWAIT);
                        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                          self->client_gone_ = true;
                          if (self->job_ != nullptr) self->job_->Cancel();
                        }
                      });
  }

  // On the strand: the first answer of request `seq` is recorded (metrics, access log, the
  // drain's count) and written; any later one (a timeout raced the result) is dropped.
  void Complete(uint64_t seq, absl::Status status, Reply reply, bool admitted) {
    if (seq != seq_ || answered_seq_ == seq) return;
    answered_seq_ = seq;
    waiting_ = false;
    timer_.cancel();
    job_.reset();
    if (client_gone_ && absl::IsCancelled(status)) {
      status = absl::CancelledError("the client closed the connection");
    }
    record_.status = status;
    record_.total = absl::Now() - received_;
    handler_->CallFinished(rpc_, record_);
    handler_->metrics().RequestDone();
    if (admitted) handler_->CallDone();
    if (client_gone_) return Close();
    Write(std::move(reply), status);
  }

  void Write(Reply reply, const absl::Status& status) {
    res_.emplace(static_cast<bhttp::status>(reply.status), 11);
    if (reply.json) res_->set(bhttp::field::content_type, "application/json");
    res_->set(kRequestIdKey, record_.request_id);
    res_->set(bhttp::field::server, "attnserve");
    if (reply.status == 429 || reply.status == 503) res_->set(bhttp::field::retry_after, "1");
    if (reply.status == 401) res_->set(bhttp::field::www_authenticate, "Bearer");
    if (reply.status == 405) res_->set(bhttp::field::allow, allow_);
    // A draining server closes each connection after its answer: the client reconnects,
    // elsewhere behind a load balancer.
    const bool keep = keep_alive_ && !stop_requested_ && !server_->stopping.load() &&
                      !absl::IsUnavailable(status);
    res_->keep_alive(keep);
    res_->body() = std::move(reply.body);
    res_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(IdleTimeout());
    bhttp::async_write(stream_, *res_,
                       [self = this->shared_from_this(), keep](beast::error_code ec, size_t) {
                         self->res_.reset();
                         self->in_request_ = false;
                         if (!ec && self->linger_) return self->Linger();
                         if (ec || !keep || self->stop_requested_) return self->Close();
                         self->DoRead();
                       });
  }

  // After a 413 the client may still be sending the body: closing with unread bytes would reset
  // the connection, and the client might lose the answer. So: no more writes, and what arrives
  // is read and dropped until the client closes, or for 2 s at most.
  void Linger() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    if (!lingering_) {
      lingering_ = true;
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    }
    scratch_.resize(16 << 10);
    beast::get_lowest_layer(stream_).async_read_some(
        net::buffer(scratch_), [self = this->shared_from_this()](beast::error_code rec, size_t) {
          if (rec) return self->Close();
          self->Linger();
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    waiting_ = false;
    timer_.cancel();
    if (job_ != nullptr) job_->Cancel();
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).close();
    server_->Unregister(id_);
  }

  HttpServer::Impl* const server_;
  RequestHandler* const handler_;
  Stream stream_;
  net::steady_timer timer_;
  const uint64_t id_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::string_body>> res_;
  // The request in flight (seq_): its answer is taken once (answered_seq_).
  uint64_t seq_ = 0;
  uint64_t answered_seq_ = 0;
  absl::Time received_;
  absl::Time deadline_;
  CallRecord record_;
  Rpc rpc_ = Rpc::kHttpOther;
  http::ApiStyle style_ = http::ApiStyle::kTei;
  std::string allow_;
  std::shared_ptr<core::EmbedJob> job_;
  bool keep_alive_ = true;
  bool in_request_ = false;
  bool waiting_ = false;
  bool client_gone_ = false;
  bool stop_requested_ = false;
  bool closed_ = false;
  bool linger_ = false;     // the answer is a 413: linger before closing
  bool lingering_ = false;  // Linger's 2 s have started
  std::string scratch_;     // Linger's reads
};

}  // namespace

void HttpServer::Impl::DoAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping.load() || ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: try again shortly rather than spin.
      ATTN_LOG(WARNING) << "http: accept failed: " << ec.message();
      auto timer = std::make_shared<net::steady_timer>(acceptor.get_executor(),
                                                       std::chrono::milliseconds(50));
      timer->async_wait([this, timer](beast::error_code) { DoAccept(); });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const uint64_t id = next_id.fetch_add(1);
    std::shared_ptr<SessionBase> session;
    if (tls.has_value()) {
      auto s = std::make_shared<Session<true>>(this, std::move(socket), id);
      Register(id, s);
      s->Run();
    } else {
      auto s = std::make_shared<Session<false>>(this, std::move(socket), id);
      Register(id, s);
      s->Run();
    }
    DoAccept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(absl::Now()); }

int HttpServer::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options,
                                                              RequestHandler* handler) {
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-threads must be >= 1; was ", options.threads));
  }
  auto impl = std::make_unique<Impl>(options, handler);
  const std::string where = FormatAddress(options.host, options.port);
  if (!options.tls.cert_pem.empty()) {
    try {
      ssl::context ctx(ssl::context::tls_server);
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                      ssl::context::no_tlsv1_1);
      ctx.use_certificate_chain(net::buffer(options.tls.cert_pem));
      ctx.use_private_key(net::buffer(options.tls.key_pem), ssl::context::pem);
      if (!options.tls.client_ca_pem.empty()) {
        ctx.add_certificate_authority(net::buffer(options.tls.client_ca_pem));
        ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
      impl->tls.emplace(std::move(ctx));
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("--http-port: the TLS files cannot be used for HTTPS: ", e.what()));
    }
  }
  beast::error_code ec;
  tcp::resolver resolver(impl->ioc);
  const auto found = resolver.resolve(options.host, std::to_string(options.port),
                                      tcp::resolver::passive, ec);
  if (ec || found.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--http-port ", options.port,
                                                   ": cannot resolve the address '", options.host,
                                                   "'", ec ? ": " + ec.message() : ""));
  }
  const tcp::endpoint endpoint = found.begin()->endpoint();
  tcp::acceptor& a = impl->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("--http-port ", options.port,
                                               ": cannot listen on ", where, ": ", ec.message()));
  }
  impl->port = a.local_endpoint().port();
  impl->DoAccept();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([ioc = &impl->ioc] {
      pthread_setname_np(pthread_self(), "attn-http");
      ioc->run();
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Shutdown(absl::Time deadline) {
  Impl& s = *impl_;
  if (s.shut_down) return;
  s.shut_down = true;
  s.stopping.store(true);
  net::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    MutexLock lock(&s.mu);
    for (auto& [id, weak] : s.sessions) {
      if (auto p = weak.lock()) live.push_back(std::move(p));
    }
  }
  for (auto& p : live) p->Stop();
  live.clear();
  {
    MutexLock lock(&s.mu);
    s.mu.AwaitWithDeadline(absl::Condition(&s, &Impl::NoSessions), deadline);
  }
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace attnserve
