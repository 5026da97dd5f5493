// Rerank and Predict end to end: the real AttnServer (gRPC and HTTP) on the fixture models of
// tests/testdata/heads (generate_fixtures.py), called through the client library and a Beast HTTP
// client; scores and order against sentence-transformers' CrossEncoder and transformers'
// AutoModelForSequenceClassification, and the statuses of bad requests.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/safetensors.h"
#include "tests/integration/server_fixture.h"

namespace attnserve {
namespace {

namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr float kScoreTolerance = 1e-4f;

fs::path HeadsDir(const char* name) { return fs::path(ATTNSERVE_TESTDATA_DIR) / "heads" / name; }

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

// One HTTP/1.1 request on a fresh connection: (status, body).
std::pair<int, std::string> Post(int port, const std::string& target, const std::string& body) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                static_cast<unsigned short>(port)));
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

class RerankTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions o = LocalOptions();
    o.model = HeadsDir("bert_reranker").string();
    o.limits.max_input_length = 0;  // the model's (48 tokens)
    o.http_port = -1;
    ASSERT_NO_FATAL_FAILURE(StartServer(std::move(o)));
    ref_ = ReadJson(HeadsDir("bert_reranker") / "rerank.json");
  }

  v1::RerankRequest FixtureRequest() const {
    v1::RerankRequest r;
    r.set_query(ref_["query"].get<std::string>());
    for (const auto& t : ref_["texts"]) r.add_texts(t.get<std::string>());
    return r;
  }

  json ref_;
};

TEST_F(RerankTest, InfoListsTheTasksAndLabels) {
  auto info = client_->Info();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(std::vector<std::string>(info->tasks().begin(), info->tasks().end()),
              ::testing::ElementsAre("embed", "classify", "rerank"));
  EXPECT_THAT(std::vector<std::string>(info->labels().begin(), info->labels().end()),
              ::testing::ElementsAre("LABEL_0"));
}

TEST_F(RerankTest, ScoresAndOrderMatchCrossEncoder) {
  auto r = client_->Rerank(FixtureRequest());
  ASSERT_TRUE(r.ok()) << r.status();
  const auto order = ref_["cross_encoder_order"].get<std::vector<int>>();
  ASSERT_EQ(r->ranks_size(), static_cast<int>(order.size()));
  float worst = 0.0f;
  for (int k = 0; k < r->ranks_size(); ++k) {
    const v1::Rank& rank = r->ranks(k);
    EXPECT_EQ(static_cast<int>(rank.index()), order[static_cast<size_t>(k)]) << "rank " << k;
    const float d =
        std::abs(rank.score() - ref_["cross_encoder_scores"][rank.index()].get<float>());
    EXPECT_LE(d, kScoreTolerance) << "text " << rank.index();
    worst = std::max(worst, d);
    EXPECT_FALSE(rank.has_text());
    if (k > 0) {
      EXPECT_GE(r->ranks(k - 1).score(), rank.score());
    }
  }
  EXPECT_GT(r->usage().prompt_tokens(), 0u);
  std::cout << "[ measured ] gRPC Rerank vs CrossEncoder: max|score diff| " << worst << "\n";
}

TEST_F(RerankTest, TopNReturnTextAndRawScores) {
  v1::RerankRequest req = FixtureRequest();
  req.set_top_n(2);
  req.set_return_text(true);
  req.set_raw_scores(true);
  auto r = client_->Rerank(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranks_size(), 2);
  const auto order = ref_["cross_encoder_order"].get<std::vector<int>>();
  for (int k = 0; k < 2; ++k) {
    const v1::Rank& rank = r->ranks(k);
    EXPECT_EQ(static_cast<int>(rank.index()), order[static_cast<size_t>(k)]);
    EXPECT_EQ(rank.text(), req.texts(static_cast<int>(rank.index())));
    // Raw: the logits of transformers' float64 run.
    EXPECT_NEAR(rank.score(), ref_["logits"][rank.index()].get<float>(), kScoreTolerance);
  }
}

// 100 passages are one request of 100 pairs, every score the one the pair gets alone.
TEST_F(RerankTest, HundredPassagesScoreAsAlone) {
  v1::RerankRequest req;
  req.set_query(ref_["query"].get<std::string>());
  for (int i = 0; i < 100; ++i) {
    req.add_texts(ref_["texts"][static_cast<size_t>(i) % ref_["texts"].size()].get<std::string>());
  }
  auto r = client_->Rerank(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->ranks_size(), 100);
  std::vector<bool> seen(100, false);
  for (const v1::Rank& rank : r->ranks()) {
    ASSERT_LT(rank.index(), 100u);
    EXPECT_FALSE(seen[rank.index()]);
    seen[rank.index()] = true;
    const size_t text = rank.index() % ref_["texts"].size();
    EXPECT_NEAR(rank.score(), ref_["cross_encoder_scores"][text].get<float>(), kScoreTolerance);
  }
}

TEST_F(RerankTest, PredictOnPairsGivesTheSigmoidOfTheHead) {
  v1::PredictRequest req;
  v1::Input* in = req.add_inputs();
  in->set_text(ref_["query"].get<std::string>());
  in->set_text_pair(ref_["texts"][0].get<std::string>());
  auto r = client_->Predict(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->results_size(), 1);
  ASSERT_EQ(r->results(0).predictions_size(), 1);
  EXPECT_EQ(r->results(0).predictions(0).label(), "LABEL_0");
  EXPECT_NEAR(r->results(0).predictions(0).score(),
              ref_["cross_encoder_scores"][0].get<float>(), kScoreTolerance);
}

TEST_F(RerankTest, BadRequestsGetPreciseStatuses) {
  v1::RerankRequest none;
  none.set_query("q");
  auto r = client_->Rerank(none);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("no texts"));

  v1::RerankRequest empty = FixtureRequest();
  empty.set_texts(1, "");
  r = client_->Rerank(empty);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("text 1 is empty"));

  v1::RerankRequest no_query = FixtureRequest();
  no_query.clear_query();
  r = client_->Rerank(no_query);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("query is empty"));

  // The fixture model takes 48 tokens: a long text fails without truncation, naming it...
  v1::RerankRequest long_text = FixtureRequest();
  std::string words;
  for (int i = 0; i < 60; ++i) words += "deep ";
  long_text.set_texts(2, words);
  r = client_->Rerank(long_text);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("text 2 with the query"));
  // ...and is cut with it.
  long_text.set_truncate(true);
  r = client_->Rerank(long_text);
  EXPECT_TRUE(r.ok()) << r.status();

  v1::PredictRequest predict;
  auto p = client_->Predict(predict);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RerankTest, HttpRerankAndPredictHaveTeiShapes) {
  json body = {{"query", ref_["query"]}, {"texts", ref_["texts"]}, {"return_text", true}};
  auto [status, text] = Post(server_->http_port(), "/rerank", body.dump());
  ASSERT_EQ(status, 200) << text;
  const json ranks = json::parse(text);
  ASSERT_TRUE(ranks.is_array());
  const auto order = ref_["cross_encoder_order"].get<std::vector<int>>();
  ASSERT_EQ(ranks.size(), order.size());
  for (size_t k = 0; k < ranks.size(); ++k) {
    EXPECT_EQ(ranks[k]["index"].get<int>(), order[k]);
    EXPECT_NEAR(ranks[k]["score"].get<float>(),
                ref_["cross_encoder_scores"][order[k]].get<float>(), kScoreTolerance);
    EXPECT_EQ(ranks[k]["text"], ref_["texts"][order[k]]);
  }
  std::tie(status, text) =
      Post(server_->http_port(), "/rerank", json{{"query", "q"}, {"texts", json::array()}}.dump());
  EXPECT_EQ(status, 400) << text;
  EXPECT_THAT(text, HasSubstr("no texts"));

  // One pair: a list of {score, label}; a batch: a list of lists.
  std::tie(status, text) = Post(server_->http_port(), "/predict",
                                json{{"inputs", {ref_["query"], ref_["texts"][0]}}}.dump());
  ASSERT_EQ(status, 200) << text;
  json preds = json::parse(text);
  ASSERT_EQ(preds.size(), 1u);
  EXPECT_EQ(preds[0]["label"], "LABEL_0");
  EXPECT_NEAR(preds[0]["score"].get<float>(), ref_["cross_encoder_scores"][0].get<float>(),
              kScoreTolerance);
  std::tie(status, text) =
      Post(server_->http_port(), "/predict",
           json{{"inputs", {"a cat", "a dog"}}, {"raw_scores", true}}.dump());
  ASSERT_EQ(status, 200) << text;
  std::tie(status, text) =
      Post(server_->http_port(), "/predict",
           json{{"inputs", json::array({"a cat", json::array({"a dog", "a bird"})})}}.dump());
  ASSERT_EQ(status, 200) << text;
  preds = json::parse(text);
  ASSERT_EQ(preds.size(), 2u);
  EXPECT_TRUE(preds[0].is_array() && preds[1].is_array());
}

// A three-label classifier without a tokenizer: Predict on token ids gives transformers'
// softmax scores, every label by name, best first; Rerank is refused naming its tasks.
class PredictTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions o = LocalOptions();
    o.model = HeadsDir("bert_single_label3").string();
    o.limits.max_input_length = 0;
    ASSERT_NO_FATAL_FAILURE(StartServer(std::move(o)));
  }
};

TEST_F(PredictTest, LabelScoresMatchTransformers) {
  auto f = core::SafetensorsFile::Open(
      (HeadsDir("bert_single_label3") / "expected.safetensors").string());
  ASSERT_TRUE(f.ok()) << f.status();
  auto vec = [&](const std::string& name, auto zero) {
    const core::StTensor* t = (*f)->Find(name);
    EXPECT_NE(t, nullptr) << name;
    std::vector<decltype(zero)> v((t->end - t->begin) / sizeof(zero));
    std::memcpy(v.data(), t->data, t->end - t->begin);
    return v;
  };
  v1::PredictRequest req;
  std::vector<std::vector<float>> expected;
  for (int i = 0; (*f)->Find(absl::StrCat("seq", i, ".ids")) != nullptr; ++i) {
    const std::string p = absl::StrCat("seq", i, ".");
    v1::TokenIds* ids = req.add_inputs()->mutable_token_ids();
    for (int32_t id : vec(p + "ids", int32_t{})) ids->add_ids(id);
    for (int32_t t : vec(p + "type_ids", int32_t{})) ids->add_type_ids(t);
    expected.push_back(vec(p + "scores", float{}));
  }
  auto r = client_->Predict(req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->results_size(), static_cast<int>(expected.size()));
  const std::vector<std::string> labels = {"negative", "neutral", "positive"};
  for (int i = 0; i < r->results_size(); ++i) {
    const v1::Predictions& preds = r->results(i);
    ASSERT_EQ(preds.predictions_size(), 3);
    for (int k = 0; k < 3; ++k) {
      const v1::Prediction& p = preds.predictions(k);
      const auto it = std::find(labels.begin(), labels.end(), p.label());
      ASSERT_NE(it, labels.end()) << p.label();
      const size_t label = static_cast<size_t>(it - labels.begin());
      EXPECT_NEAR(p.score(), expected[static_cast<size_t>(i)][label], kScoreTolerance);
      if (k > 0) {
        EXPECT_GE(preds.predictions(k - 1).score(), p.score());
      }
    }
  }
  v1::RerankRequest rerank;
  rerank.set_query("q");
  rerank.add_texts("t");
  auto rr = client_->Rerank(rerank);
  EXPECT_EQ(rr.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(rr.status().message()), HasSubstr("bert_single_label3"));
  EXPECT_THAT(std::string(rr.status().message()), HasSubstr("embed, classify"));
}

// The demo model has no head: Rerank and Predict are FAILED_PRECONDITION naming it and its tasks.
class NoHeadTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartServer(LocalOptions())); }
};

TEST_F(NoHeadTest, RerankAndPredictNameTheModelAndItsTasks) {
  v1::RerankRequest rerank;
  rerank.set_query("q");
  rerank.add_texts("t");
  auto r = client_->Rerank(rerank);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("'demo' has the tasks: embed"));
  v1::PredictRequest predict;
  predict.add_inputs()->set_text("t");
  auto p = client_->Predict(predict);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("sequence-classification head"));
}

}  // namespace
}  // namespace attnserve
