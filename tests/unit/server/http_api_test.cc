// The HTTP front end's JSON layer (server/http/http_api.h): request bodies of OpenAI's and TEI's
// routes to attnserve.v1 messages, responses back, errors in each route's vocabulary; and that
// the request layer's validation (PrepareEmbed on the demo model) names the JSON field.
#include "server/http/http_api.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"

#include "core/model/model_loader.h"
#include "core/util/error_detail.h"
#include "server/requests/embed_request.h"

namespace attnserve::http {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(OpenAiEmbeddingsTest, ReadsEveryShapeOfInput) {
  auto one = ParseOpenAiEmbeddings(R"({"input": "hello", "model": "x", "user": "u"})");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->request.inputs_size(), 1);
  EXPECT_EQ(one->request.inputs(0).text(), "hello");
  EXPECT_EQ(one->encoding, EncodingFormat::kFloat);

  auto texts = ParseOpenAiEmbeddings(R"({"input": ["a", "b", "c"]})");
  ASSERT_TRUE(texts.ok());
  ASSERT_EQ(texts->request.inputs_size(), 3);
  EXPECT_EQ(texts->request.inputs(2).text(), "c");

  auto ids = ParseOpenAiEmbeddings(R"({"input": [101, 7592, 102]})");
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->request.inputs_size(), 1);
  EXPECT_THAT(ids->request.inputs(0).token_ids().ids(), ::testing::ElementsAre(101, 7592, 102));

  auto lists = ParseOpenAiEmbeddings(R"({"input": [[101, 102], [101, 7, 102]],
                                         "encoding_format": "base64", "dimensions": 8})");
  ASSERT_TRUE(lists.ok());
  ASSERT_EQ(lists->request.inputs_size(), 2);
  EXPECT_EQ(lists->request.inputs(1).token_ids().ids_size(), 3);
  EXPECT_EQ(lists->encoding, EncodingFormat::kBase64);
  EXPECT_EQ(lists->request.dimensions(), 8u);
  // OpenAI's endpoint leaves normalize and truncate to the model and the server.
  EXPECT_FALSE(lists->request.has_normalize());
  EXPECT_FALSE(lists->request.has_truncate());
}

TEST(OpenAiEmbeddingsTest, RefusesBadShapesNamingTheField) {
  struct Case {
    const char* body;
    const char* param;
    const char* message;
  };
  const Case cases[] = {
      {"", "", "the request body is empty"},
      {"{\"input\": ", "", "not valid JSON"},
      {"[1, 2]", "", "must be a JSON object; was a array"},
      {"{}", "input", "'input' is missing"},
      {R"({"input": 3})", "input", "must be a string or a list; was a number"},
      {R"({"input": []})", "input", "empty list"},
      {R"({"input": ["a", 5]})", "input", "input[1] must be a string or a list of token ids"},
      {R"({"input": [1, "a"]})", "input", "input[1] must be a token id (an integer); was a string"},
      {R"({"input": [1, -4]})", "input", "input[1] = -4 is not a token id"},
      {R"({"input": [[1], [2, 2.5]]})", "input", "input[1][1] must be a token id"},
      {R"({"input": "a", "encoding_format": "int8"})", "encoding_format",
       "must be \"float\" or \"base64\"; was \"int8\""},
      {R"({"input": "a", "dimensions": 0})", "dimensions", "must be an integer >= 1; was 0"},
      {R"({"input": "a", "dimensions": "8"})", "dimensions", "must be an integer >= 1"},
      {R"({"input": "a", "model": 3})", "model", "'model' must be a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = ParseOpenAiEmbeddings(c.body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.message));
    const json body = json::parse(ErrorBody(ApiStyle::kOpenAi, r.status()));
    EXPECT_EQ(body["error"]["type"], "invalid_request_error");
    EXPECT_EQ(body["error"]["code"], "invalid_argument");
    EXPECT_EQ(body["error"]["message"], std::string(r.status().message()));
    if (c.param[0] == '\0') {
      EXPECT_TRUE(body["error"]["param"].is_null());
    } else {
      EXPECT_EQ(body["error"]["param"], c.param);
    }
  }
}

TEST(OpenAiEmbeddingsTest, InvalidUtf8IsRefusedWithItsOffset) {
  auto r = ParseOpenAiEmbeddings("{\"input\": \"ab\xff\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("not valid JSON"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("UTF-8"));
}

v1::EmbedResponse TwoVectors() {
  v1::EmbedResponse r;
  auto* a = r.add_embeddings();
  a->add_values(0.1f);
  a->add_values(-2.5f);
  a->add_values(3e-8f);
  auto* b = r.add_embeddings();
  b->add_values(1.0f);
  b->add_values(0.0f);
  b->add_values(-0.333333343f);
  r.mutable_usage()->set_prompt_tokens(9);
  return r;
}

TEST(OpenAiEmbeddingsTest, ResponseHasOpenAisShapeAndExactFloats) {
  const json j = json::parse(OpenAiEmbeddingsResponse(TwoVectors(), EncodingFormat::kFloat, "m"));
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 9);
  EXPECT_EQ(j["usage"]["total_tokens"], 9);
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][1]["object"], "embedding");
  EXPECT_EQ(j["data"][1]["index"], 1);
  // Each value reads back as the same float32.
  const v1::EmbedResponse r = TwoVectors();
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(j["data"][i]["embedding"][k].get<float>(), r.embeddings(i).values(k));
    }
  }
  // ... written in the shortest form that does (not 0.10000000149011612).
  EXPECT_THAT(OpenAiEmbeddingsResponse(r, EncodingFormat::kFloat, "m"), HasSubstr("[0.1,-2.5,"));
}

TEST(OpenAiEmbeddingsTest, EveryFloatReadsBackExactlyAndNonFiniteIsNull) {
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> unit(-1.f, 1.f);
  std::uniform_int_distribution<int> exp(-40, 38);
  v1::EmbedResponse r;
  auto* e = r.add_embeddings();
  for (int i = 0; i < 4000; ++i) e->add_values(std::ldexp(unit(gen), exp(gen) / 3));
  e->add_values(std::numeric_limits<float>::denorm_min());
  e->add_values(std::numeric_limits<float>::max());
  e->add_values(-0.0f);
  const json j = json::parse(OpenAiEmbeddingsResponse(r, EncodingFormat::kFloat, "m"));
  const json& v = j["data"][0]["embedding"];
  ASSERT_EQ(static_cast<int>(v.size()), e->values_size());
  for (int i = 0; i < e->values_size(); ++i) {
    ASSERT_EQ(v[static_cast<size_t>(i)].get<float>(), e->values(i)) << i;
  }
  v1::EmbedResponse bad;
  bad.add_embeddings()->add_values(std::numeric_limits<float>::quiet_NaN());
  bad.mutable_embeddings(0)->add_values(std::numeric_limits<float>::infinity());
  EXPECT_EQ(json::parse(TeiEmbedResponse(bad, false)), json::parse("[[null,null]]"));
  // The model name is escaped.
  EXPECT_EQ(json::parse(OpenAiEmbeddingsResponse(bad, EncodingFormat::kFloat, "a\"b"))["model"],
            "a\"b");
}

TEST(OpenAiEmbeddingsTest, Base64IsLittleEndianFloat32) {
  const v1::EmbedResponse r = TwoVectors();
  const json j = json::parse(OpenAiEmbeddingsResponse(r, EncodingFormat::kBase64, "m"));
  for (int i = 0; i < 2; ++i) {
    std::string bytes;
    ASSERT_TRUE(absl::Base64Unescape(j["data"][i]["embedding"].get<std::string>(), &bytes));
    ASSERT_EQ(bytes.size(), 12u);
    float back[3];
    std::memcpy(back, bytes.data(), 12);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(back[k], r.embeddings(i).values(k));
  }
}

TEST(OpenAiModelsTest, ListsTheServedModel) {
  const json j = json::parse(OpenAiModelsResponse("demo"));
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "demo");
  EXPECT_EQ(j["data"][0]["object"], "model");
}

TEST(TeiEmbedTest, ReadsTeisFieldsAndDefaults) {
  auto r = ParseTeiEmbed(R"({"inputs": "hi"})", /*all=*/false);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->inputs_size(), 1);
  // TEI normalizes unless told not to; truncate unset = the server's default.
  EXPECT_TRUE(r->has_normalize());
  EXPECT_TRUE(r->normalize());
  EXPECT_FALSE(r->has_truncate());
  EXPECT_FALSE(r->return_token_embeddings());

  auto full = ParseTeiEmbed(R"({"inputs": ["a", [101, 102]], "normalize": false,
      "truncate": true, "truncation_direction": "Left", "dimensions": 4})", false);
  ASSERT_TRUE(full.ok()) << full.status();
  ASSERT_EQ(full->inputs_size(), 2);
  EXPECT_EQ(full->inputs(0).text(), "a");
  EXPECT_EQ(full->inputs(1).token_ids().ids_size(), 2);
  EXPECT_FALSE(full->normalize());
  EXPECT_TRUE(full->truncate());
  EXPECT_EQ(full->truncation_direction(), v1::TRUNCATION_DIRECTION_LEFT);
  EXPECT_EQ(full->dimensions(), 4u);
  EXPECT_EQ(full->prompt_name(), "");
  auto prompted = ParseTeiEmbed(R"({"inputs": "hi", "prompt_name": "query"})", /*all=*/false);
  ASSERT_TRUE(prompted.ok()) << prompted.status();
  EXPECT_EQ(prompted->prompt_name(), "query");
  auto unset = ParseTeiEmbed(R"({"inputs": "hi", "prompt_name": null})", /*all=*/false);
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_EQ(unset->prompt_name(), "");

  auto all = ParseTeiEmbed(R"({"inputs": "hi", "truncate": null})", /*all=*/true);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->return_token_embeddings());
  EXPECT_FALSE(all->has_truncate());
}

TEST(TeiEmbedTest, RefusesWhatTeiRefuses) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"input": "a"})", "'inputs' is missing"},
      {R"({"inputs": "a", "normalize": "yes"})", "'normalize' must be true or false"},
      {R"({"inputs": "a", "truncation_direction": "up"})", "must be \"right\" or \"left\""},
      {R"({"inputs": "a", "prompt_name": 3})", "'prompt_name' must be a non-empty string"},
      {R"({"inputs": "a", "prompt_name": ""})", "'prompt_name' must be a non-empty string"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    auto r = ParseTeiEmbed(body, false);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(message));
    const json e = json::parse(ErrorBody(ApiStyle::kTei, r.status()));
    EXPECT_EQ(e["error_type"], "Validation");
    EXPECT_EQ(e["error"], std::string(r.status().message()));
  }
}

TEST(TeiEmbedTest, ResponsesAreListsOfVectors) {
  const json pooled = json::parse(TeiEmbedResponse(TwoVectors(), /*all=*/false));
  ASSERT_EQ(pooled.size(), 2u);
  EXPECT_EQ(pooled[0].size(), 3u);
  EXPECT_EQ(pooled[0][1].get<float>(), -2.5f);

  v1::EmbedResponse r;
  auto* t = r.add_embeddings()->mutable_token_embeddings();
  t->set_num_tokens(2);
  t->set_dim(3);
  for (int i = 0; i < 6; ++i) t->add_values(static_cast<float>(i));
  const json all = json::parse(TeiEmbedResponse(r, /*all=*/true));
  ASSERT_EQ(all.size(), 1u);
  ASSERT_EQ(all[0].size(), 2u);
  EXPECT_EQ(all[0][1], json({3.0, 4.0, 5.0}));
}

TEST(TeiTokenizeTest, TokensCarryTheInputsTextAndSpecialsHaveNoOffsets) {
  auto req = ParseTeiTokenize(R"({"inputs": "héllo world"})");
  ASSERT_TRUE(req.ok());
  EXPECT_TRUE(req->add_special_tokens());
  v1::TokenizeResponse resp;
  v1::Tokens* t = resp.add_tokens();
  // [CLS] héllo world [SEP], byte offsets ("é" is two bytes).
  for (int id : {101, 7, 8, 102}) t->add_ids(id);
  for (const char* s : {"[CLS]", "hello", "world", "[SEP]"}) t->add_tokens(s);
  for (uint32_t s : {0u, 0u, 7u, 0u}) t->add_offsets_start(s);
  for (uint32_t e : {0u, 6u, 12u, 0u}) t->add_offsets_end(e);
  const json j = json::parse(TeiTokenizeResponse(*req, resp));
  ASSERT_EQ(j.size(), 1u);
  ASSERT_EQ(j[0].size(), 4u);
  EXPECT_EQ(j[0][0], json({{"id", 101}, {"text", "[CLS]"}, {"special", true},
                           {"start", nullptr}, {"stop", nullptr}}));
  EXPECT_EQ(j[0][1], json({{"id", 7}, {"text", "héllo"}, {"special", false},
                           {"start", 0}, {"stop", 6}}));
  EXPECT_EQ(j[0][2]["text"], "world");

  auto no_special = ParseTeiTokenize(R"({"inputs": ["a", "b"], "add_special_tokens": false})");
  ASSERT_TRUE(no_special.ok());
  EXPECT_EQ(no_special->inputs_size(), 2);
  EXPECT_FALSE(no_special->add_special_tokens());
  EXPECT_FALSE(ParseTeiTokenize(R"({"inputs": [1, 2]})").ok());
}

TEST(TeiDecodeTest, OneListOrMany) {
  auto one = ParseTeiDecode(R"({"ids": [101, 102]})");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->inputs_size(), 1);
  EXPECT_TRUE(one->skip_special_tokens());
  auto many = ParseTeiDecode(R"({"ids": [[1], [2, 3]], "skip_special_tokens": false})");
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->inputs_size(), 2);
  EXPECT_FALSE(many->skip_special_tokens());
  auto bad = ParseTeiDecode(R"({"ids": [[1], "x"]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("ids[1] must be a list"));
  v1::DecodeResponse d;
  d.add_texts("hello");
  EXPECT_EQ(TeiDecodeResponse(d), R"(["hello"])");
}

TEST(TeiRerankTest, FieldsAndResponseShape) {
  auto r = ParseTeiRerank(
      R"({"query": "q", "texts": ["a", "b"], "raw_scores": true, "return_text": true,
          "top_n": 1, "truncate": true, "truncation_direction": "left"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->query(), "q");
  EXPECT_EQ(r->texts_size(), 2);
  EXPECT_TRUE(r->raw_scores() && r->return_text() && r->truncate());
  EXPECT_EQ(r->top_n(), 1u);
  EXPECT_EQ(r->truncation_direction(), v1::TRUNCATION_DIRECTION_LEFT);
  EXPECT_THAT(std::string(ParseTeiRerank(R"({"texts": ["a"]})").status().message()),
              HasSubstr("'query' is missing"));
  EXPECT_THAT(
      std::string(ParseTeiRerank(R"({"query": "q", "texts": ["a", 3]})").status().message()),
      HasSubstr("texts[1] must be a string"));
  EXPECT_FALSE(ParseTeiRerank(R"({"query": "q", "texts": [], "top_n": 0})").ok());
  v1::RerankResponse resp;
  v1::Rank* rank = resp.add_ranks();
  rank->set_index(1);
  rank->set_score(0.5f);
  rank->set_text("b");
  EXPECT_EQ(json::parse(TeiRerankResponse(resp)),
            json::parse(R"([{"index": 1, "score": 0.5, "text": "b"}])"));
}

TEST(TeiPredictTest, SingleTextPairAndBatchShapes) {
  auto one = ParseTeiPredict(R"({"inputs": "a"})");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_FALSE(one->batch);
  EXPECT_EQ(one->request.inputs(0).text(), "a");
  auto pair = ParseTeiPredict(R"({"inputs": ["a", "b"], "raw_scores": true})");
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_FALSE(pair->batch);
  EXPECT_EQ(pair->request.inputs(0).text_pair(), "b");
  EXPECT_TRUE(pair->request.raw_scores());
  auto batch = ParseTeiPredict(R"({"inputs": ["a", ["b", "c"], "d"]})");
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(batch->batch);
  ASSERT_EQ(batch->request.inputs_size(), 3);
  EXPECT_EQ(batch->request.inputs(1).text_pair(), "c");
  EXPECT_TRUE(ParseTeiPredict(R"({"inputs": ["a"]})")->batch);
  EXPECT_THAT(std::string(ParseTeiPredict(R"({"inputs": [["a", "b", "c"]]})").status().message()),
              HasSubstr("inputs[0] must be a string or a pair"));
  v1::PredictResponse resp;
  v1::Prediction* p = resp.add_results()->add_predictions();
  p->set_label("x");
  p->set_score(1.0f);
  EXPECT_EQ(json::parse(TeiPredictResponse(resp, /*batch=*/false)),
            json::parse(R"([{"score": 1.0, "label": "x"}])"));
  EXPECT_EQ(json::parse(TeiPredictResponse(resp, /*batch=*/true)),
            json::parse(R"([[{"score": 1.0, "label": "x"}]])"));
}

TEST(OpenApiTest, TheDocumentParsesAndDescribesEveryRoute) {
  const json doc = json::parse(std::string(OpenApiDocument()));
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  const std::pair<const char*, const char*> routes[] = {
      {"/v1/embeddings", "post"}, {"/v1/models", "get"}, {"/embed", "post"},
      {"/embed_all", "post"},     {"/tokenize", "post"}, {"/decode", "post"},
      {"/info", "get"},           {"/health", "get"},    {"/openapi.json", "get"},
      {"/rerank", "post"},        {"/predict", "post"},  {"/embed_sparse", "post"}};
  for (const auto& [path, method] : routes) {
    EXPECT_TRUE(doc["paths"].contains(path) && doc["paths"][path].contains(method))
        << method << " " << path;
  }
  EXPECT_EQ(doc["paths"].size(), std::size(routes));
  // The request fields the parser reads are the ones documented.
  const json& embed =
      doc["paths"]["/embed"]["post"]["requestBody"]["content"]["application/json"]["schema"];
  for (const char* field : {"inputs", "normalize", "truncate", "truncation_direction",
                            "dimensions", "prompt_name"}) {
    EXPECT_TRUE(embed["properties"].contains(field)) << field;
  }
}

TEST(HttpStatusTest, CodesOfTheCanonicalErrors) {
  EXPECT_EQ(HttpStatusOf(absl::OkStatus()), 200);
  EXPECT_EQ(HttpStatusOf(absl::InvalidArgumentError("")), 400);
  EXPECT_EQ(HttpStatusOf(absl::UnauthenticatedError("")), 401);
  EXPECT_EQ(HttpStatusOf(absl::NotFoundError("")), 404);
  EXPECT_EQ(HttpStatusOf(absl::ResourceExhaustedError("")), 429);
  EXPECT_EQ(HttpStatusOf(absl::UnavailableError("")), 503);
  EXPECT_EQ(HttpStatusOf(absl::DeadlineExceededError("")), 504);
  EXPECT_EQ(HttpStatusOf(absl::InternalError("")), 500);
  const json e = json::parse(
      ErrorBody(ApiStyle::kOpenAi, absl::ResourceExhaustedError("body too big"), "", 413));
  EXPECT_EQ(e["error"]["code"], "payload_too_large");
  EXPECT_EQ(e["error"]["type"], "invalid_request_error");
  EXPECT_EQ(json::parse(ErrorBody(ApiStyle::kTei, absl::ResourceExhaustedError("q")))
                ["error_type"],
            "Overloaded");
}

// The JSON layer checks shapes only: what an input means is the request layer's, which names
// the input; the error body then names the field.
TEST(HttpRequestLayerTest, ValidationErrorsComeFromTheRequestLayerAndNameTheField) {
  auto loaded = core::LoadModel("demo");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const ServingModel model{loaded->name, loaded->spec(), loaded->tokenizer, loaded->accuracy, {}, -1};
  RequestLimits limits;
  limits.max_inputs_per_request = 2;
  limits.max_input_length = loaded->spec().defaults.max_seq_length;

  auto empty = ParseOpenAiEmbeddings(R"({"input": ["ok", ""]})");
  ASSERT_TRUE(empty.ok());
  auto prepared = PrepareEmbed(empty->request, model, limits);
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(std::string(prepared.status().message()), HasSubstr("input 1"));
  json e = json::parse(ErrorBody(ApiStyle::kOpenAi, prepared.status()));
  EXPECT_EQ(e["error"]["param"], "input");

  auto many = ParseOpenAiEmbeddings(R"({"input": ["a", "b", "c"]})");
  ASSERT_TRUE(many.ok());
  prepared = PrepareEmbed(many->request, model, limits);
  ASSERT_FALSE(prepared.ok());
  e = json::parse(ErrorBody(ApiStyle::kOpenAi, prepared.status()));
  EXPECT_EQ(e["error"]["code"], "too_many_inputs");
  EXPECT_THAT(e["error"]["message"].get<std::string>(), HasSubstr("2"));

  auto vocab = ParseTeiEmbed(R"({"inputs": [101, 99999999]})", false);
  ASSERT_TRUE(vocab.ok());
  prepared = PrepareEmbed(*vocab, model, limits);
  ASSERT_FALSE(prepared.ok());
  EXPECT_THAT(std::string(prepared.status().message()),
              HasSubstr(std::to_string(loaded->spec().vocab_size)));
}

}  // namespace
}  // namespace attnserve::http
