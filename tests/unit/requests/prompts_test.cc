// sentence-transformers prompts through the request layer, against sentence-transformers itself:
// tests/testdata/sentence_transformers/prompts_* (generate_fixtures.py's PROMPT_CONFIGS) record
// SentenceTransformer.encode(texts, prompt_name=...) for a model with prompts and one whose
// Pooling has include_prompt false (every pooling mode). Each case goes text -> PrepareEmbed
// (prompt_name, or the server default) -> the model -> the pooled, normalized vector.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/heads/embed_outputs.h"
#include "core/model/model_loader.h"
#include "core/model/packed_batch.h"
#include "server/requests/embed_request.h"

namespace attnserve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr float kTolerance = 2e-5f;  // issue 17's bound on normalized pooled vectors
const fs::path kFixtures = fs::path(ATTNSERVE_TESTDATA_DIR) / "sentence_transformers";

v1::Pooling ProtoPooling(const std::string& st_mode) {
  if (st_mode == "mean") return v1::POOLING_MEAN;
  if (st_mode == "cls") return v1::POOLING_CLS;
  if (st_mode == "max") return v1::POOLING_MAX;
  if (st_mode == "weightedmean") return v1::POOLING_WEIGHTED_MEAN;
  if (st_mode == "lasttoken") return v1::POOLING_LAST_TOKEN;
  if (st_mode == "mean_sqrt_len_tokens") return v1::POOLING_MEAN_SQRT_LEN;
  ADD_FAILURE() << "unknown mode " << st_mode;
  return v1::POOLING_UNSPECIFIED;
}

struct Served {
  core::LoadedModel loaded;
  ServingModel model;
  RequestLimits limits;
  std::unique_ptr<core::Session> session;
};

void Serve(const std::string& dir, const std::string& default_prompt, Served& s) {
  auto loaded = core::LoadModel((kFixtures / dir).string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  s.loaded = *std::move(loaded);
  s.model = ServingModel{s.loaded.name, s.loaded.spec(), s.loaded.tokenizer, s.loaded.accuracy,
                         {}, -1};
  s.limits.max_input_length = s.loaded.spec().defaults.max_seq_length;
  ASSERT_TRUE(SetUpPrompts(s.model, s.limits, default_prompt).ok());
  auto session = s.loaded.model->CreateSession();
  ASSERT_TRUE(session.ok()) << session.status();
  s.session = *std::move(session);
}

// `request` prepared and computed as the batcher does (one packed batch, per-input pool skip).
void Embed(Served& s, const v1::EmbedRequest& request, std::vector<core::SequenceInput>& inputs,
           std::vector<core::SequenceOutput>& out) {
  auto p = PrepareEmbed(request, s.model, s.limits);
  ASSERT_TRUE(p.ok()) << p.status();
  core::PackedBatch batch;
  std::vector<core::OutputSpec> specs;
  for (const core::SequenceInput& in : p->inputs) {
    batch.Add(in.ids, in.type_ids);
    specs.push_back(p->spec);
    specs.back().pooling.skip_tokens = in.pool_skip;
  }
  ASSERT_TRUE(core::EmbedBatch(*s.session, batch, specs, out).ok());
  inputs = p->inputs;
}

json ReadExpected(const std::string& dir) {
  std::ifstream f(kFixtures / dir / "expected.json");
  return json::parse(f);
}

class PromptsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PromptsTest, EqualSentenceTransformersEncodeWithPromptName) {
  Served s;
  ASSERT_NO_FATAL_FAILURE(Serve(GetParam(), "", s));
  const json expected = ReadExpected(GetParam());
  const std::vector<std::string> texts = expected["texts"];
  float worst = 0.0f;
  for (const json& c : expected["cases"]) {
    const std::string name = c["prompt_name"].is_null() ? "" : c["prompt_name"].get<std::string>();
    SCOPED_TRACE(absl::StrCat(c["pooling"].get<std::string>(), " prompt '", name, "'"));
    v1::EmbedRequest request;
    for (const std::string& t : texts) request.add_inputs()->set_text(t);
    request.set_prompt_name(name);
    request.set_pooling(ProtoPooling(c["pooling"]));
    std::vector<core::SequenceInput> inputs;
    std::vector<core::SequenceOutput> out;
    ASSERT_NO_FATAL_FAILURE(Embed(s, request, inputs, out));
    ASSERT_EQ(out.size(), texts.size());
    const int prompt_length = c["prompt_length"];
    for (size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ(inputs[i].ids, c["ids"][i].get<std::vector<int32_t>>()) << "text " << i;
      EXPECT_EQ(inputs[i].pool_skip, s.model.spec.defaults.include_prompt ? 0 : prompt_length);
      ASSERT_TRUE(out[i].status.ok()) << out[i].status;
      const std::vector<float> want = c["embeddings"][i];
      ASSERT_EQ(out[i].embedding.size(), want.size());
      float d = 0.0f;
      for (size_t k = 0; k < want.size(); ++k) {
        d = std::max(d, std::abs(out[i].embedding[k] - want[k]));
      }
      EXPECT_LE(d, kTolerance) << "text " << i;
      worst = std::max(worst, d);
    }
  }
  std::cout << "[ measured ] " << GetParam() << ": " << expected["cases"].size()
            << " cases, normalized vector max|diff| " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PromptsTest,
                         ::testing::Values("prompts_mean_normalize",
                                           "prompts_exclude_prompt_normalize"));

TEST(PromptsServingTest, TheServerDefaultOverridesTheModelsAndInfoListsThem) {
  Served s;
  ASSERT_NO_FATAL_FAILURE(Serve("prompts_mean_normalize", "passage", s));
  const json expected = ReadExpected("prompts_mean_normalize");
  v1::EmbedRequest request;
  for (const json& t : expected["texts"]) request.add_inputs()->set_text(t.get<std::string>());
  std::vector<core::SequenceInput> inputs;
  std::vector<core::SequenceOutput> out;
  ASSERT_NO_FATAL_FAILURE(Embed(s, request, inputs, out));
  for (const json& c : expected["cases"]) {
    if (c["prompt_name"] != "passage") continue;
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(inputs[i].ids, c["ids"][i].get<std::vector<int32_t>>());
    }
  }
  const v1::InfoResponse info = MakeInfo(s.model, s.limits);
  EXPECT_EQ(info.default_prompt_name(), "passage");
  EXPECT_THAT(std::vector<std::string>(info.prompt_names().begin(), info.prompt_names().end()),
              ::testing::ElementsAre("document", "empty", "instruct", "passage", "query"));

  // The model's own default (query) without the flag.
  Served d;
  ASSERT_NO_FATAL_FAILURE(Serve("prompts_mean_normalize", "", d));
  EXPECT_EQ(MakeInfo(d.model, d.limits).default_prompt_name(), "query");
}

TEST(PromptsServingTest, AnUnknownDefaultIsAStartupErrorListingThePrompts) {
  auto loaded = core::LoadModel((kFixtures / "prompts_mean_normalize").string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ServingModel model{loaded->name, loaded->spec(), loaded->tokenizer, loaded->accuracy, {}, -1};
  RequestLimits limits;
  limits.max_input_length = loaded->spec().defaults.max_seq_length;
  const absl::Status st = SetUpPrompts(model, limits, "search_query");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("--default-prompt-name 'search_query' is not a prompt of "
                                      "the model (document, empty, instruct, passage, query"));
}

TEST(PromptsServingTest, UnknownNamesAndTokenIdsWithAPromptAreInvalidArgument) {
  Served s;
  ASSERT_NO_FATAL_FAILURE(Serve("prompts_mean_normalize", "", s));
  v1::EmbedRequest request;
  request.add_inputs()->set_text("paris");
  request.set_prompt_name("search_query");
  auto p = PrepareEmbed(request, s.model, s.limits);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(),
              HasSubstr("unknown prompt_name 'search_query': the model's prompts are: document, "
                        "empty, instruct, passage, query"));

  request.set_prompt_name("query");
  request.add_inputs()->mutable_token_ids()->add_ids(5);
  p = PrepareEmbed(request, s.model, s.limits);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("input 1"));
  EXPECT_THAT(p.status().message(), HasSubstr("is token_ids with prompt_name 'query'"));

  // Without prompt_name, token ids are used as given even with a default prompt.
  request.set_prompt_name("");
  p = PrepareEmbed(request, s.model, s.limits);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->inputs[1].ids, std::vector<int32_t>{5});
}

TEST(PromptsServingTest, AModelWithoutPromptsSaysSo) {
  auto loaded = core::LoadModel("demo");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ServingModel model{loaded->name, loaded->spec(), loaded->tokenizer, loaded->accuracy, {}, -1};
  RequestLimits limits;
  ASSERT_TRUE(SetUpPrompts(model, limits, "").ok());
  v1::EmbedRequest request;
  request.add_inputs()->set_text("hello");
  request.set_prompt_name("query");
  auto p = PrepareEmbed(request, model, limits);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              HasSubstr("unknown prompt_name 'query': the model's prompts are: none"));
}

}  // namespace
}  // namespace attnserve
