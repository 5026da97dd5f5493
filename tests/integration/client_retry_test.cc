// The client library's retry policy: UNAVAILABLE is retried by gRPC itself (service-config
// retryPolicy, 4 attempts), nothing else is, and retry_unavailable=false turns it off. A scripted
// Embedder answers the first N calls with a chosen status and counts the attempts it sees.
#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "client/embedder_client.h"

namespace attnserve {
namespace {

class ScriptedEmbedder final : public v1::Embedder::Service {
 public:
  grpc::Status Embed(grpc::ServerContext* /*context*/, const v1::EmbedRequest* /*request*/,
                     v1::EmbedResponse* response) override {
    if (attempts_.fetch_add(1) < failures_) return grpc::Status(code_, "scripted failure");
    response->set_model("scripted");
    return grpc::Status::OK;
  }

  void Script(grpc::StatusCode code, int failures) {
    code_ = code;
    failures_ = failures;
    attempts_ = 0;
  }
  int attempts() const { return attempts_.load(); }

 private:
  std::atomic<grpc::StatusCode> code_{grpc::StatusCode::OK};
  std::atomic<int> failures_{0};
  std::atomic<int> attempts_{0};
};

class ClientRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<client::EmbedderClient> Client(bool retry) {
    client::ClientOptions o;
    o.target = absl::StrCat("127.0.0.1:", port_);
    o.retry_unavailable = retry;
    o.timeout = absl::Seconds(30);
    auto c = client::EmbedderClient::Create(o);
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }
  absl::StatusCode EmbedOnce(client::EmbedderClient& c) {
    v1::EmbedRequest request;
    request.add_inputs()->set_text("hello");
    return c.Embed(request).status().code();
  }

  ScriptedEmbedder service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(ClientRetryTest, UnavailableIsRetriedUntilItSucceeds) {
  auto c = Client(/*retry=*/true);
  service_.Script(grpc::StatusCode::UNAVAILABLE, /*failures=*/2);
  EXPECT_EQ(EmbedOnce(*c), absl::StatusCode::kOk);
  EXPECT_EQ(service_.attempts(), 3);
}

TEST_F(ClientRetryTest, RetriesStopAfterFourAttempts) {
  auto c = Client(/*retry=*/true);
  service_.Script(grpc::StatusCode::UNAVAILABLE, /*failures=*/100);
  EXPECT_EQ(EmbedOnce(*c), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.attempts(), 4);
}

TEST_F(ClientRetryTest, OtherCodesAreNotRetried) {
  auto c = Client(/*retry=*/true);
  for (grpc::StatusCode code : {grpc::StatusCode::INVALID_ARGUMENT,
                                grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::INTERNAL}) {
    service_.Script(code, /*failures=*/1);
    EXPECT_EQ(EmbedOnce(*c), static_cast<absl::StatusCode>(code));
    EXPECT_EQ(service_.attempts(), 1) << code;
  }
}

TEST_F(ClientRetryTest, RetryCanBeTurnedOff) {
  auto c = Client(/*retry=*/false);
  service_.Script(grpc::StatusCode::UNAVAILABLE, /*failures=*/1);
  EXPECT_EQ(EmbedOnce(*c), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.attempts(), 1);
}

}  // namespace
}  // namespace attnserve
