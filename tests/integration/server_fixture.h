// In-process attnserve for integration tests: the real AttnServer on 127.0.0.1:0 with the demo
// model, and the real client library.
#ifndef ATTNSERVE_TESTS_INTEGRATION_SERVER_FIXTURE_H_
#define ATTNSERVE_TESTS_INTEGRATION_SERVER_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "client/embedder_client.h"
#include "core/heads/embed_outputs.h"
#include "core/model/model_loader.h"
#include "server/server.h"

namespace attnserve {

inline ServerOptions LocalOptions() {
  ServerOptions o;
  o.model = "demo";
  o.host = "127.0.0.1";
  o.port = 0;
  o.metrics_host = "127.0.0.1";
  o.metrics_port = -1;  // civetweb takes ~2 s to stop; tests read the registry directly
  return o;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options, client::ClientOptions client_options = {}) {
    auto server = AttnServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_options.target = absl::StrCat("127.0.0.1:", server_->port());
    auto client = client::EmbedderClient::Create(client_options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
  }

  // What the demo model gives for one input alone, computed in the test, not by the server.
  std::vector<float> EmbedAlone(const core::SequenceInput& in, const core::OutputSpec& spec) {
    if (alone_ == nullptr) alone_ = *server_->model().model->CreateSession();
    core::PackedBatch batch;
    batch.Add(in.ids, in.type_ids);
    std::vector<core::SequenceOutput> out;
    EXPECT_TRUE(
        core::EmbedBatch(*alone_, batch, std::span<const core::OutputSpec>(&spec, 1), out).ok());
    return out[0].embedding;
  }
  core::SequenceInput Tokenized(const std::string& text) {
    core::TokenizeOptions o;
    o.max_length = 512;
    auto enc = server_->model().tokenizer->Encode(text, nullptr, o);
    EXPECT_TRUE(enc.ok()) << enc.status();
    return {enc->ids, enc->type_ids, false};
  }

  std::unique_ptr<AttnServer> server_;
  std::unique_ptr<client::EmbedderClient> client_;
  std::unique_ptr<core::Session> alone_;
};

inline float MaxAbsDiff(const google::protobuf::RepeatedField<float>& a,
                        const std::vector<float>& b) {
  EXPECT_EQ(static_cast<size_t>(a.size()), b.size());
  float m = 0;
  for (int i = 0; i < std::min<int>(a.size(), static_cast<int>(b.size())); ++i) {
    m = std::max(m, std::abs(a[i] - b[static_cast<size_t>(i)]));
  }
  return m;
}

}  // namespace attnserve

#endif  // ATTNSERVE_TESTS_INTEGRATION_SERVER_FIXTURE_H_
