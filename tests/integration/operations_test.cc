// Overload, deadlines, drain, security and metrics of the in-process server.
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/util/mutex.h"
#include "tests/integration/server_fixture.h"

namespace attnserve {
namespace {

using ::testing::HasSubstr;

v1::EmbedRequest LongRequest(int words) {
  v1::EmbedRequest r;
  std::string s;
  for (int i = 0; i < words; ++i) s += "model ";
  r.add_inputs()->set_text(s);
  return r;
}

TEST_F(ServerTest, FullQueueAnswersResourceExhaustedAtOnceAndEveryCallOnce) {
  ServerOptions o = LocalOptions();
  o.batching.max_batch_tokens = 512;
  o.batching.max_queued_tokens = 1024;  // two 500-token requests
  StartServer(o);
  constexpr int kCalls = 40;
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::atomic<int64_t> slowest_refusal_us{0};
  BlockingCounter done(kCalls);
  const v1::EmbedRequest req = LongRequest(498);
  for (int i = 0; i < kCalls; ++i) {
    const absl::Time start = absl::Now();
    client_->EmbedAsync(req, [&, start](absl::StatusOr<v1::EmbedResponse> r) {
      if (r.ok()) {
        ok.fetch_add(1);
      } else if (r.status().code() == absl::StatusCode::kResourceExhausted) {
        exhausted.fetch_add(1);
        EXPECT_THAT(r.status().message(), HasSubstr("the queue is full"));
        const int64_t us = absl::ToInt64Microseconds(absl::Now() - start);
        int64_t prev = slowest_refusal_us.load();
        while (us > prev && !slowest_refusal_us.compare_exchange_weak(prev, us)) {
        }
      } else {
        other.fetch_add(1);
      }
      done.DecrementCount();
    });
  }
  done.Wait();
  EXPECT_EQ(ok.load() + exhausted.load() + other.load(), kCalls);
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(exhausted.load(), 0);
  // The server still works once the burst is over.
  EXPECT_TRUE(client_->Embed(LongRequest(3)).ok());
}

TEST_F(ServerTest, ExpiredDeadlineIsDeadlineExceeded) {
  client::ClientOptions c;
  c.timeout = absl::Microseconds(1);
  c.retry_unavailable = false;
  StartServer(LocalOptions(), c);
  EXPECT_EQ(client_->Embed(LongRequest(10)).status().code(), absl::StatusCode::kDeadlineExceeded);
}

// Embed calls finished so far, by status code name, from the server's own counters.
std::map<std::string, double> EmbedCodes(prometheus::Registry& registry) {
  std::map<std::string, double> codes;
  for (const auto& f : registry.Collect()) {
    if (f.name != "attnserve_requests_total") continue;
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : m.label) labels[l.name] = l.value;
      if (labels["rpc"] == "Embed" && m.counter.value > 0) codes[labels["code"]] = m.counter.value;
    }
  }
  return codes;
}

double Gauge(prometheus::Registry& registry, const std::string& name) {
  for (const auto& f : registry.Collect()) {
    if (f.name == name && !f.metric.empty()) return f.metric.front().gauge.value;
  }
  return -1;
}

// A deadline storm: operators alert on the server's counters, so they must say what the clients
// saw. Calls whose deadline passes while they wait are DEADLINE_EXCEEDED on both sides (gRPC
// cancels them on the server, which used to count CANCELLED).
class DeadlineStormTest : public ServerTest {
 protected:
  void Storm(int inline_prepare_bytes);
};

TEST_F(DeadlineStormTest, CountersMatchWhatClientsSaw) { Storm(0); }

// Requests prepared on gRPC's thread: a call cancelled before its request arrived still runs the
// handler, with an empty request, which once counted as INVALID_ARGUMENT ("no inputs").
// Not under the sanitizers: there tokenizing inline holds gRPC's threads so long that the
// headers of the calls behind are read 20+ ms late, so the server's deadline (grpc-timeout is
// relative) runs behind the client's and a client's timeout arrives as a plain cancel
// (measured: 48 of 120 CANCELLED under ASan). One reason inline prepare stays off by default.
TEST_F(DeadlineStormTest, CountersMatchWithInlinePrepare) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer build: inline tokenization delays gRPC's reads (see above)";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  GTEST_SKIP() << "sanitizer build: inline tokenization delays gRPC's reads (see above)";
#endif
#endif
  Storm(4096);
}

void DeadlineStormTest::Storm(int inline_prepare_bytes) {
  client::ClientOptions c;
  c.timeout = absl::Milliseconds(40);
  c.retry_unavailable = false;
  ServerOptions o = LocalOptions();
  o.inline_prepare_bytes = inline_prepare_bytes;
  StartServer(o, c);
  if (HasFatalFailure()) return;
  constexpr int kCalls = 120;
  Mutex mu;
  std::map<std::string, double> client_codes;
  BlockingCounter done(kCalls);
  const v1::EmbedRequest req = LongRequest(250);  // ~250 tokens: the queue takes a while
  for (int i = 0; i < kCalls; ++i) {
    client_->EmbedAsync(req, [&](absl::StatusOr<v1::EmbedResponse> r) {
      {
        MutexLock lock(&mu);
        client_codes[absl::StatusCodeToString(r.status().code())] += 1;
      }
      done.DecrementCount();
    });
  }
  done.Wait();
  // The server may still be finishing calls the clients already gave up on.
  for (int i = 0; i < 500 && Gauge(server_->registry(), "attnserve_inflight_requests") > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const std::map<std::string, double> server_codes = EmbedCodes(server_->registry());
  MutexLock lock(&mu);
  EXPECT_GT(client_codes["DEADLINE_EXCEEDED"], 0);  // the storm happened
  EXPECT_EQ(server_codes.count("CANCELLED"), 0u);
  EXPECT_EQ(server_codes.count("INVALID_ARGUMENT"), 0u);
  // One race is not the server's to settle: an OK answer sent just before the deadline can
  // still be on its way when the client's deadline timer fires. Such calls are OK on the server
  // and DEADLINE_EXCEEDED on the client; allow a few, and nothing else.
  std::map<std::string, double> server = server_codes;
  std::map<std::string, double> client = client_codes;
  for (const char* code : {"OK", "DEADLINE_EXCEEDED"}) {  // listed in both, if only as zero
    server[code] += 0;
    client[code] += 0;
  }
  const double crossed = client["DEADLINE_EXCEEDED"] - server["DEADLINE_EXCEEDED"];
  EXPECT_GE(crossed, 0);
  EXPECT_LE(crossed, 3);
  client["DEADLINE_EXCEEDED"] -= crossed;
  client["OK"] += crossed;
  EXPECT_EQ(server, client);
}

TEST_F(ServerTest, DrainFinishesInFlightCallsAndRefusesNewOnes) {
  StartServer(LocalOptions());
  // In flight: an open stream with answered and pending messages.
  auto stream = client_->OpenStream();
  v1::EmbedRequest req = LongRequest(200);
  ASSERT_TRUE(stream->Write(req));
  v1::EmbedResponse resp;
  ASSERT_TRUE(stream->Read(&resp));  // the stream is established and served
  ASSERT_TRUE(stream->Write(req));
  Notification drained;
  std::thread drainer([&] {
    server_->Drain(absl::Now() + absl::Seconds(20));
    drained.Notify();
  });
  // The in-flight stream completes normally.
  ASSERT_TRUE(stream->Read(&resp));
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&resp));
  EXPECT_TRUE(stream->Finish().ok());
  drained.WaitForNotification();
  drainer.join();
  // New calls: UNAVAILABLE (the listener is closed).
  client::ClientOptions c;
  c.target = absl::StrCat("127.0.0.1:", server_->port());
  c.retry_unavailable = false;
  c.timeout = absl::Seconds(5);
  auto late = client::EmbedderClient::Create(c);
  EXPECT_EQ((*late)->Embed(LongRequest(2)).status().code(), absl::StatusCode::kUnavailable);
}

// A drain under closed-loop load (8 clients, each calling again as soon as it is answered):
// every call is answered OK or UNAVAILABLE, never CANCELLED. gRPC itself answers CANCELLED to
// calls that reach it while Server::Shutdown sends its GOAWAY; the drain holds its refusals
// across that moment (RequestHandler::Refuse). Without the hold this saw 4 to 9 per drain.
TEST_F(ServerTest, DrainUnderClosedLoopLoadAnswersUnavailableNeverCancelled) {
  StartServer(LocalOptions());
  constexpr int kClients = 8;
  Mutex mu;
  std::map<absl::StatusCode, int> codes;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      client::ClientOptions c;
      c.target = absl::StrCat("127.0.0.1:", server_->port());
      c.retry_unavailable = false;
      c.timeout = absl::Seconds(20);
      auto client = client::EmbedderClient::Create(c);
      ASSERT_TRUE(client.ok());
      const v1::EmbedRequest req = LongRequest(30);
      std::map<absl::StatusCode, int> mine;
      while (!stop.load()) mine[(*client)->Embed(req).status().code()] += 1;
      MutexLock lock(&mu);
      for (const auto& [code, n] : mine) codes[code] += n;
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  server_->Drain(absl::Now() + absl::Seconds(20));
  absl::SleepFor(absl::Milliseconds(100));  // calls after the drain: UNAVAILABLE (no listener)
  stop.store(true);
  for (std::thread& t : clients) t.join();
  MutexLock lock(&mu);
  EXPECT_GT(codes[absl::StatusCode::kOk], 0);
  EXPECT_GT(codes[absl::StatusCode::kUnavailable], 0);
  EXPECT_EQ(codes.count(absl::StatusCode::kCancelled), 0u)
      << codes[absl::StatusCode::kCancelled] << " calls CANCELLED";
  for (const auto& [code, n] : codes) {
    EXPECT_TRUE(code == absl::StatusCode::kOk || code == absl::StatusCode::kUnavailable)
        << n << " calls " << absl::StatusCodeToString(code);
  }
}

TEST_F(ServerTest, ApiKeysGuardTheEmbedderButNotHealth) {
  ServerOptions o = LocalOptions();
  o.api_keys = {"k1-secret", "k2-secret"};
  StartServer(o);
  auto no_key = client_->Embed(LongRequest(2));
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(no_key.status().message(), HasSubstr("missing 'authorization: Bearer"));
  EXPECT_EQ(client_->Info().status().code(), absl::StatusCode::kUnauthenticated);
  auto health = client_->Health();
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, grpc::health::v1::HealthCheckResponse::SERVING);

  for (const char* key : {"wrong", "k1-secretX", ""}) {
    client::ClientOptions c;
    c.target = absl::StrCat("127.0.0.1:", server_->port());
    c.api_key = key;
    auto cl = *client::EmbedderClient::Create(c);
    EXPECT_EQ(cl->Embed(LongRequest(2)).status().code(), absl::StatusCode::kUnauthenticated) << key;
  }
  for (const char* key : {"k1-secret", "k2-secret"}) {
    client::ClientOptions c;
    c.target = absl::StrCat("127.0.0.1:", server_->port());
    c.api_key = key;
    auto cl = *client::EmbedderClient::Create(c);
    EXPECT_TRUE(cl->Embed(LongRequest(2)).ok()) << key;
    auto stream = cl->OpenStream();
    stream->Write(LongRequest(2));
    stream->WritesDone();
    v1::EmbedResponse r;
    EXPECT_TRUE(stream->Read(&r));
    while (stream->Read(&r)) {
    }
    EXPECT_TRUE(stream->Finish().ok());
  }
}

// Certificates made by openssl for this test: a CA, a server certificate for "localhost" and
// 127.0.0.1, a client certificate; and a second CA whose certificates must be refused.
class TlsTest : public ServerTest {
 protected:
  static void SetUpTestSuite() {
    // Per process: ctest runs the TLS tests in parallel processes.
    dir_ = new std::filesystem::path(std::filesystem::path(::testing::TempDir()) /
                                     absl::StrCat("attnserve_tls_", ::getpid()));
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    const std::string d = dir_->string();
    const std::string script = "set -e; cd '" + d + "'\n" + R"(
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem 2>/dev/null
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout other.key -out other.pem 2>/dev/null
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext
      openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr 2>/dev/null
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj /CN=intruder -keyout intruder.key -out intruder.csr 2>/dev/null
      openssl x509 -req -in intruder.csr -CA other.pem -CAkey other.key -CAcreateserial -days 2 -out intruder.pem 2>/dev/null
    )";
    ASSERT_EQ(std::system(("bash -c \"" + script + "\"").c_str()), 0) << "openssl failed";
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Read(const std::string& name) {
    std::ifstream in(*dir_ / name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  client::ClientOptions Client(bool tls) {
    client::ClientOptions c;
    // StartServer() points the first client at the server; later ones are made afterwards.
    if (server_ != nullptr) c.target = absl::StrCat("127.0.0.1:", server_->port());
    c.tls = tls;
    c.ca_pem = Read("ca.pem");
    c.retry_unavailable = false;
    c.timeout = absl::Seconds(10);
    return c;
  }
  ServerOptions TlsServer(bool mutual) {
    ServerOptions o = LocalOptions();
    o.tls.cert_pem = Read("server.pem");
    o.tls.key_pem = Read("server.key");
    if (mutual) o.tls.client_ca_pem = Read("ca.pem");
    return o;
  }
  static std::filesystem::path* dir_;
};
std::filesystem::path* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, TlsServerAcceptsTlsClientsOnly) {
  StartServer(TlsServer(/*mutual=*/false), Client(true));
  EXPECT_TRUE(client_->Embed(LongRequest(2)).ok());
  auto plain = *client::EmbedderClient::Create(Client(false));
  EXPECT_EQ(plain->Embed(LongRequest(2)).status().code(), absl::StatusCode::kUnavailable);
  client::ClientOptions wrong_ca = Client(true);
  wrong_ca.ca_pem = Read("other.pem");
  EXPECT_EQ((*client::EmbedderClient::Create(wrong_ca))->Embed(LongRequest(2)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  StartServer(TlsServer(/*mutual=*/true), Client(true));
  EXPECT_EQ(client_->Embed(LongRequest(2)).status().code(), absl::StatusCode::kUnavailable);
  client::ClientOptions with_cert = Client(true);
  with_cert.client_cert_pem = Read("client.pem");
  with_cert.client_key_pem = Read("client.key");
  EXPECT_TRUE((*client::EmbedderClient::Create(with_cert))->Embed(LongRequest(2)).ok());
  client::ClientOptions intruder = Client(true);
  intruder.client_cert_pem = Read("intruder.pem");
  intruder.client_key_pem = Read("intruder.key");
  EXPECT_EQ((*client::EmbedderClient::Create(intruder))->Embed(LongRequest(2)).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(ServerTest, EveryMetricFamilyIsExportedFromTheFirstScrape) {
  StartServer(LocalOptions());
  std::set<std::string> names;
  for (const auto& f : server_->registry().Collect()) names.insert(f.name);
  for (const char* want :
       {"attnserve_requests_total", "attnserve_request_duration_seconds",
        "attnserve_queue_duration_seconds", "attnserve_tokenization_duration_seconds",
        "attnserve_inference_duration_seconds", "attnserve_batch_size_sequences",
        "attnserve_batch_size_tokens", "attnserve_queue_sequences", "attnserve_queue_tokens",
        "attnserve_inflight_requests", "attnserve_inputs_total", "attnserve_tokens_total",
        "attnserve_truncated_inputs_total", "attnserve_model_info", "attnserve_build_info"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
  // Requests move the counters: one OK Embed, one INVALID_ARGUMENT Embed.
  ASSERT_TRUE(client_->Embed(LongRequest(3)).ok());
  EXPECT_FALSE(client_->Embed(v1::EmbedRequest()).ok());
  double ok = -1, invalid = -1, inputs = -1;
  for (const auto& f : server_->registry().Collect()) {
    for (const auto& m : f.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : m.label) labels[l.name] = l.value;
      if (f.name == "attnserve_requests_total" && labels["rpc"] == "Embed") {
        if (labels["code"] == "OK") ok = m.counter.value;
        if (labels["code"] == "INVALID_ARGUMENT") invalid = m.counter.value;
      }
      if (f.name == "attnserve_inputs_total") inputs = m.counter.value;
    }
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(invalid, 1);
  EXPECT_EQ(inputs, 1);
}

}  // namespace
}  // namespace attnserve
