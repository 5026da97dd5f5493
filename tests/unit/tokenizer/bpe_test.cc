// Byte-level BPE pipelines end to end (core/tokenizer/models/bpe, word_level, the ByteLevel
// stages, RobertaProcessing, the post-processor Sequence, NFC/NFD/NFKC/NFKD) against Hugging Face
// tokenizers: tests/testdata/tokenizer/bpe/pipelines.json (written by gen_fixtures.py from the
// reference) holds small tokenizer.json files and the reference's ids, type ids and offsets
// (characters, as Python reports them; ours are projected the same way) on ~80 inputs each (and
// pairs), plus decodes.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/tokenizer/decoders/byte_level_decoder.h"
#include "core/tokenizer/models/bpe.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const json& Fixture() {
  static const json* const j = new json(json::parse(testing::ReadTestFile(
      std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizer/bpe/pipelines.json")));
  return *j;
}

// Our byte offset as the reference's Python binding reports it (its BytesToCharOffsetConverter):
// the index of the character holding that byte, or the number of characters at the end. A
// byte inside a character (a token over part of one) maps to that character.
uint32_t CharOffset(const std::string& text, uint32_t byte) {
  uint32_t chars = 0;
  for (uint32_t i = 0; i < text.size() && i <= byte; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
  }
  return byte >= text.size() ? chars : chars - 1;
}

class PipelineFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineFixtureTest, MatchesTheReference) {
  const json* c = nullptr;
  for (const json& x : Fixture()["cases"]) {
    if (x["name"] == GetParam()) c = &x;
  }
  ASSERT_NE(c, nullptr);
  auto t = Tokenizer::FromTokenizerJson((*c)["tokenizer"].dump(), GetParam());
  ASSERT_TRUE(t.ok()) << t.status();
  int mismatches = 0;
  for (const json& e : (*c)["encodings"]) {
    const std::string text = e["text"];
    std::string pair;
    const bool has_pair = e.contains("pair");
    if (has_pair) pair = e["pair"];
    const absl::string_view pv = pair;
    TokenizeOptions options;
    auto got = (*t)->Encode(text, has_pair ? &pv : nullptr, options);
    ASSERT_TRUE(got.ok()) << got.status();
    const auto want_ids = e["ids"].get<std::vector<int32_t>>();
    const auto want_types = e["type_ids"].get<std::vector<int32_t>>();
    const auto want_offsets = e["char_offsets"].get<std::vector<std::vector<uint32_t>>>();
    const auto seq = e["seq"].get<std::vector<int>>();
    std::vector<std::vector<uint32_t>> offsets;
    for (size_t i = 0; i < got->ids.size(); ++i) {
      const std::string& of = i < seq.size() && seq[i] == 1 ? pair : text;
      offsets.push_back({CharOffset(of, got->offsets_start[i]),
                         CharOffset(of, got->offsets_end[i])});
    }
    if (got->ids != want_ids || got->type_ids != want_types || offsets != want_offsets) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << GetParam() << " on '" << text << "'" << (has_pair ? " + pair" : "")
                      << "\n ids " << ::testing::PrintToString(got->ids) << "\nwant "
                      << ::testing::PrintToString(want_ids) << "\n offsets "
                      << ::testing::PrintToString(offsets) << "\nwant "
                      << ::testing::PrintToString(want_offsets) << "\n types "
                      << ::testing::PrintToString(got->type_ids);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  if ((*c)["decodes"].is_array()) {
    for (const json& d : (*c)["decodes"]) {
      auto text = (*t)->Decode(d["ids"].get<std::vector<int32_t>>());
      ASSERT_TRUE(text.ok()) << text.status();
      EXPECT_EQ(*text, d["text"].get<std::string>());
    }
  }
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const json& x : Fixture()["cases"]) names.push_back(x["name"]);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PipelineFixtureTest, ::testing::ValuesIn(CaseNames()),
                         [](const auto& p) { return p.param; });

// The crate's own byte offsets (tests/testdata/tokenizer/crate_offsets, cargo-built), where the
// Python binding's characters hide a byte offset inside a character.
class CrateByteOffsetsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrateByteOffsetsTest, MatchesTheCrate) {
  static const json* const crate = new json(json::parse(testing::ReadTestFile(
      std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizer/crate_offsets/byte_offsets.json")));
  const json* c = nullptr;
  for (const json& x : Fixture()["cases"]) {
    if (x["name"] == GetParam()) c = &x;
  }
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE((*crate)["cases"].contains(GetParam()));
  auto t = Tokenizer::FromTokenizerJson((*c)["tokenizer"].dump(), GetParam());
  ASSERT_TRUE(t.ok()) << t.status();
  int mismatches = 0;
  for (const json& e : (*crate)["cases"][GetParam()]) {
    const std::string text = e["text"];
    const bool has_pair = !e["pair"].is_null();
    const std::string pair = has_pair ? e["pair"].get<std::string>() : "";
    const absl::string_view pv = pair;
    auto got = (*t)->Encode(text, has_pair ? &pv : nullptr, TokenizeOptions{});
    ASSERT_TRUE(got.ok()) << got.status();
    std::vector<std::vector<uint32_t>> offsets;
    for (size_t i = 0; i < got->ids.size(); ++i) {
      offsets.push_back({got->offsets_start[i], got->offsets_end[i]});
    }
    const auto want_ids = e["ids"].get<std::vector<int32_t>>();
    const auto want = e["offsets"].get<std::vector<std::vector<uint32_t>>>();
    if (got->ids != want_ids || offsets != want) {
      if (++mismatches <= 5) {
        ADD_FAILURE() << GetParam() << " on '" << text << "'\n offsets "
                      << ::testing::PrintToString(offsets) << "\nwant "
                      << ::testing::PrintToString(want);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CrateByteOffsetsTest, ::testing::ValuesIn(CaseNames()),
                         [](const auto& p) { return p.param; });

json SmallBpe() {
  return json::parse(R"({"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "c": 3},
                         "merges": [["a", "b"]]})");
}

TEST(BpeTest, OptionsAreCheckedAtLoad) {
  auto make = [](const json& m) { return TokenizerModelRegistry().Create("BPE", m, "t.json"); };
  ASSERT_TRUE(make(SmallBpe()).ok());
  json m = SmallBpe();
  m["dropout"] = 0.5;
  EXPECT_THAT(std::string(make(m).status().message()), HasSubstr("dropout 0.5 is not supported"));
  m = SmallBpe();
  m["dropout"] = 0.0;
  EXPECT_TRUE(make(m).ok());
  m = SmallBpe();
  m["merges"] = {"a c"};
  EXPECT_THAT(std::string(make(m).status().message()), HasSubstr("'ac' is not in the vocabulary"));
  m["merges"] = {"a b c"};
  EXPECT_THAT(std::string(make(m).status().message()), HasSubstr("model.merges[0]"));
  m["merges"] = {json::array({"a"})};
  EXPECT_FALSE(make(m).ok());
  m = SmallBpe();
  m["unk_token"] = "<unk>";
  EXPECT_THAT(std::string(make(m).status().message()), HasSubstr("unk_token '<unk>'"));
  m = SmallBpe();
  m["shiny"] = true;
  EXPECT_THAT(std::string(make(m).status().message()), HasSubstr("unsupported option 'shiny'"));
  m = SmallBpe();
  m["vocab"]["d"] = -1;
  EXPECT_FALSE(make(m).ok());
}

TEST(BpeTest, HundredKilobyteWordIsFast) {
  // One 100 KB word of "ab" pairs: the merge heap does it in O(n log n).
  json tj = {{"version", "1.0"},        {"truncation", nullptr}, {"padding", nullptr},
             {"added_tokens", json::array()}, {"normalizer", nullptr},
             {"pre_tokenizer", nullptr}, {"post_processor", nullptr}, {"decoder", nullptr},
             {"model", SmallBpe()}};
  auto t = Tokenizer::FromTokenizerJson(tj.dump(), "t.json");
  ASSERT_TRUE(t.ok()) << t.status();
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "ab";
  text += "c";
  auto e = (*t)->Encode(text, nullptr, {});
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->ids.size(), 50001u);
  EXPECT_EQ(e->ids[0], 2);
  EXPECT_EQ(e->ids.back(), 3);
  EXPECT_EQ(e->offsets_start.back(), 100000u);
}

TEST(ByteLevelDecoderTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(Utf8Lossy("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(Utf8Lossy("\xE2\x82" "x"), "\xEF\xBF\xBD" "x");  // one U+FFFD per maximal prefix
  EXPECT_EQ(Utf8Lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Utf8Lossy("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace attnserve::core
