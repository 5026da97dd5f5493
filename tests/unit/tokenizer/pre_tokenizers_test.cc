// The pre-tokenizers of core/tokenizer/pre_tokenizers (Split, ByteLevel, Sequence, Whitespace,
// WhitespaceSplit, Punctuation, Digits) against Hugging Face tokenizers: the fixture
// tests/testdata/tokenizer/stages/pre_tokenizers.json is written by gen_pre_tokenizers.py from
// the reference; each case is a configuration, an input and the words with their byte offsets.
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/tokenizer/normalized_string.h"
#include "core/tokenizer/pre_tokenizers/byte_level.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using Word = std::tuple<std::string, uint32_t, uint32_t>;

std::vector<Word> PreTokenizeText(const PreTokenizer& p, const std::string& text) {
  NormalizedString s;
  AppendOriginalChars(text, 0, text.size(), s.chars);
  s.SyncUtf8();
  std::vector<CharSpan> words;
  const NormalizedString* of = &s;
  NormalizedString out;
  if (p.rewrites()) {
    p.PreTokenizeInto(s, 0, static_cast<uint32_t>(s.chars.size()), /*at_input_start=*/true, out,
                      words);
    out.SyncUtf8();
    of = &out;
  } else {
    p.PreTokenize(s, 0, static_cast<uint32_t>(s.chars.size()), words);
  }
  std::vector<Word> got;
  for (const CharSpan& w : words) {
    got.emplace_back(of->utf8.substr(of->char_pos[w.begin], of->char_pos[w.end] - of->char_pos[w.begin]),
                     of->start_of(w.begin), of->end_of(w.end));
  }
  return got;
}

TEST(PreTokenizersTest, MatchTheReference) {
  const json fixture = json::parse(testing::ReadTestFile(
      std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizer/stages/pre_tokenizers.json"));
  ASSERT_GT(fixture["cases"].size(), 500u);
  int failures = 0;
  for (const json& c : fixture["cases"]) {
    const json& config = c["config"];
    auto p = PreTokenizerRegistry().Create(config["type"].get<std::string>(), config, "fixture");
    ASSERT_TRUE(p.ok()) << p.status();
    std::vector<Word> want;
    for (const json& w : c["words"]) {
      want.emplace_back(w[0].get<std::string>(), w[1].get<uint32_t>(), w[2].get<uint32_t>());
    }
    const std::string text = c["text"].get<std::string>();
    const std::vector<Word> got = PreTokenizeText(**p, text);
    if (got != want && ++failures <= 10) {
      ADD_FAILURE() << config.dump() << " on '" << text << "': " << ::testing::PrintToString(got)
                    << " want " << ::testing::PrintToString(want);
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(PreTokenizersTest, ByteLevelAlphabet) {
  EXPECT_EQ(ByteLevelChar(' '), U'Ġ');
  EXPECT_EQ(ByteLevelChar('a'), U'a');
  EXPECT_EQ(ByteLevelChar(0), U'\u0100');
  EXPECT_EQ(ByteLevelChar(0xAD), U'\u0143');
  for (int b = 0; b < 256; ++b) EXPECT_EQ(ByteLevelByte(ByteLevelChar(static_cast<uint8_t>(b))), b);
  EXPECT_EQ(ByteLevelByte(U'\u0144'), -1);
}

TEST(PreTokenizersTest, BadOptionsAreLoadErrorsNamingTheirPlace) {
  auto create = [](const char* j) {
    const json config = json::parse(j);
    return PreTokenizerRegistry().Create(config["type"].get<std::string>(), config, "t.json");
  };
  auto r = create(R"({"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated", "invert": false})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("t.json: pre_tokenizer(Split).pattern.Regex"));
  r = create(R"({"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways", "invert": false})");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("Sideways"));
  r = create(R"({"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated"})");
  EXPECT_THAT(r.status().message(), HasSubstr("invert"));
  r = create(R"({"type": "ByteLevel", "add_prefix_space": true, "colour": 1})");
  EXPECT_THAT(r.status().message(), HasSubstr("unsupported option 'colour'"));
  r = create(R"({"type": "Digits", "individual_digits": "yes"})");
  EXPECT_FALSE(r.ok());
  r = create(R"({"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "ByteLevel"}]})");
  EXPECT_THAT(r.status().message(), HasSubstr("only one may"));
  r = create(R"({"type": "Sequence", "pretokenizers": [{"type": "Metaspace2"}]})");
  EXPECT_THAT(r.status().message(), HasSubstr("'Metaspace2' is not supported"));
}

TEST(PreTokenizersTest, HundredKilobyteWords) {
  const json config = json::parse(
      R"({"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": "\\s+(?!\\S)|\\s+|\\p{L}+"}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true}]})");
  auto p = PreTokenizerRegistry().Create("Sequence", config, "t");
  ASSERT_TRUE(p.ok()) << p.status();
  const std::string text = std::string(100000, ' ') + std::string(100000, 'a') + "\xc3\xa9";
  const std::vector<Word> got = PreTokenizeText(**p, text);
  // \s+(?!\S) leaves the last space to \s+; the letters get a prefix space (the range of
  // their first letter).
  ASSERT_EQ(got.size(), 3u);
  std::string g;
  for (int i = 0; i < 99999; ++i) g += "\xc4\xa0";
  EXPECT_EQ(got[0], Word(g, 0, 99999));
  EXPECT_EQ(got[1], Word("\xc4\xa0", 99999, 100000));
  EXPECT_EQ(got[2], Word("\xc4\xa0" + std::string(100000, 'a') + "\xc3\x83\xc2\xa9", 100000, 200002));
}

}  // namespace
}  // namespace attnserve::core
