// Bad input: each case gets its exact status code and a message naming the problem, and the
// server still answers a good request afterwards.
#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"

namespace attnserve {
namespace {

using ::testing::HasSubstr;

struct BadCase {
  const char* name;
  std::function<void(v1::EmbedRequest&)> make;
  absl::StatusCode code;
  const char* message;
};

void Text(v1::EmbedRequest& r, const std::string& t) { r.add_inputs()->set_text(t); }

const BadCase kCases[] = {
    {"NoInputs", [](v1::EmbedRequest&) {}, absl::StatusCode::kInvalidArgument,
     "the request has no inputs"},
    {"TooManyInputs",
     [](v1::EmbedRequest& r) {
       for (int i = 0; i < 9; ++i) Text(r, "a");
     },
     absl::StatusCode::kInvalidArgument, "the request has 9 inputs; the limit is 8"},
    {"EmptyText", [](v1::EmbedRequest& r) { Text(r, "fine"), Text(r, ""); },
     absl::StatusCode::kInvalidArgument, "input 1 has empty text"},
    {"InvalidUtf8",
     [](v1::EmbedRequest& r) { Text(r, "ok"), Text(r, std::string("ab\xC3\x28", 4)); },
     absl::StatusCode::kInvalidArgument,
     "input 1 has text that is not valid UTF-8: invalid UTF-8 at byte 2"},
    {"NeitherTextNorIds", [](v1::EmbedRequest& r) { r.add_inputs(); },
     absl::StatusCode::kInvalidArgument, "input 0 has neither text nor token_ids"},
    {"TokenIdOutOfVocabulary",
     [](v1::EmbedRequest& r) {
       auto* t = r.add_inputs()->mutable_token_ids();
       t->add_ids(101);
       t->add_ids(100000);
     },
     absl::StatusCode::kInvalidArgument,
     "input 0 has token id 100000 at position 1 outside the vocabulary"},
    {"NegativeTokenId",
     [](v1::EmbedRequest& r) { r.add_inputs()->mutable_token_ids()->add_ids(-1); },
     absl::StatusCode::kInvalidArgument, "input 0 has token id -1 at position 0"},
    {"TypeIdOutOfRange",
     [](v1::EmbedRequest& r) {
       auto* t = r.add_inputs()->mutable_token_ids();
       t->add_ids(101);
       t->add_type_ids(2);
     },
     absl::StatusCode::kInvalidArgument, "input 0 has type id 2 at position 0 outside [0, 2)"},
    {"TypeIdsCountMismatch",
     [](v1::EmbedRequest& r) {
       auto* t = r.add_inputs()->mutable_token_ids();
       t->add_ids(101);
       t->add_ids(102);
       t->add_type_ids(0);
     },
     absl::StatusCode::kInvalidArgument, "input 0 has 1 type_ids for 2 ids"},
    {"TooLongWithoutTruncate",
     [](v1::EmbedRequest& r) {
       std::string s;
       for (int i = 0; i < 100; ++i) s += "hello ";
       Text(r, s);
       r.set_truncate(false);
     },
     absl::StatusCode::kInvalidArgument,
     "input 0 has 102 tokens; the maximum is 64 (set truncate to cut it)"},
    {"TooManyTokenIdsWithoutTruncate",
     [](v1::EmbedRequest& r) {
       auto* t = r.add_inputs()->mutable_token_ids();
       for (int i = 0; i < 65; ++i) t->add_ids(200);
     },
     absl::StatusCode::kInvalidArgument, "input 0 has 65 tokens; the maximum input length is 64"},
    {"DimensionsLargerThanHidden",
     [](v1::EmbedRequest& r) {
       Text(r, "x");
       r.set_dimensions(129);
     },
     absl::StatusCode::kInvalidArgument,
     "dimensions 129 is larger than the model's hidden size 128"},
    {"UnknownPooling",
     [](v1::EmbedRequest& r) {
       Text(r, "x");
       r.set_pooling(static_cast<v1::Pooling>(7));
     },
     absl::StatusCode::kInvalidArgument, "unknown pooling value 7"},
    {"UnknownTruncationDirection",
     [](v1::EmbedRequest& r) {
       Text(r, "x");
       r.set_truncation_direction(static_cast<v1::TruncationDirection>(9));
     },
     absl::StatusCode::kInvalidArgument, "unknown truncation_direction value 9"},
    {"TextPairWithTokenIds",
     [](v1::EmbedRequest& r) {
       auto* in = r.add_inputs();
       in->mutable_token_ids()->add_ids(101);
       in->set_text_pair("b");
     },
     absl::StatusCode::kInvalidArgument, "input 0 has text_pair with token_ids"},
    {"OversizedMessage", [](v1::EmbedRequest& r) { Text(r, std::string(2 << 20, 'a')); },
     absl::StatusCode::kResourceExhausted, "larger than max"},
};

class BadInputTest : public ServerTest, public ::testing::WithParamInterface<BadCase> {
 protected:
  void SetUp() override {
    ServerOptions o = LocalOptions();
    o.limits.max_inputs_per_request = 8;
    o.limits.max_input_length = 64;
    o.max_message_bytes = 1 << 20;
    StartServer(o);
  }
};

TEST_P(BadInputTest, ExactStatusThenTheServerStillWorks) {
  const BadCase& c = GetParam();
  v1::EmbedRequest bad;
  c.make(bad);
  const auto resp = client_->Embed(bad);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), c.code) << resp.status();
  EXPECT_THAT(resp.status().message(), HasSubstr(c.message));

  // The same request on a stream ends the stream with the same code.
  auto stream = client_->OpenStream();
  stream->Write(bad);
  stream->WritesDone();
  v1::EmbedResponse ignored;
  while (stream->Read(&ignored)) {
  }
  EXPECT_EQ(stream->Finish().code(), c.code);

  v1::EmbedRequest good;
  good.add_inputs()->set_text("still serving");
  const auto ok = client_->Embed(good);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->embeddings_size(), 1);
}

INSTANTIATE_TEST_SUITE_P(Table, BadInputTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(ServerTest, TokenizeRejectsBadInputToo) {
  StartServer(LocalOptions());
  v1::TokenizeRequest req;
  req.add_inputs()->set_text(std::string("\xFF", 1));
  auto r = client_->Tokenize(req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("input 0 has text that is not valid UTF-8"));
  EXPECT_EQ(client_->Tokenize(v1::TokenizeRequest()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace attnserve
