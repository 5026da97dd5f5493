#include "core/tokenizer/tokenizer.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/model/bert/demo_model.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::ReadTestFile;
using testing::TokenizerJson;
using testing::TokenizersDir;

std::unique_ptr<Tokenizer> FromJson(const json& j) {
  auto t = Tokenizer::FromTokenizerJson(j.dump(), "test.json");
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

const Tokenizer& Uncased() {
  static const Tokenizer* const t = [] {
    auto r = Tokenizer::FromModelDir(TokenizersDir() / "bert-base-uncased");
    EXPECT_TRUE(r.ok()) << r.status();
    return r->release();
  }();
  return *t;
}

json UncasedJson() { return json::parse(TokenizerJson("bert-base-uncased")); }

Encoding Enc(const Tokenizer& t, absl::string_view text, const TokenizeOptions& o = {}) {
  auto e = t.Encode(text, nullptr, o);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Encoding{};
}

Encoding EncPair(const Tokenizer& t, absl::string_view a, absl::string_view b,
                 const TokenizeOptions& o = {}) {
  auto e = t.Encode(a, &b, o);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Encoding{};
}

std::vector<std::pair<uint32_t, uint32_t>> Offsets(const Encoding& e) {
  std::vector<std::pair<uint32_t, uint32_t>> v;
  for (size_t i = 0; i < e.ids.size(); ++i) v.emplace_back(e.offsets_start[i], e.offsets_end[i]);
  return v;
}

using P = std::pair<uint32_t, uint32_t>;

// The expectation published in Hugging Face tokenizers' own tests (bert-base-uncased).
TEST(TokenizerTest, HuggingFacePublishedPairExpectation) {
  TokenizeOptions o;
  o.return_tokens = true;
  const Encoding e = EncPair(Uncased(), "My name is John", "pair", o);
  EXPECT_THAT(e.ids, ElementsAre(101, 2026, 2171, 2003, 2198, 102, 3940, 102));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 0, 0, 0, 0, 1, 1));
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 2), P(3, 7), P(8, 10), P(11, 15), P(0, 0),
                                      P(0, 4), P(0, 0)));
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "my", "name", "is", "john", "[SEP]", "pair", "[SEP]"));
  EXPECT_FALSE(e.truncated);
}

TEST(TokenizerTest, FromModelDirReadsJsonAndConfig) {
  EXPECT_EQ(Uncased().vocab_size(), 30522);
  EXPECT_EQ(Uncased().model_max_length(), 512);
  EXPECT_EQ(Uncased().TokenToId("[MASK]"), 103);
  EXPECT_EQ(Uncased().TokenToId("##ing"), 2075);
  EXPECT_EQ(Uncased().TokenToId("no such token"), -1);
  EXPECT_EQ(Uncased().IdToToken(2026), "my");
  EXPECT_EQ(Uncased().IdToToken(-1), "");
  EXPECT_EQ(Uncased().IdToToken(30522), "");
  EXPECT_EQ(Uncased().num_special_tokens(false), 2);
  EXPECT_EQ(Uncased().num_special_tokens(true), 3);
  EXPECT_THAT(Uncased().Describe(), HasSubstr("lowercase=true"));
}

TEST(TokenizerTest, FromModelDirFallsBackToVocabTxt) {
  const auto dir = std::filesystem::temp_directory_path() / "attnserve_tok_vocab_only";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(TokenizersDir() / "bert-base-multilingual-cased" / "vocab.txt",
                             dir / "vocab.txt");
  std::filesystem::copy_file(
      TokenizersDir() / "bert-base-multilingual-cased" / "tokenizer_config.json",
      dir / "tokenizer_config.json");
  auto t = Tokenizer::FromModelDir(dir);
  ASSERT_TRUE(t.ok()) << t.status();
  TokenizeOptions o;
  o.return_tokens = true;
  // Cased: no lowercasing, no accent stripping.
  const Encoding e = Enc(**t, "Café", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "Café", "[SEP]"));
  EXPECT_EQ((*t)->model_max_length(), 512);

  std::filesystem::remove(dir / "vocab.txt");
  auto none = Tokenizer::FromModelDir(dir);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("neither tokenizer.json nor vocab"));
  std::filesystem::remove_all(dir);
}

TEST(TokenizerTest, DemoVocabularyTokenizer) {
  BertTokenizerOptions options;
  auto t = Tokenizer::FromVocab(DemoVocabulary(), options);
  ASSERT_TRUE(t.ok()) << t.status();
  TokenizeOptions o;
  o.return_tokens = true;
  const Encoding e = Enc(**t, "Hello, WORLDS! [MASK]", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "hello", ",", "world", "##s", "!", "[MASK]", "[SEP]"));
  EXPECT_EQ(e.ids.front(), 101);
  EXPECT_EQ(e.ids[6], 103);
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 5), P(5, 6), P(7, 12), P(12, 13), P(13, 14),
                                      P(15, 21), P(0, 0)));
}

TEST(TokenizerTest, NoSpecialTokensAndEmptyInputs) {
  TokenizeOptions o;
  o.add_special_tokens = false;
  EXPECT_THAT(Enc(Uncased(), "my name", o).ids, ElementsAre(2026, 2171));
  EXPECT_THAT(EncPair(Uncased(), "my", "name", o).type_ids, ElementsAre(0, 1));
  EXPECT_TRUE(Enc(Uncased(), "", o).ids.empty());
  EXPECT_THAT(Enc(Uncased(), "").ids, ElementsAre(101, 102));
  // An empty pair is still a pair (the Rust crate; transformers.js drops it).
  EXPECT_THAT(EncPair(Uncased(), "a", "").ids, ElementsAre(101, 1037, 102, 102));
  EXPECT_THAT(Enc(Uncased(), " \t\n\u00a0\u200b\u3000").ids, ElementsAre(101, 102));
}

TEST(TokenizerTest, OffsetsPointIntoTheOriginalBytes) {
  TokenizeOptions o;
  o.return_tokens = true;
  // "Ü" is 2 bytes and becomes "u"; the ZWSP (3 bytes) is removed inside the word; the
  // ideographs are isolated; [SEP] in the text is a token with its own offsets.
  const Encoding e = Enc(Uncased(), "Über\u200bsee 北京x[SEP]", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "uber", "##see", "北", "京", "x", "[SEP]", "[SEP]"));
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 5), P(8, 11), P(12, 15), P(15, 18), P(18, 19),
                                      P(19, 24), P(0, 0)));
}

TEST(TokenizerTest, FullLowercaseWithoutStripping) {
  json j = UncasedJson();
  j["normalizer"]["strip_accents"] = false;  // lowercase only: 'İ' -> "i̇" (two characters)
  auto t = FromJson(j);
  ASSERT_NE(t, nullptr);
  TokenizeOptions o;
  o.return_tokens = true;
  const Encoding e = Enc(*t, "İ I", o);
  // "i̇" is not in the vocabulary as a word: the whole word is [UNK] spanning 'İ' (2 bytes).
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "[UNK]", "i", "[SEP]"));
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 2), P(3, 4), P(0, 0)));
  // With stripping (the file as published) the dot is removed first.
  EXPECT_THAT(Enc(Uncased(), "İ", o).tokens, ElementsAre("[CLS]", "i", "[SEP]"));
}

TEST(TokenizerTest, LongWordsAreUnknownByCharacterCount) {
  TokenizeOptions o;
  o.return_tokens = true;
  // 100 two-byte characters are fine (the limit counts characters, not bytes) ...
  std::string e100;
  for (int i = 0; i < 100; ++i) e100 += "é";
  EXPECT_NE(Enc(Uncased(), e100, o).tokens[1], "[UNK]");
  // ... 101 are one [UNK] spanning the word.
  const Encoding e = Enc(Uncased(), "x " + e100 + "é", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "x", "[UNK]", "[SEP]"));
  EXPECT_THAT(Offsets(e)[2], P(2, 204));
}

class InvalidUtf8Test
    : public ::testing::TestWithParam<std::tuple<std::string, size_t, std::string>> {};

TEST_P(InvalidUtf8Test, IsInvalidArgumentNamingTheByte) {
  const auto& [text, pos, why] = GetParam();
  auto e = Uncased().Encode(text, nullptr, {});
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.status().message()),
              HasSubstr(absl::StrCat("text: invalid UTF-8 at byte ", pos, ": ")));
  EXPECT_THAT(std::string(e.status().message()), HasSubstr(why));
  // The same bytes as a pair name the pair.
  const absl::string_view pair = text;
  auto p = Uncased().Encode("ok", &pair, {});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()),
              HasSubstr(absl::StrCat("text_pair: invalid UTF-8 at byte ", pos)));
}

INSTANTIATE_TEST_SUITE_P(
    Bytes, InvalidUtf8Test,
    ::testing::Values(
        std::make_tuple(std::string("ab\xC3"), 2, "truncated"),
        std::make_tuple(std::string("ab\xE2\x82"), 2, "truncated"),
        std::make_tuple(std::string("a\xE2\x28\xA1"), 1, "truncated"),
        std::make_tuple(std::string("hello \xF0\x9F\x98"), 6, "truncated"),
        std::make_tuple(std::string("\xC0\xAF"), 0, "overlong"),
        std::make_tuple(std::string("x\xE0\x80\xAF"), 1, "overlong"),
        std::make_tuple(std::string("xy\xF0\x82\x82\xAC"), 2, "overlong"),
        std::make_tuple(std::string("\xED\xA0\x80"), 0, "surrogate code point U+D800"),
        std::make_tuple(std::string("abc\xED\xBF\xBF"), 3, "surrogate code point U+DFFF"),
        std::make_tuple(std::string("\xF4\x90\x80\x80"), 0, "above U+10FFFF"),
        std::make_tuple(std::string("12345678\xF5\x80\x80\x80"), 8, "never appears"),
        std::make_tuple(std::string("abc\x80"), 3, "unexpected continuation byte 0x80"),
        std::make_tuple(std::string("\xFF"), 0, "never appears"),
        std::make_tuple(std::string("0123456789abcdef\xBF"), 16, "continuation")));

TEST(TokenizerTest, EdgeOfValidUtf8IsAccepted) {
  for (const std::string& s :
       {std::string("\xF4\x8F\xBF\xBF"), std::string("\xEF\xBF\xBF"), std::string("\xEE\x80\x80"),
        std::string("\x7F"), std::string("\xC2\x80"), std::string(3, '\0')}) {
    EXPECT_TRUE(Uncased().Encode(s, nullptr, {}).ok()) << s.size();
  }
}

// "one two ... ten": 10 tokens.
constexpr char kTen[] = "one two three four five six seven eight nine ten";

TEST(TokenizerTest, TooLongWithoutTruncateIsAnError) {
  TokenizeOptions o;
  o.max_length = 11;
  auto e = Uncased().Encode(kTen, nullptr, o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e.status().message(), "has 12 tokens; the maximum is 11");
  o.max_length = 12;
  EXPECT_TRUE(Uncased().Encode(kTen, nullptr, o).ok());
  o.max_length = 10;
  o.add_special_tokens = false;
  EXPECT_TRUE(Uncased().Encode(kTen, nullptr, o).ok());
}

TEST(TokenizerTest, TruncatesRightAndLeft) {
  TokenizeOptions o;
  o.max_length = 6;
  o.truncate = true;
  o.return_tokens = true;
  Encoding e = Enc(Uncased(), kTen, o);
  EXPECT_TRUE(e.truncated);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "one", "two", "three", "four", "[SEP]"));
  EXPECT_THAT(Offsets(e)[4], P(14, 18));
  o.direction = TruncationDirection::kLeft;
  e = Enc(Uncased(), kTen, o);
  EXPECT_TRUE(e.truncated);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "seven", "eight", "nine", "ten", "[SEP]"));
  EXPECT_THAT(Offsets(e)[1], P(28, 33));
  EXPECT_EQ(e.type_ids.size(), 6u);
  // Not too long: untouched, not flagged.
  o.max_length = 12;
  e = Enc(Uncased(), kTen, o);
  EXPECT_FALSE(e.truncated);
  EXPECT_EQ(e.ids.size(), 12u);
  // Without special tokens the whole budget is text.
  o.add_special_tokens = false;
  o.max_length = 3;
  o.direction = TruncationDirection::kRight;
  EXPECT_THAT(Enc(Uncased(), kTen, o).tokens, ElementsAre("one", "two", "three"));
}

TEST(TokenizerTest, TruncatesPairsLongestFirst) {
  TokenizeOptions o;
  o.truncate = true;
  o.return_tokens = true;
  // Only the longer input is cut when the shorter fits: budget 7 = 10 - 3 specials.
  o.max_length = 10;
  Encoding e = EncPair(Uncased(), kTen, "a b c", o);
  EXPECT_TRUE(e.truncated);
  EXPECT_THAT(e.tokens,
              ElementsAre("[CLS]", "one", "two", "three", "four", "[SEP]", "a", "b", "c", "[SEP]"));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 0, 0, 0, 0, 1, 1, 1, 1));
  // ... whichever of the two is longer.
  e = EncPair(Uncased(), "a b c", kTen, o);
  EXPECT_THAT(e.tokens,
              ElementsAre("[CLS]", "a", "b", "c", "[SEP]", "one", "two", "three", "four", "[SEP]"));
  // Both cut: an even budget (8) splits evenly ...
  o.max_length = 11;
  e = EncPair(Uncased(), kTen, "a b c d e f g h", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "one", "two", "three", "four", "[SEP]", "a", "b", "c",
                                    "d", "[SEP]"));
  // ... an odd one (9) gives the extra token to the longer input.
  o.max_length = 12;
  e = EncPair(Uncased(), kTen, "a b c d e f g h", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "one", "two", "three", "four", "five", "[SEP]", "a",
                                    "b", "c", "d", "[SEP]"));
  e = EncPair(Uncased(), "a b c d e f g h", kTen, o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "a", "b", "c", "d", "[SEP]", "one", "two", "three",
                                    "four", "five", "[SEP]"));
  // Left truncation keeps the ends.
  o.max_length = 10;
  o.direction = TruncationDirection::kLeft;
  e = EncPair(Uncased(), kTen, "a b c", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "seven", "eight", "nine", "ten", "[SEP]", "a", "b",
                                    "c", "[SEP]"));
  // Budget smaller than the template.
  o.max_length = 2;
  auto bad = Uncased().Encode(kTen, nullptr, o);
  EXPECT_TRUE(bad.ok()) << "2 = [CLS] [SEP] exactly";
  if (bad.ok()) {
    EXPECT_THAT(bad->ids, ElementsAre(101, 102));
  }
  const absl::string_view pair = "x";
  bad = Uncased().Encode(kTen, &pair, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("3 special tokens"));
}

TEST(TokenizerTest, AddedTokenFlags) {
  json j = UncasedJson();
  for (json& a : j["added_tokens"]) {
    if (a["content"] == "[MASK]") {
      a["lstrip"] = true;
      a["rstrip"] = true;
    }
  }
  j["added_tokens"].push_back({{"id", 30522},
                               {"content", "newword"},
                               {"single_word", true},
                               {"lstrip", false},
                               {"rstrip", false},
                               {"normalized", false},
                               {"special", false}});
  auto t = FromJson(j);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->vocab_size(), 30523);
  EXPECT_EQ(t->IdToToken(30522), "newword");
  TokenizeOptions o;
  o.return_tokens = true;
  // lstrip/rstrip: the token takes the spaces around it (and its offsets cover them).
  Encoding e = Enc(*t, "a  [MASK] b", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "a", "  [MASK] ", "b", "[SEP]"));
  EXPECT_THAT(e.ids, ElementsAre(101, 1037, 103, 1038, 102));
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 1), P(1, 10), P(10, 11), P(0, 0)));
  // single_word: only when not inside a word.
  e = Enc(*t, "newword, xnewword newwordy newword", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "newword", ",", "x", "##ne", "##w", "##word", "new",
                                    "##word", "##y", "newword", "[SEP]"));
  EXPECT_EQ(e.ids[1], 30522);
  // Matching is case-sensitive and leftmost-longest on the raw text.
  e = Enc(*t, "[mask][MASK][MASK]]", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "[", "mask", "]", "[MASK]", "[MASK]", "]", "[SEP]"));
}

// normalized=true: the content is normalized like the text, and matched in normalized pieces.
TEST(TokenizerTest, NormalizedAddedTokens) {
  json j = UncasedJson();
  auto add = [&](int id, const char* content, bool lstrip = false) {
    j["added_tokens"].push_back({{"id", id},
                                 {"content", content},
                                 {"single_word", false},
                                 {"lstrip", lstrip},
                                 {"rstrip", false},
                                 {"normalized", true},
                                 {"special", false}});
  };
  add(30522, "Foo Bar");  // -> "foo bar"
  add(30523, "Ünïcode");  // -> "unicode"
  add(30524, "北京");     // -> " 北  京 " (the spaces of handle_chinese_chars included)
  add(30525, "[tag]", /*lstrip=*/true);
  auto t = FromJson(j);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->vocab_size(), 30526);
  TokenizeOptions o;
  o.return_tokens = true;
  Encoding e = Enc(*t, "I like FOO BAR, foo  bar", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "i", "like", "foo bar", ",", "foo", "bar", "[SEP]"));
  EXPECT_EQ(e.ids[3], 30522);
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 1), P(2, 6), P(7, 14), P(14, 15), P(16, 19),
                                      P(21, 24), P(0, 0)));
  e = Enc(*t, "UNICODE unicode Ünicode", o);
  EXPECT_THAT(e.ids, ElementsAre(101, 30523, 30523, 30523, 102));
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 7), P(8, 15), P(16, 24), P(0, 0)));
  // The inserted spaces carry the range of their ideograph.
  e = Enc(*t, "中北京国", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "中", " 北  京 ", "国", "[SEP]"));
  EXPECT_EQ(e.ids[2], 30524);
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 3), P(3, 9), P(9, 12), P(0, 0)));
  // lstrip takes the (normalized) whitespace before; special tokens are still found first, in
  // the raw text.
  e = Enc(*t, "a \t[TAG][MASK]", o);
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "a", "  [tag]", "[MASK]", "[SEP]"));
  EXPECT_EQ(e.ids[2], 30525);
  EXPECT_THAT(Offsets(e), ElementsAre(P(0, 0), P(0, 1), P(1, 8), P(8, 14), P(0, 0)));
}

TEST(TokenizerTest, ConcurrentEncodesAgree) {
  std::vector<std::string> texts = {kTen, "Café naïve 北京 [MASK] \U0001F600 x\u200by",
                                    "ΟΔΟΣ İstanbul", std::string(300, 'a'), ""};
  std::vector<Encoding> want;
  for (const std::string& s : texts) want.push_back(Enc(Uncased(), s));
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 200; ++rep) {
        for (size_t i = 0; i < texts.size(); ++i) {
          auto e = Uncased().Encode(texts[i], nullptr, {});
          if (!e.ok() || e->ids != want[i].ids || e->offsets_end != want[i].offsets_end) ++bad;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(TokenizerTest, ParseVocabTxt) {
  EXPECT_THAT(Tokenizer::ParseVocabTxt("a\nb\r\n\nc\n"), ElementsAre("a", "b", "", "c"));
  EXPECT_THAT(Tokenizer::ParseVocabTxt("a\nb"), ElementsAre("a", "b"));
  EXPECT_TRUE(Tokenizer::ParseVocabTxt("").empty());
}

TEST(TokenizerTest, VocabPathNeedsSpecialTokens) {
  BertTokenizerOptions options;
  auto t = Tokenizer::FromVocab({"a", "b"}, options);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("unk_token '[UNK]'"));
  t = Tokenizer::FromVocab({"[UNK]", "a"}, options);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("cls_token"));
}

// Every file feature we do not reproduce exactly is a load error naming it.
struct BadFile {
  std::string name;
  std::function<void(json&)> edit;
  std::string message;
};

void PrintTo(const BadFile& b, std::ostream* os) { *os << b.name; }

class UnsupportedTokenizerJsonTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(UnsupportedTokenizerJsonTest, IsALoadError) {
  json j = UncasedJson();
  GetParam().edit(j);
  auto t = Tokenizer::FromTokenizerJson(j.dump(), "my/tokenizer.json");
  ASSERT_FALSE(t.ok()) << GetParam().name;
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("my/tokenizer.json: "));
  EXPECT_THAT(std::string(t.status().message()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Files, UnsupportedTokenizerJsonTest,
    ::testing::Values(
        BadFile{"bpe_dropout",
                [](json& j) {
                  j["model"] = {{"type", "BPE"},
                                {"dropout", 0.1},
                                {"vocab", {{"a", 0}}},
                                {"merges", json::array()}};
                },
                "dropout 0.1 is not supported"},
        BadFile{"unigram",
                [](json& j) {
                  j["model"] = {{"type", "Unigram"}, {"unk_id", 0}, {"vocab", json::array()}};
                },
                "model (Unigram).vocab is empty"},
        BadFile{"unsupported_in_sequence",
                [](json& j) {
                  j["normalizer"] = {{"type", "Sequence"},
                                     {"normalizers", {{{"type", "Lowercase"}}, {{"type", "Nmt"}}}}};
                },
                "normalizer.normalizers[1]: normalizer type 'Nmt' is not supported"},
        BadFile{"replace_regex",
                [](json& j) {
                  j["normalizer"] = {{"type", "Replace"},
                                     {"pattern", {{"Regex", " *"}}},
                                     {"content", " "}};
                },
                "normalizer (Replace).pattern.Regex: ' *' can match the empty string"},
        BadFile{"normalizer_option", [](json& j) { j["normalizer"]["nfkc"] = true; },
                "normalizer: unsupported option 'nfkc'"},
        BadFile{"normalizer_type", [](json& j) { j["normalizer"]["lowercase"] = "yes"; },
                "normalizer.lowercase must be true or false"},
        BadFile{"unicode_scripts_pretokenizer",
                [](json& j) {
                  j["pre_tokenizer"] = {{"type", "UnicodeScripts"}};
                },
                "pre_tokenizer 'UnicodeScripts' is not supported"},
        BadFile{"two_bytelevel_pretokenizers",
                [](json& j) {
                  j["pre_tokenizer"] = {{"type", "Sequence"},
                                        {"pretokenizers",
                                         {{{"type", "ByteLevel"}}, {{"type", "ByteLevel"}}}}};
                },
                "only one may"},
        BadFile{"roberta_processing_option",
                [](json& j) {
                  j["post_processor"] = {{"type", "RobertaProcessing"},
                                         {"sep", {"</s>", 2}},
                                         {"cls", {"<s>", 0}},
                                         {"colour", 1}};
                },
                "unsupported option 'colour'"},
        BadFile{"template_without_a",
                [](json& j) { j["post_processor"]["single"] = json::array(); },
                "must hold $A once"},
        BadFile{"template_unknown_special",
                [](json& j) { j["post_processor"]["special_tokens"].erase("[CLS]"); },
                "special token '[CLS]' is not in post_processor.special_tokens"},
        BadFile{"added_token_option", [](json& j) { j["added_tokens"][1]["weird"] = 1; },
                "unsupported option 'weird'"},
        BadFile{"missing_unk", [](json& j) { j["model"]["unk_token"] = "<unk>"; },
                "the unk_token '<unk>' is not in the vocabulary"},
        BadFile{"sparse_ids", [](json& j) { j["model"]["vocab"]["[PAD]"] = 40000; },
                "ids must be 0..30521"},
        BadFile{"duplicate_ids", [](json& j) { j["model"]["vocab"]["[PAD]"] = 1; },
                "is used twice"},
        BadFile{"model_option", [](json& j) { j["model"]["fuse_unk"] = true; },
                "model: unsupported option 'fuse_unk'"},
        BadFile{"truncation_strategy",
                 [](json& j) {
                   j["truncation"] = {{"max_length", 512}, {"stride", 0}, {"strategy", "Middle"}};
                 },
                 "strategy must be LongestFirst, OnlyFirst or OnlySecond"},
        BadFile{"max_chars", [](json& j) { j["model"]["max_input_chars_per_word"] = 0; },
                "max_input_chars_per_word must be a positive integer"}),
    [](const ::testing::TestParamInfo<BadFile>& p) { return p.param.name; });

// Every strategy of tokenizer.json's truncation, both directions, a stride: the ids Hugging Face
// tokenizers gives, or a refusal where it refuses (tests/testdata/tokenizer/truncation).
TEST(TruncationStrategyTest, SameIdsOrSameRefusalsAsHuggingFace) {
  const json fixture = json::parse(ReadTestFile(std::filesystem::path(ATTNSERVE_TESTDATA_DIR) /
                                                "tokenizer" / "truncation" / "truncation.json"));
  const json base = UncasedJson();
  std::map<std::string, std::unique_ptr<Tokenizer>> by_setting;
  int compared = 0, refused = 0, panics = 0;
  for (const json& c : fixture["cases"]) {
    const std::string strategy = c["strategy"] == "longest_first" ? "LongestFirst"
                                 : c["strategy"] == "only_first"  ? "OnlyFirst"
                                                                  : "OnlySecond";
    const std::string key = absl::StrCat(strategy, "/", c["stride"].get<int>());
    auto& t = by_setting[key];
    if (t == nullptr) {
      json j = base;
      j["truncation"] = {{"direction", "Right"}, {"max_length", 512},
                         {"strategy", strategy}, {"stride", c["stride"]}};
      t = FromJson(j);
      ASSERT_NE(t, nullptr);
    }
    TokenizeOptions o;
    o.truncate = true;
    o.max_length = c["max_length"].get<int>();
    o.direction = c["direction"] == "left" ? TruncationDirection::kLeft : TruncationDirection::kRight;
    const std::string text = c["text"].get<std::string>();
    const std::string pair = c["pair"].is_null() ? "" : c["pair"].get<std::string>();
    const absl::string_view pair_view = pair;
    absl::StatusOr<Encoding> e = t->Encode(text, c["pair"].is_null() ? nullptr : &pair_view, o);
    const std::string what = c.dump();
    if (c.contains("panic")) {  // the crate panics on a stride; ours changes nothing
      ++panics;
      EXPECT_TRUE(e.ok()) << what << ": " << e.status();
      continue;
    }
    if (c.contains("error")) {
      ++refused;
      ASSERT_FALSE(e.ok()) << what;
      EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << what;
      EXPECT_THAT(std::string(e.status().message()),
                  HasSubstr(absl::StrCat("the maximum is ", o.max_length)))
          << what;
      continue;
    }
    ++compared;
    ASSERT_TRUE(e.ok()) << what << ": " << e.status();
    EXPECT_EQ(e->ids, c["ids"].get<std::vector<int32_t>>()) << what;
    EXPECT_EQ(e->type_ids, c["type_ids"].get<std::vector<int32_t>>()) << what;
  }
  EXPECT_GT(compared, 400);
  EXPECT_GT(refused, 50);
  EXPECT_GT(panics, 0);
}

TEST(TruncationStrategyTest, RefusalsSayWhichInputCannotBeCut) {
  json j = UncasedJson();
  j["truncation"] = {{"max_length", 512}, {"strategy", "OnlySecond"}, {"stride", 0}};
  auto t = FromJson(j);
  ASSERT_NE(t, nullptr);
  TokenizeOptions o;
  o.truncate = true;
  o.max_length = 4;
  absl::StatusOr<Encoding> e = t->Encode("one two three four", nullptr, o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(std::string(e.status().message()),
            "has 6 tokens; the maximum is 4, and the tokenizer truncates only the second input of "
            "a pair (OnlySecond), which this input does not have");
  const absl::string_view pair = "a b";
  e = t->Encode("one two three four", &pair, o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(std::string(e.status().message()),
            "has 9 tokens; the maximum is 4, and the tokenizer truncates only the second input "
            "(OnlySecond), whose 2 tokens cannot lose 5 and keep one");
}

TEST(TokenizerTest, MalformedJsonIsALoadError) {
  auto t = Tokenizer::FromTokenizerJson("{\"model\": ", "x.json");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("x.json: not a JSON object"));
}

TEST(TokenizerTest, ConfigThatContradictsTheJsonIsALoadError) {
  const std::string json_text = TokenizerJson("bert-base-uncased");
  const absl::string_view contradicting = R"({"do_lower_case": false})";
  auto t = Tokenizer::FromTokenizerJson(json_text, "t.json", &contradicting);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("do_lower_case=false"));
  const absl::string_view agreeing = R"({"do_lower_case": true, "model_max_length": 1e30})";
  t = Tokenizer::FromTokenizerJson(json_text, "t.json", &agreeing);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->model_max_length(), 0) << "1e30 means no limit";
}

TEST(TokenizerTest, BertProcessingAndNoPostProcessor) {
  json j = UncasedJson();
  j["post_processor"] = {
      {"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}};
  auto t = FromJson(j);
  ASSERT_NE(t, nullptr);
  const Encoding e = EncPair(*t, "My name is John", "pair");
  EXPECT_THAT(e.ids, ElementsAre(101, 2026, 2171, 2003, 2198, 102, 3940, 102));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 0, 0, 0, 0, 1, 1));
  j["post_processor"] = nullptr;
  t = FromJson(j);
  ASSERT_NE(t, nullptr);
  const Encoding n = EncPair(*t, "my name", "pair");
  EXPECT_THAT(n.ids, ElementsAre(2026, 2171, 3940));
  EXPECT_THAT(n.type_ids, ElementsAre(0, 0, 1));
}

TEST(TokenizerTest, NullNormalizerKeepsTheText) {
  json j = UncasedJson();
  j["normalizer"] = nullptr;
  auto t = FromJson(j);
  ASSERT_NE(t, nullptr);
  TokenizeOptions o;
  o.return_tokens = true;
  EXPECT_THAT(Enc(*t, "Hello hello", o).tokens, ElementsAre("[CLS]", "[UNK]", "hello", "[SEP]"));
}

}  // namespace
}  // namespace attnserve::core
