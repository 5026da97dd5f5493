// The gRPC API end to end (in-process server, real client): results equal the same input embedded
// alone, whatever they are batched with.
#include <atomic>
#include <random>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/util/mutex.h"
#include "tests/integration/server_fixture.h"

namespace attnserve {
namespace {

using ::testing::HasSubstr;

class EmbedTest : public ServerTest {
 protected:
  virtual ServerOptions Options() { return LocalOptions(); }
  void SetUp() override { StartServer(Options()); }
  // Concurrent unary calls and streams of mixed inputs and outputs, each result equal to its
  // input embedded alone; every call answered once.
  void ExpectConcurrentMixedRequestsNeverMixResults();
};

// The same server computing in int8. Activations are quantized per token, so a sequence's
// result does not depend on what it is batched with: the same equality holds as in fp32.
class Int8EmbedTest : public EmbedTest {
 protected:
  ServerOptions Options() override {
    ServerOptions o = LocalOptions();
    o.load.dtype = core::DType::kInt8;
    return o;
  }
};

TEST_F(EmbedTest, InfoDescribesModelAndLimits) {
  auto info = client_->Info();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->model_id(), "demo");
  EXPECT_EQ(info->architecture(), "bert");
  EXPECT_EQ(info->hidden_size(), 128u);
  EXPECT_EQ(info->num_layers(), 2u);
  EXPECT_EQ(info->num_heads(), 4u);
  EXPECT_EQ(info->max_input_length(), 512u);
  EXPECT_EQ(info->default_pooling(), v1::POOLING_MEAN);
  EXPECT_TRUE(info->default_normalize());
  EXPECT_EQ(info->dtype(), "fp32");
  EXPECT_FALSE(info->has_accuracy_gate());
  EXPECT_FALSE(info->server_version().empty());
  EXPECT_EQ(info->batching().max_batch_tokens(), 16384u);
  EXPECT_TRUE(info->has_tokenizer());
}

TEST_F(EmbedTest, HealthIsServing) {
  for (const char* service : {"", "attnserve.v1.Embedder"}) {
    auto h = client_->Health(service);
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(*h, grpc::health::v1::HealthCheckResponse::SERVING);
  }
  auto unknown = client_->Health("no.such.Service");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(EmbedTest, TextInputsMatchTheModelRunAlone) {
  v1::EmbedRequest req;
  req.add_inputs()->set_text("hello world, this is a test");
  req.add_inputs()->set_text("The quick brown fox jumps over the lazy dog.");
  auto* pair = req.add_inputs();
  pair->set_text("what is attention?");
  pair->set_text_pair("a transformer encoder");
  auto resp = client_->Embed(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->embeddings_size(), 3);
  EXPECT_EQ(resp->model(), "demo");
  core::OutputSpec spec;
  spec.pooling = {core::Pooling::kMean, true, 0};  // the demo model's defaults
  for (int i = 0; i < 2; ++i) {
    const core::SequenceInput in = Tokenized(req.inputs(i).text());
    EXPECT_EQ(resp->embeddings(i).num_tokens(), in.ids.size());
    EXPECT_LE(MaxAbsDiff(resp->embeddings(i).values(), EmbedAlone(in, spec)), 1e-5f);
  }
  EXPECT_GT(resp->usage().prompt_tokens(), 10u);
  EXPECT_GE(resp->timing().total_us(), resp->timing().inference_us());
}

TEST_F(EmbedTest, TokenIdsPoolingDimensionsAndTokenEmbeddings) {
  v1::EmbedRequest req;
  auto* ids = req.add_inputs()->mutable_token_ids();
  for (int id : {101, 200, 201, 202, 102, 203, 102}) ids->add_ids(id);
  for (int t : {0, 0, 0, 0, 0, 1, 1}) ids->add_type_ids(t);
  req.set_pooling(v1::POOLING_MAX);
  req.set_normalize(false);
  req.set_dimensions(16);
  req.set_return_token_embeddings(true);
  auto resp = client_->Embed(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  const v1::Embedding& e = resp->embeddings(0);
  ASSERT_EQ(e.values_size(), 16);
  EXPECT_EQ(e.num_tokens(), 7u);
  EXPECT_EQ(e.token_embeddings().num_tokens(), 7u);
  EXPECT_EQ(e.token_embeddings().dim(), 128u);
  EXPECT_EQ(e.token_embeddings().values_size(), 7 * 128);
  core::SequenceInput in{{101, 200, 201, 202, 102, 203, 102}, {0, 0, 0, 0, 0, 1, 1}, false};
  core::OutputSpec spec;
  spec.pooling = {core::Pooling::kMax, false, 16};
  EXPECT_LE(MaxAbsDiff(e.values(), EmbedAlone(in, spec)), 1e-5f);
  // Max pooling of the returned token vectors gives the pooled vector.
  for (int d = 0; d < 16; ++d) {
    float m = -1e30f;
    for (int t = 0; t < 7; ++t) m = std::max(m, e.token_embeddings().values(t * 128 + d));
    EXPECT_FLOAT_EQ(e.values(d), m);
  }
}

TEST_F(EmbedTest, TruncationCutsAndFlags) {
  v1::EmbedRequest req;
  std::string long_text;
  for (int i = 0; i < 600; ++i) long_text += "hello ";
  req.add_inputs()->set_text(long_text);
  req.set_truncate(true);
  req.set_truncation_direction(v1::TRUNCATION_DIRECTION_LEFT);
  auto resp = client_->Embed(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->embeddings(0).num_tokens(), 512u);
  EXPECT_TRUE(resp->embeddings(0).truncated());
}

TEST_F(EmbedTest, TokenizeReturnsIdsTokensAndOffsets) {
  v1::TokenizeRequest req;
  req.add_inputs()->set_text("hello world!");
  req.set_add_special_tokens(true);
  auto resp = client_->Tokenize(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  const v1::Tokens& t = resp->tokens(0);
  EXPECT_THAT(t.tokens(), ::testing::ElementsAre("[CLS]", "hello", "world", "!", "[SEP]"));
  EXPECT_THAT(t.offsets_start(), ::testing::ElementsAre(0, 0, 6, 11, 0));
  EXPECT_THAT(t.offsets_end(), ::testing::ElementsAre(0, 5, 11, 12, 0));
  EXPECT_EQ(t.ids(0), 101);
}

TEST_F(EmbedTest, DecodeGivesBackTheTextOfTokenizedIds) {
  v1::TokenizeRequest treq;
  treq.add_inputs()->set_text("Hello, world!");
  treq.add_inputs()->set_text("a second text");
  treq.set_add_special_tokens(true);
  auto tokens = client_->Tokenize(treq);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  v1::DecodeRequest req;
  for (const v1::Tokens& t : tokens->tokens()) *req.add_inputs()->mutable_ids() = t.ids();
  auto resp = client_->Decode(req);  // skip_special_tokens unset: true
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_THAT(resp->texts(), ::testing::ElementsAre("hello, world!", "a second text"));
  req.set_skip_special_tokens(false);
  resp = client_->Decode(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->texts(0), "[CLS] hello, world! [SEP]");
}

TEST_F(EmbedTest, DecodeRefusesIdsOutsideTheVocabularyAndEmptyRequests) {
  v1::DecodeRequest req;
  req.add_inputs()->add_ids(101);
  v1::TokenIds* bad = req.add_inputs();
  bad->add_ids(7);
  bad->add_ids(1 << 20);
  auto resp = client_->Decode(req);
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(resp.status().message(),
              ::testing::HasSubstr("input 1 has token id 1048576 at position 1 outside the "
                                   "vocabulary [0, "));
  resp = client_->Decode(v1::DecodeRequest());
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(resp.status().message(), ::testing::HasSubstr("the request has no inputs"));
}

TEST_F(EmbedTest, StreamAnswersEachMessageInOrder) {
  auto stream = client_->OpenStream();
  const std::vector<std::string> texts = {"one", "two words", "three little words", "four"};
  for (const std::string& t : texts) {
    v1::EmbedRequest req;
    req.add_inputs()->set_text(t);
    ASSERT_TRUE(stream->Write(req));
  }
  stream->WritesDone();
  core::OutputSpec spec;
  spec.pooling = {core::Pooling::kMean, true, 0};
  v1::EmbedResponse resp;
  size_t n = 0;
  while (stream->Read(&resp)) {
    ASSERT_LT(n, texts.size());
    EXPECT_LE(MaxAbsDiff(resp.embeddings(0).values(), EmbedAlone(Tokenized(texts[n]), spec)), 1e-5f)
        << "message " << n;
    ++n;
  }
  EXPECT_EQ(n, texts.size());
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(EmbedTest, StreamTimingIsPerMessage) {
  auto stream = client_->OpenStream();
  v1::EmbedRequest req;
  req.add_inputs()->set_text("timing");
  ASSERT_TRUE(stream->Write(req));
  v1::EmbedResponse first, second, none;
  ASSERT_TRUE(stream->Read(&first));
  absl::SleepFor(absl::Milliseconds(300));  // the stream stays open, idle
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&second));
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&none));
  EXPECT_TRUE(stream->Finish().ok());
  // Measured from the message's arrival, not from the stream's start.
  EXPECT_LT(second.timing().total_us(), 300000u);
  EXPECT_LE(second.timing().inference_us(), second.timing().total_us());
}

TEST_F(EmbedTest, BadStreamMessageEndsTheStreamWithItsStatus) {
  auto stream = client_->OpenStream();
  v1::EmbedRequest good, bad;
  good.add_inputs()->set_text("fine");
  bad.add_inputs()->set_text("");
  ASSERT_TRUE(stream->Write(good));
  ASSERT_TRUE(stream->Write(bad));
  stream->WritesDone();
  v1::EmbedResponse resp;
  while (stream->Read(&resp)) {
  }
  const absl::Status s = stream->Finish();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("message 1: input 0 has empty text"));
}

// >= 64 concurrent requests of mixed lengths from unary calls (async) and several streams at
// once: every answer equals the input embedded alone (<= 1e-5), and batches of more than one
// sequence really happened.
void EmbedTest::ExpectConcurrentMixedRequestsNeverMixResults() {
  std::mt19937 rng(3);
  const std::vector<std::string> words = {"the", "model",     "search", "vector",   "fast",
                                          "dog", "attention", "query",  "language", "token"};
  auto random_text = [&](int max_words) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_words));
    for (int i = 0; i < n; ++i) s += words[rng() % words.size()] + " ";
    return s;
  };
  struct Case {
    v1::EmbedRequest request;
    std::vector<std::vector<float>> expected;
  };
  const v1::Pooling poolings[] = {v1::POOLING_CLS, v1::POOLING_MEAN, v1::POOLING_MAX};
  auto make_case = [&](int i) {
    Case c;
    c.request.set_pooling(poolings[i % 3]);
    c.request.set_normalize(i % 2 == 0);
    const int inputs = 1 + i % 3;
    for (int k = 0; k < inputs; ++k)
      c.request.add_inputs()->set_text(random_text(i % 7 == 0 ? 150 : 30));
    core::OutputSpec spec;
    spec.pooling = {i % 3 == 0   ? core::Pooling::kCls
                    : i % 3 == 1 ? core::Pooling::kMean
                                 : core::Pooling::kMax,
                    i % 2 == 0, 0};
    for (const v1::Input& in : c.request.inputs())
      c.expected.push_back(EmbedAlone(Tokenized(in.text()), spec));
    return c;
  };
  constexpr int kUnary = 48, kStreams = 4, kPerStream = 6;
  std::vector<Case> unary, streamed;
  for (int i = 0; i < kUnary; ++i) unary.push_back(make_case(i));
  for (int i = 0; i < kStreams * kPerStream; ++i) streamed.push_back(make_case(i + 1000));

  std::atomic<int> mismatches{0}, errors{0};
  auto check = [&](const Case& c, const v1::EmbedResponse& r) {
    if (r.embeddings_size() != c.request.inputs_size()) {
      mismatches.fetch_add(1);
      return;
    }
    for (int k = 0; k < r.embeddings_size(); ++k) {
      if (MaxAbsDiff(r.embeddings(k).values(), c.expected[static_cast<size_t>(k)]) > 1e-5f) {
        mismatches.fetch_add(1);
      }
    }
  };
  BlockingCounter unary_done(kUnary);
  for (const Case& c : unary) {
    client_->EmbedAsync(c.request, [&, cp = &c](absl::StatusOr<v1::EmbedResponse> r) {
      if (!r.ok()) {
        errors.fetch_add(1);
      } else {
        check(*cp, *r);
      }
      unary_done.DecrementCount();
    });
  }
  std::vector<std::thread> streams;
  for (int s = 0; s < kStreams; ++s) {
    streams.emplace_back([&, s] {
      auto stream = client_->OpenStream();
      for (int k = 0; k < kPerStream; ++k)
        stream->Write(streamed[static_cast<size_t>(s * kPerStream + k)].request);
      stream->WritesDone();
      v1::EmbedResponse r;
      int k = 0;
      while (stream->Read(&r)) check(streamed[static_cast<size_t>(s * kPerStream + k++)], r);
      if (k != kPerStream || !stream->Finish().ok()) errors.fetch_add(1);
    });
  }
  unary_done.Wait();
  for (auto& t : streams) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);

  // The batch-size histogram saw batches of more than one sequence.
  double sequences = 0, batches = 0;
  for (const auto& family : server_->registry().Collect()) {
    if (family.name != "attnserve_batch_size_sequences") continue;
    for (const auto& m : family.metric) {
      batches += static_cast<double>(m.histogram.sample_count);
      sequences += m.histogram.sample_sum;
    }
  }
  EXPECT_GT(batches, 0);
  EXPECT_GT(sequences, batches) << "every batch held a single sequence: no batching happened";
}

TEST_F(EmbedTest, ConcurrentMixedRequestsNeverMixResults) {
  ExpectConcurrentMixedRequestsNeverMixResults();
}

TEST_F(Int8EmbedTest, ConcurrentMixedRequestsNeverMixResults) {
  ExpectConcurrentMixedRequestsNeverMixResults();
}

TEST_F(Int8EmbedTest, InfoReportsTheDtypeAndTheAccuracyGate) {
  auto info = client_->Info();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->dtype(), "int8");
  EXPECT_EQ(info->weights_dtype(), "fp32");
  ASSERT_TRUE(info->has_accuracy_gate());
  const v1::AccuracyGate& g = info->accuracy_gate();
  EXPECT_EQ(g.dtype(), "int8");
  EXPECT_TRUE(g.passed());
  EXPECT_GE(g.num_inputs(), 200u);
  EXPECT_GE(g.min_cosine(), 0.98);
  EXPECT_LT(g.min_cosine(), 1.0);
  EXPECT_GE(g.mean_cosine(), g.min_cosine());
  EXPECT_DOUBLE_EQ(g.threshold(), 0.98);
  EXPECT_THAT(g.calibration(), HasSubstr("built-in sentences"));
  EXPECT_THAT(server_->Banner(), HasSubstr("compute int8 (min cosine"));
}

}  // namespace
}  // namespace attnserve
