// Sequence-classification heads against Hugging Face transformers itself: random-init
// BertForSequenceClassification, RobertaForSequenceClassification,
// XLMRobertaForSequenceClassification and DistilBertForSequenceClassification checkpoints
// (single-label with 3 labels, multi-label, regression, one-label cross-encoder; single texts and
// sentence pairs) with float64 reference logits, and sentence-transformers' CrossEncoder scores
// for the reranker — tests/testdata/heads/generate_fixtures.py, which says how to regenerate
// them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/heads/classifier.h"
#include "core/heads/embed_outputs.h"
#include "core/model/model_loader.h"
#include "tests/unit/model/reference_fixture.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;

// Bounds of the brief (issue 13): logits max |diff| <= 1e-4 against float64 transformers.
constexpr float kLogitTolerance = 1e-4f;
// Scores are softmax / sigmoid of the logits: at most as far apart (1-Lipschitz, /4 for sigmoid).
constexpr float kScoreTolerance = 1e-4f;

struct RefSequence {
  std::vector<int32_t> ids, type_ids;
  std::vector<float> logits, scores;
};

struct Fixture {
  const char* dir;
  int num_labels;
  ProblemType problem_type;
  ScoreFunction scores;
  const char* first_label;
};

void PrintTo(const Fixture& f, std::ostream* os) { *os << f.dir; }

fs::path HeadsDir(const char* dir) { return fs::path(ATTNSERVE_TESTDATA_DIR) / "heads" / dir; }

// The logits of every sequence of `batch`, through EmbedBatch as the batcher runs it.
std::vector<std::vector<float>> Logits(Session& session, const PackedBatch& batch) {
  std::vector<OutputSpec> specs(static_cast<size_t>(batch.num_sequences()));
  for (OutputSpec& s : specs) s.logits = true;
  std::vector<SequenceOutput> out;
  const absl::Status status = EmbedBatch(session, batch, specs, out);
  EXPECT_TRUE(status.ok()) << status;
  std::vector<std::vector<float>> logits;
  for (const SequenceOutput& o : out) {
    EXPECT_TRUE(o.status.ok()) << o.status;
    EXPECT_TRUE(o.embedding.empty());
    logits.push_back(o.logits);
  }
  return logits;
}

class ClassifierReferenceTest : public ::testing::TestWithParam<Fixture> {
 protected:
  void SetUp() override {
    const fs::path dir = HeadsDir(GetParam().dir);
    ASSERT_NO_FATAL_FAILURE(LoadFixtureModel(dir, spec_, session_));
    ref_ = ReadFixtureSequences<RefSequence>(
        dir / "expected.safetensors",
        [](const SafetensorsFile& f, const std::string& p, RefSequence& s) {
          s.logits = ReadFixtureVector<float>(f, p + "logits");
          s.scores = ReadFixtureVector<float>(f, p + "scores");
        });
    ASSERT_FALSE(ref_.empty());
  }

  ModelSpec spec_;
  std::unique_ptr<Session> session_;
  std::vector<RefSequence> ref_;
};

TEST_P(ClassifierReferenceTest, SpecHasTheHeadItsLabelsAndTasks) {
  const Fixture& f = GetParam();
  ASSERT_NE(session_->classifier(), nullptr);
  EXPECT_EQ(session_->classifier()->num_labels(), f.num_labels);
  EXPECT_EQ(spec_.classifier.num_labels(), f.num_labels);
  EXPECT_EQ(spec_.classifier.labels.front(), f.first_label);
  EXPECT_EQ(spec_.classifier.problem_type, f.problem_type);
  EXPECT_EQ(DefaultScoreFunction(spec_.classifier), f.scores);
  EXPECT_TRUE(spec_.has_task(Task::kEmbed));
  EXPECT_TRUE(spec_.has_task(Task::kClassify));
  EXPECT_EQ(spec_.has_task(Task::kRerank), f.num_labels == 1);
}

TEST_P(ClassifierReferenceTest, LogitsAndScoresMatchTransformers) {
  std::vector<int> all(ref_.size());
  std::iota(all.begin(), all.end(), 0);
  float worst_alone = 0.0f, worst_batch = 0.0f, worst_scores = 0.0f;
  for (size_t i = 0; i < ref_.size(); ++i) {
    const auto alone = Logits(*session_, PackFixtureSequences(ref_, {static_cast<int>(i)}));
    ASSERT_EQ(alone.size(), 1u);
    const float d = MaxAbsDiff(alone[0], ref_[i].logits);
    EXPECT_LE(d, kLogitTolerance) << "sequence " << i << " of length " << ref_[i].ids.size();
    worst_alone = std::max(worst_alone, d);
  }
  // Packed together, in reverse order: no sequence's result depends on its neighbours.
  std::vector<int> reversed(all.rbegin(), all.rend());
  const auto packed = Logits(*session_, PackFixtureSequences(ref_, reversed));
  ASSERT_EQ(packed.size(), ref_.size());
  for (size_t k = 0; k < packed.size(); ++k) {
    const RefSequence& r = ref_[static_cast<size_t>(reversed[k])];
    const float d = MaxAbsDiff(packed[k], r.logits);
    EXPECT_LE(d, kLogitTolerance) << "sequence " << reversed[k] << " in the batch";
    worst_batch = std::max(worst_batch, d);
    std::vector<float> scores(packed[k].size());
    ApplyScoreFunction(DefaultScoreFunction(spec_.classifier), packed[k], scores);
    const float ds = MaxAbsDiff(scores, r.scores);
    EXPECT_LE(ds, kScoreTolerance) << "scores of sequence " << reversed[k];
    worst_scores = std::max(worst_scores, ds);
  }
  std::cout << "[ measured ] " << GetParam().dir << " logits max|diff| alone " << worst_alone
            << ", packed batch " << worst_batch << "; scores " << worst_scores << "\n";
}

INSTANTIATE_TEST_SUITE_P(
    Heads, ClassifierReferenceTest,
    ::testing::Values(Fixture{"bert_single_label3", 3, ProblemType::kSingleLabel,
                              ScoreFunction::kSoftmax, "negative"},
                      Fixture{"bert_reranker", 1, ProblemType::kUnspecified,
                              ScoreFunction::kSigmoid, "LABEL_0"},
                      Fixture{"roberta_multi_label4", 4, ProblemType::kMultiLabel,
                              ScoreFunction::kSigmoid, "LABEL_0"},
                      Fixture{"xlm-roberta_regression", 1, ProblemType::kRegression,
                              ScoreFunction::kIdentity, "LABEL_0"},
                      Fixture{"distilbert_labels3", 3, ProblemType::kUnspecified,
                              ScoreFunction::kSoftmax, "LABEL_0"}));

// The reranker through its own tokenizer's pair template, against sentence-transformers'
// CrossEncoder: the same ids, logits within the bound, the same scores and order.
TEST(CrossEncoderReferenceTest, PairsTokenizeAndScoreAsCrossEncoder) {
  const fs::path dir = HeadsDir("bert_reranker");
  auto loaded = LoadModel(dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_NE(loaded->tokenizer, nullptr);
  auto session = loaded->model->CreateSession();
  ASSERT_TRUE(session.ok()) << session.status();
  std::ifstream in(dir / "rerank.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json ref = nlohmann::json::parse(in);
  const std::string query = ref["query"];
  const auto& texts = ref["texts"];
  PackedBatch batch;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string text = texts[i];
    const absl::string_view pair(text);
    auto enc = loaded->tokenizer->Encode(query, &pair, TokenizeOptions{});
    ASSERT_TRUE(enc.ok()) << enc.status();
    EXPECT_EQ(enc->ids, ref["ids"][i].get<std::vector<int32_t>>()) << "text " << i;
    EXPECT_EQ(enc->type_ids, ref["type_ids"][i].get<std::vector<int32_t>>()) << "text " << i;
    batch.Add(enc->ids, enc->type_ids);
  }
  const auto logits = Logits(**session, batch);
  ASSERT_EQ(logits.size(), texts.size());
  float worst_logit = 0.0f, worst_score = 0.0f;
  std::vector<float> scores;
  for (size_t i = 0; i < logits.size(); ++i) {
    ASSERT_EQ(logits[i].size(), 1u);
    const float d = std::abs(logits[i][0] - ref["logits"][i].get<float>());
    EXPECT_LE(d, kLogitTolerance) << "text " << i;
    worst_logit = std::max(worst_logit, d);
    float s = 0.0f;
    ApplyScoreFunction(DefaultScoreFunction(loaded->spec().classifier), logits[i], {&s, 1});
    const float ds = std::abs(s - ref["cross_encoder_scores"][i].get<float>());
    EXPECT_LE(ds, kScoreTolerance) << "text " << i;
    worst_score = std::max(worst_score, ds);
    scores.push_back(s);
  }
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  EXPECT_EQ(order, ref["cross_encoder_order"].get<std::vector<int>>());
  std::cout << "[ measured ] CrossEncoder " << texts.size() << " pairs: logits max|diff| "
            << worst_logit << ", sigmoid scores " << worst_score << "\n";
}

TEST(ClassifierTest, ScoreFunctions) {
  const std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  std::vector<float> out(3);
  ApplyScoreFunction(ScoreFunction::kSoftmax, logits, out);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(out[0], std::exp(1.0) / z, 1e-7);
  EXPECT_NEAR(out[2], std::exp(3.0) / z, 1e-7);
  ApplyScoreFunction(ScoreFunction::kSigmoid, logits, out);
  EXPECT_NEAR(out[1], 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
  ApplyScoreFunction(ScoreFunction::kIdentity, logits, out);
  EXPECT_EQ(out, logits);
}

TEST(ClassifierTest, ConfigLabelsAndProblemType) {
  auto spec = ParseClassifierConfig(
      R"({"id2label": {"1": "b", "0": "a"}, "problem_type": "multi_label_classification"})",
      "config.json");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(spec->problem_type, ProblemType::kMultiLabel);
  auto n = ParseClassifierConfig(R"({"num_labels": 2})", "config.json");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->labels, (std::vector<std::string>{"LABEL_0", "LABEL_1"}));
  EXPECT_TRUE(ParseClassifierConfig(R"({})", "c")->labels.empty());
  EXPECT_FALSE(ParseClassifierConfig(R"({"id2label": {"0": "a", "2": "b"}})", "c").ok());
  EXPECT_FALSE(ParseClassifierConfig(R"({"problem_type": "ranking"})", "c").ok());
  EXPECT_TRUE(ParseClassifierConfig(R"({"architectures": ["BertForSequenceClassification"]})", "c")
                  ->head_declared);
  EXPECT_FALSE(ParseClassifierConfig(R"({"architectures": ["BertForTokenClassification"]})", "c")
                   ->head_declared);
}

// A base model (no head tensors) has no classifier, whatever its config's id2label says.
TEST(ClassifierTest, BaseModelHasOnlyEmbed) {
  auto loaded =
      LoadModel((fs::path(ATTNSERVE_TESTDATA_DIR) / "families" / "bert_h60_heads3").string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->model->classifier(), nullptr);
  EXPECT_EQ(loaded->spec().classifier.num_labels(), 0);
  EXPECT_EQ(loaded->spec().TaskList(), "embed");
}

}  // namespace
}  // namespace attnserve::core
