// Each stage of the tokenizer pipeline on its own (core/tokenizer/{normalizers,pre_tokenizers,
// models,post_processors,decoders}), the shared pieces (added tokens, truncation, the
// normalized string) and the stage registries.
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/decoders/wordpiece_decoder.h"
#include "core/tokenizer/models/wordpiece.h"
#include "core/tokenizer/normalized_string.h"
#include "core/tokenizer/normalizers/bert_normalizer.h"
#include "core/tokenizer/post_processors/bert_processing.h"
#include "core/tokenizer/post_processors/template_processing.h"
#include "core/tokenizer/pre_tokenizers/bert_pre_tokenizer.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/token_sequence.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// (code point, start, end) of each character, for readable expectations.
using C = std::tuple<char32_t, uint32_t, uint32_t>;
std::vector<C> Chars(const std::vector<NormalizedChar>& v) {
  std::vector<C> out;
  for (const NormalizedChar& c : v) out.emplace_back(c.cp, c.start, c.end);
  return out;
}

std::vector<NormalizedChar> NormalizeText(const Normalizer& n, absl::string_view text) {
  std::vector<NormalizedChar> out;
  n.NormalizeText(text, 0, text.size(), out);
  return out;
}

BertNormalizer::Options Uncased() { return {}; }
BertNormalizer::Options Cased() {
  BertNormalizer::Options o;
  o.lowercase = false;
  o.strip_accents = false;
  return o;
}

// --- NormalizedString -------------------------------------------------------------------------

TEST(NormalizedStringTest, OriginalCharsKeepTheirByteRanges) {
  std::vector<NormalizedChar> chars;
  const std::string text = "xa\u00e9\u4e2d\U0001F600";  // 1, 1, 2, 3 and 4 bytes
  AppendOriginalChars(text, 1, text.size(), chars);
  EXPECT_THAT(Chars(chars), ElementsAre(C{'a', 1, 2}, C{0xe9, 2, 4}, C{0x4e2d, 4, 7},
                                        C{0x1F600, 7, 11}));
}

TEST(NormalizedStringTest, SyncUtf8GivesEachCharactersByteOffset) {
  NormalizedString s;
  AppendOriginalChars("a\u00e9\u4e2d\U0001F600b", 0, 11, s.chars);
  s.SyncUtf8();
  EXPECT_EQ(s.utf8, "a\u00e9\u4e2d\U0001F600b");
  EXPECT_THAT(s.char_pos, ElementsAre(0, 1, 3, 6, 10, 11));
  s.chars.resize(2);
  s.SyncUtf8();
  EXPECT_EQ(s.utf8, "a\u00e9");
  EXPECT_THAT(s.char_pos, ElementsAre(0, 1, 3));
}

// --- BertNormalizer ---------------------------------------------------------------------------

TEST(BertNormalizerTest, LowercasesStripsAccentsAndKeepsOriginalRanges) {
  const BertNormalizer n(Uncased());
  // "É" (2 bytes) -> "e" with the range of "É"; U+0301 (a combining acute, 2 bytes) is dropped.
  EXPECT_THAT(Chars(NormalizeText(n, "\u00c9te\u0301")),
              ElementsAre(C{'e', 0, 2}, C{'t', 2, 3}, C{'e', 3, 4}));
}

TEST(BertNormalizerTest, CleansTextAndIsolatesIdeographs) {
  const BertNormalizer n(Cased());
  // A tab becomes a space, a control character (U+0001) goes, an ideograph gets a space on each
  // side, both with its own range.
  EXPECT_THAT(Chars(NormalizeText(n, "A\t\x01\u5317b")),
              ElementsAre(C{'A', 0, 1}, C{' ', 1, 2}, C{' ', 3, 6}, C{0x5317, 3, 6},
                          C{' ', 3, 6}, C{'b', 6, 7}));
}

TEST(BertNormalizerTest, EveryOptionCanBeTurnedOff) {
  BertNormalizer::Options o;
  o.clean_text = false;
  o.handle_chinese_chars = false;
  o.strip_accents = false;
  o.lowercase = false;
  const BertNormalizer n(o);
  std::vector<NormalizedChar> original;
  const std::string text = "\u00c9\t\x01\u5317";
  AppendOriginalChars(text, 0, text.size(), original);
  EXPECT_THAT(Chars(NormalizeText(n, text)), ::testing::ElementsAreArray(Chars(original)));
}

TEST(BertNormalizerTest, LowercaseMayExpandACharacter) {
  BertNormalizer::Options o;
  o.strip_accents = false;
  const BertNormalizer n(o);
  // U+0130 (İ) lowercases to "i" + U+0307, both with the range of İ.
  EXPECT_THAT(Chars(NormalizeText(n, "\u0130x")),
              ElementsAre(C{'i', 0, 2}, C{0x307, 0, 2}, C{'x', 2, 3}));
}

// The general form (characters in, characters out) agrees with the fused one on the text.
TEST(BertNormalizerTest, NormalizeCharsAgreesWithNormalizeText) {
  for (const BertNormalizer::Options& o : {Uncased(), Cased()}) {
    const BertNormalizer n(o);
    for (const absl::string_view text :
         {"Hello, World!", "Caf\u00e9 na\u0131\u0308ve \u5317\u4eac", "\u1e9b\u0323 \u0130stanbul",
          "a\u0308\u0323\u0301b \t\r\n\x7f", "\xce\x9f\xce\x94\xce\x9f\xce\xa3", ""}) {
      std::vector<NormalizedChar> original, from_chars;
      AppendOriginalChars(text, 0, text.size(), original);
      n.Normalize(original.data(), original.size(), from_chars);
      EXPECT_EQ(Chars(from_chars), Chars(NormalizeText(n, text))) << text;
    }
  }
}

TEST(BertNormalizerTest, NormalizesOnlyTheGivenRangeAndAppends) {
  const BertNormalizer n(Uncased());
  std::vector<NormalizedChar> out = {{'z', 100, 101}};
  n.NormalizeText("xAB y", 1, 3, out);
  EXPECT_THAT(Chars(out), ElementsAre(C{'z', 100, 101}, C{'a', 1, 2}, C{'b', 2, 3}));
}

TEST(BertNormalizerTest, FromJsonResolvesStripAccentsAndRejectsUnknownOptions) {
  auto n = BertNormalizer::FromJson(
      json{{"type", "BertNormalizer"}, {"lowercase", false}, {"strip_accents", nullptr}}, "f.json");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_THAT((*n)->Describe(), HasSubstr("strip_accents=false, lowercase=false"));
  // strip_accents null follows lowercase: "É" keeps its accent here.
  EXPECT_THAT(Chars(NormalizeText(**n, "\u00c9")), ElementsAre(C{0xc9, 0, 2}));
  n = BertNormalizer::FromJson(json{{"type", "BertNormalizer"}, {"nfkc", true}}, "f.json");
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(std::string(n.status().message()),
              HasSubstr("f.json: normalizer: unsupported option 'nfkc'"));
}

// A normalizer with only the general form: the default NormalizeText decodes, then calls it.
class DoubleEveryA final : public Normalizer {
 public:
  void Normalize(const NormalizedChar* in, size_t n,
                 std::vector<NormalizedChar>& out) const override {
    for (size_t i = 0; i < n; ++i) {
      out.push_back(in[i]);
      if (in[i].cp == 'a') out.push_back(in[i]);
    }
  }
  std::string Describe() const override { return "DoubleEveryA"; }
};

TEST(NormalizerTest, DefaultNormalizeTextDecodesThenNormalizes) {
  const DoubleEveryA n;
  std::vector<NormalizedChar> out = {{'z', 9, 10}};
  n.NormalizeText("x\u00e9ab", 1, 5, out);  // "\u00e9ab": bytes 1..5
  EXPECT_THAT(Chars(out),
              ElementsAre(C{'z', 9, 10}, C{0xe9, 1, 3}, C{'a', 3, 4}, C{'a', 3, 4}, C{'b', 4, 5}));
}

// --- BertPreTokenizer -------------------------------------------------------------------------

std::vector<std::string> Words(const NormalizedString& s, const std::vector<CharSpan>& spans) {
  std::vector<std::string> out;
  for (const CharSpan& w : spans) {
    out.push_back(s.utf8.substr(s.char_pos[w.begin], s.char_pos[w.end] - s.char_pos[w.begin]));
  }
  return out;
}

TEST(BertPreTokenizerTest, SplitsOnWhitespaceAndIsolatesPunctuation) {
  NormalizedString s;
  const std::string text = "  don't, \u00e9t\u00e9\u3000x!?";
  AppendOriginalChars(text, 0, text.size(), s.chars);
  s.SyncUtf8();
  const BertPreTokenizer p;
  std::vector<CharSpan> words;
  p.PreTokenize(s, 0, static_cast<uint32_t>(s.chars.size()), words);
  EXPECT_THAT(Words(s, words),
              ElementsAre("don", "'", "t", ",", "\u00e9t\u00e9", "x", "!", "?"));
  // Only the given range, appended after what is there.
  const size_t before = words.size();
  p.PreTokenize(s, 3, 7, words);  // "on't"
  EXPECT_THAT(Words(s, std::vector<CharSpan>(words.begin() + static_cast<ptrdiff_t>(before),
                                              words.end())),
              ElementsAre("on", "'", "t"));
}

TEST(BertPreTokenizerTest, FromJsonTakesNoOptions) {
  EXPECT_TRUE(BertPreTokenizer::FromJson(json{{"type", "BertPreTokenizer"}}, "f.json").ok());
  auto p = BertPreTokenizer::FromJson(json{{"type", "BertPreTokenizer"}, {"x", 1}}, "f.json");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("f.json: pre_tokenizer:"));
}

// --- WordPiece --------------------------------------------------------------------------------

std::unique_ptr<WordPiece> SmallWordPiece(int max_chars = 100) {
  WordPiece::Options o;
  o.max_input_chars_per_word = max_chars;
  auto m = WordPiece::Create({"[UNK]", "un", "##aff", "##able", "a", "##a", "\u00e9"}, o, "v");
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(*m) : nullptr;
}

std::vector<std::tuple<int32_t, uint32_t, uint32_t>> Tokens(const TokenizerModel& m,
                                                            absl::string_view text) {
  NormalizedString s;
  AppendOriginalChars(text, 0, text.size(), s.chars);
  s.SyncUtf8();
  std::vector<CharSpan> words;
  BertPreTokenizer().PreTokenize(s, 0, static_cast<uint32_t>(s.chars.size()), words);
  std::vector<ModelToken> out;
  m.Tokenize(s, words, out);
  std::vector<std::tuple<int32_t, uint32_t, uint32_t>> v;
  for (const ModelToken& t : out) v.emplace_back(t.id, t.char_begin, t.char_end);
  return v;
}

using T = std::tuple<int32_t, uint32_t, uint32_t>;

TEST(WordPieceTest, GreedyLongestMatchWithCharacterSpans) {
  auto m = SmallWordPiece();
  ASSERT_NE(m, nullptr);
  // "unaffable" = un ##aff ##able; "aa" = a ##a; "\u00e9" is one character (two bytes).
  EXPECT_THAT(Tokens(*m, "unaffable aa \u00e9"),
              ElementsAre(T{1, 0, 2}, T{2, 2, 5}, T{3, 5, 9}, T{4, 10, 11}, T{5, 11, 12},
                          T{6, 13, 14}));
}

TEST(WordPieceTest, AWordWithAnUnknownPartIsOneUnknown) {
  auto m = SmallWordPiece();
  ASSERT_NE(m, nullptr);
  // "unx": "un" matches but "##x" does not, so the whole word is [UNK].
  EXPECT_THAT(Tokens(*m, "a unx a"), ElementsAre(T{4, 0, 1}, T{0, 2, 5}, T{4, 6, 7}));
}

TEST(WordPieceTest, WordsLongerThanTheLimitAreUnknown) {
  auto m = SmallWordPiece(/*max_chars=*/3);
  ASSERT_NE(m, nullptr);
  EXPECT_THAT(Tokens(*m, "aaa aaaa"),
              ElementsAre(T{4, 0, 1}, T{5, 1, 2}, T{5, 2, 3}, T{0, 4, 8}));
}

TEST(WordPieceTest, VocabularyLookups) {
  auto m = SmallWordPiece();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->vocab_size(), 7);
  EXPECT_EQ(m->TokenToId("##aff"), 2);
  EXPECT_EQ(m->TokenToId("aff"), -1);
  EXPECT_EQ(m->IdToToken(3), "##able");
  EXPECT_EQ(m->IdToToken(7), "");
  EXPECT_EQ(m->IdToToken(-1), "");
  EXPECT_THAT(m->Describe(), HasSubstr("WordPiece (100 chars/word, prefix '##', unk '[UNK]')"));
}

TEST(WordPieceTest, CreateAndFromJsonErrors) {
  auto m = WordPiece::Create({"a"}, {}, "v.txt");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("v.txt: the unk_token '[UNK]' is not in the vocabulary"));
  EXPECT_FALSE(WordPiece::Create({}, {}, "v.txt").ok());
  auto j = WordPiece::FromJson(
      json{{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", {{"[UNK]", 0}, {"a", 0}}}},
      "f.json");
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(std::string(j.status().message()), HasSubstr("f.json: model.vocab: id 0 is used"));
  j = WordPiece::FromJson(
      json{{"unk_token", "[UNK]"}, {"continuing_subword_prefix", "@@"},
           {"vocab", {{"[UNK]", 0}, {"ab", 1}, {"@@c", 2}}}},
      "f.json");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_THAT(Tokens(**j, "abc"), ElementsAre(T{1, 0, 2}, T{2, 2, 3}));
}

// --- TemplateProcessing / BertProcessing ------------------------------------------------------

TokenSequence Seq(std::vector<int32_t> ids, bool tokens) {
  TokenSequence s;
  for (size_t i = 0; i < ids.size(); ++i) {
    s.Append(ids[i], static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1));
    if (tokens) s.tokens.push_back("t" + std::to_string(ids[i]));
  }
  return s;
}

TEST(TemplateProcessingTest, AddsSpecialTokensAndTypeIds) {
  const TemplateProcessing p(TemplateProcessing::BertTemplate(false, "[CLS]", 101, "[SEP]", 102),
                             TemplateProcessing::BertTemplate(true, "[CLS]", 101, "[SEP]", 102));
  EXPECT_EQ(p.num_special_tokens(false), 2);
  EXPECT_EQ(p.num_special_tokens(true), 3);
  TokenSequence a = Seq({7, 8}, true), b = Seq({9}, true);
  Encoding e;
  p.Process(a, &b, /*add_special_tokens=*/true, /*return_tokens=*/true, e);
  EXPECT_THAT(e.ids, ElementsAre(101, 7, 8, 102, 9, 102));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 0, 0, 1, 1));
  EXPECT_THAT(e.offsets_start, ElementsAre(0, 0, 1, 0, 0, 0));
  EXPECT_THAT(e.offsets_end, ElementsAre(0, 1, 2, 0, 1, 0));
  EXPECT_THAT(e.tokens, ElementsAre("[CLS]", "t7", "t8", "[SEP]", "t9", "[SEP]"));
  a = Seq({7, 8}, false);
  e = Encoding();
  p.Process(a, nullptr, /*add_special_tokens=*/false, /*return_tokens=*/false, e);
  EXPECT_THAT(e.ids, ElementsAre(7, 8));
  EXPECT_TRUE(e.tokens.empty());
  EXPECT_TRUE(p.CheckIds(103).ok());
  EXPECT_THAT(std::string(p.CheckIds(102).message()),
              HasSubstr("special token id 102 is outside the vocabulary"));
}

TEST(TemplateProcessingTest, FromJsonReadsAnyTemplate) {
  const json j = json::parse(R"({
    "type": "TemplateProcessing",
    "single": [{"Sequence": {"id": "A", "type_id": 0}},
               {"SpecialToken": {"id": "</s>", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "<p>", "type_id": 2}}, {"Sequence": {"id": "B", "type_id": 1}},
             {"Sequence": {"id": "A", "type_id": 0}}],
    "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]},
                       "<p>": {"id": "<p>", "ids": [5, 6], "tokens": ["<p", ">"]}}})");
  auto p = TemplateProcessing::FromJson(j, "f.json");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->num_special_tokens(false), 1);
  EXPECT_EQ((*p)->num_special_tokens(true), 2);
  TokenSequence a = Seq({7}, false), b = Seq({8, 9}, false);
  Encoding e;
  (*p)->Process(a, &b, true, false, e);
  EXPECT_THAT(e.ids, ElementsAre(5, 6, 8, 9, 7));
  EXPECT_THAT(e.type_ids, ElementsAre(2, 2, 1, 1, 0));
}

// Found by tokenizer_fuzz: a special_tokens entry without "ids" or "tokens" was read with the
// const operator[], which asserts on a missing key (undefined behaviour in a release build).
TEST(TemplateProcessingTest, SpecialTokenWithoutIdsOrTokensIsAnError) {
  for (const char* entry : {R"({"id": "[CLS]", "tokens": ["[CLS]"]})",
                            R"({"id": "[CLS]", "ids": [101]})", R"({"id": "[CLS]"})"}) {
    const json j = json::parse(absl::StrCat(
        R"({"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]"}}, {"Sequence": {"id": "A"}}],
            "pair": [{"Sequence": {"id": "A"}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"[CLS]": )",
        entry, "}}"));
    auto p = TemplateProcessing::FromJson(j, "f.json");
    ASSERT_FALSE(p.ok()) << entry;
    EXPECT_THAT(p.status().message(),
                HasSubstr("special token '[CLS]' is not in post_processor.special_tokens"))
        << entry;
  }
}

TEST(TemplateProcessingTest, IdentityAddsNothing) {
  auto p = TemplateProcessing::Identity();
  EXPECT_EQ(p->num_special_tokens(true), 0);
  TokenSequence a = Seq({7}, false), b = Seq({8}, false);
  Encoding e;
  p->Process(a, &b, true, false, e);
  EXPECT_THAT(e.ids, ElementsAre(7, 8));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 1));
}

TEST(BertProcessingTest, FromJsonIsTheBertTemplate) {
  auto p = BertProcessing::FromJson(
      json{{"type", "BertProcessing"}, {"sep", {"</s>", 2}}, {"cls", {"<s>", 0}}}, "f.json");
  ASSERT_TRUE(p.ok()) << p.status();
  TokenSequence a = Seq({7}, true), b = Seq({8}, true);
  Encoding e;
  (*p)->Process(a, &b, true, true, e);
  EXPECT_THAT(e.ids, ElementsAre(0, 7, 2, 8, 2));
  EXPECT_THAT(e.type_ids, ElementsAre(0, 0, 0, 1, 1));
  EXPECT_THAT(e.tokens, ElementsAre("<s>", "t7", "</s>", "t8", "</s>"));
  p = BertProcessing::FromJson(json{{"type", "BertProcessing"}, {"sep", "</s>"}}, "f.json");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("post_processor.sep must be"));
}

// --- WordPieceDecoder -------------------------------------------------------------------------

TEST(WordPieceDecoderTest, JoinsContinuationsAsHuggingFace) {
  // The Rust crate's own test of its WordPiece decoder (no cleanup): a leading "##" stays.
  const WordPieceDecoder d("##", /*cleanup=*/false);
  EXPECT_EQ(d.Decode({"##uelo", "Ara", "##\u00fa", "##jo", "No", "##guera"}),
            "##uelo Ara\u00fajo Noguera");
  EXPECT_EQ(d.Decode({"hello", ",", "world", "!"}), "hello , world !");
}

TEST(WordPieceDecoderTest, CleanupRemovesTokenizationArtifacts) {
  const WordPieceDecoder d;
  EXPECT_EQ(d.Decode({"hello", ",", "world", "!", "isn", "'", "t", "it", "?"}),
            "hello, world! isn ' t it?");  // " ' " spans tokens: cleanup is per token
  EXPECT_EQ(d.Decode({"i", "'m", "here", "."}), "i'm here.");
  std::vector<std::string> chain = {"a", "##b", "."};
  d.DecodeChain(chain);
  EXPECT_THAT(chain, ElementsAre("a", "b", "."));
}

TEST(WordPieceDecoderTest, FromJson) {
  auto d = WordPieceDecoder::FromJson(
      json{{"type", "WordPiece"}, {"prefix", "@@"}, {"cleanup", false}}, "f.json");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->Decode({"a", "@@b", "."}), "ab .");
  EXPECT_FALSE(WordPieceDecoder::FromJson(json{{"cleanup", "yes"}}, "f.json").ok());
}

// --- Added tokens, truncation -----------------------------------------------------------------

TEST(AddedVocabularyTest, MatchesLongestFirstWithStripAndSingleWord) {
  AddedToken mask{"[MASK]", 5, /*single_word=*/false, /*lstrip=*/true, /*rstrip=*/false,
                  /*normalized=*/false, /*special=*/true};
  AddedToken ma{"[MA", 6, false, false, /*rstrip=*/true, false, true};
  AddedToken word{"cat", 7, /*single_word=*/true, false, false, false, false};
  AddedVocabulary v;
  ASSERT_TRUE(v.Init({ma, mask, word}, nullptr, "f.json").ok());
  EXPECT_TRUE(v.has_raw());
  EXPECT_FALSE(v.has_normalized());
  std::vector<AddedVocabulary::Match> m;
  v.FindRawMatches("a  [MASK] [MA  b cats cat", m);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].token->id, 5);  // the longer pattern wins; lstrip takes the two spaces
  EXPECT_EQ(m[0].start, 1u);
  EXPECT_EQ(m[0].stop, 9u);
  EXPECT_EQ(m[1].token->id, 6);  // rstrip takes the spaces after
  EXPECT_EQ(m[1].start, 10u);
  EXPECT_EQ(m[1].stop, 15u);
  EXPECT_EQ(m[2].token->id, 7);  // "cats" is not the single word "cat"
  EXPECT_EQ(m[2].start, 22u);
}

TEST(AddedVocabularyTest, NormalizedTokensAreMatchedAsNormalized) {
  AddedToken t{"[TAG]", 9, false, false, false, /*normalized=*/true, false};
  const BertNormalizer n(Uncased());
  AddedVocabulary v;
  ASSERT_TRUE(v.Init({t}, &n, "f.json").ok());
  std::vector<AddedVocabulary::Match> m;
  v.FindNormalizedMatches("x [tag]", m);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].start, 2u);
  v.FindNormalizedMatches("x [TAG]", m);
  EXPECT_TRUE(m.empty());
  AddedVocabulary empty;
  const auto st = empty.Init({AddedToken{"\x01", 9, false, false, false, true, false}}, &n, "f");
  EXPECT_THAT(std::string(st.message()), HasSubstr("is empty once normalized"));
}

TEST(TruncationTest, LongestFirst) {
  auto sizes = [](size_t n1, size_t n2, size_t budget) {
    TokenSequence a = Seq(std::vector<int32_t>(n1, 1), false);
    TokenSequence b = Seq(std::vector<int32_t>(n2, 2), false);
    TruncateLongestFirst(a, &b, budget, TruncationDirection::kRight);
    return std::make_pair(a.size(), b.size());
  };
  EXPECT_EQ(sizes(5, 3, 7), std::make_pair(size_t{4}, size_t{3}));  // the shorter keeps its 3
  EXPECT_EQ(sizes(3, 5, 7), std::make_pair(size_t{3}, size_t{4}));
  EXPECT_EQ(sizes(5, 3, 4), std::make_pair(size_t{2}, size_t{2}));  // both cut: budget / 2
  EXPECT_EQ(sizes(6, 6, 5), std::make_pair(size_t{2}, size_t{3}));  // odd: the extra to the 2nd
  EXPECT_EQ(sizes(2, 1, 9), std::make_pair(size_t{2}, size_t{1}));  // nothing to cut
}

TEST(TruncationTest, DirectionKeepsTheFirstOrTheLastTokens) {
  TokenSequence s = Seq({1, 2, 3, 4}, true);
  TruncateLongestFirst(s, nullptr, 2, TruncationDirection::kLeft);
  EXPECT_THAT(s.ids, ElementsAre(3, 4));
  EXPECT_THAT(s.starts, ElementsAre(2, 3));
  EXPECT_THAT(s.tokens, ElementsAre("t3", "t4"));
  s = Seq({1, 2, 3, 4}, false);
  TruncateLongestFirst(s, nullptr, 3, TruncationDirection::kRight);
  EXPECT_THAT(s.ids, ElementsAre(1, 2, 3));
  EXPECT_THAT(s.ends, ElementsAre(1, 2, 3));
}

// --- Registries and the assembled pipeline ----------------------------------------------------

TEST(StageRegistryTest, UnknownTypeNamesTheFileAndTheType) {
  auto n = NormalizerRegistry().Create("Bogus", json{{"type", "Bogus"}}, "my/t.json");
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(n.status().message()),
              HasSubstr("my/t.json: normalizer type 'Bogus' is not supported (supported: "
                        "BertNormalizer, "));
  EXPECT_THAT(std::string(n.status().message()), HasSubstr(", or null)"));
  auto m = TokenizerModelRegistry().Create("Bogus", json::object(), "my/t.json");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("my/t.json: model type 'Bogus' is not supported (supported: WordPiece, "));
  auto p = PreTokenizerRegistry().Create("", json::object(), "my/t.json", /*shown=*/"{}");
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("pre_tokenizer '{}' is not supported"));
  EXPECT_THAT(PostProcessorRegistry().Names(), HasSubstr("TemplateProcessing, BertProcessing"));
  EXPECT_EQ(DecoderRegistry().Find("Bogus"), nullptr);
}

TEST(StageRegistryTest, KnownTypesBuildTheirStage) {
  auto n = NormalizerRegistry().Create("BertNormalizer", json{{"type", "BertNormalizer"}}, "f");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_NE(dynamic_cast<const BertNormalizer*>(n->get()), nullptr);
  auto p = PreTokenizerRegistry().Create("BertPreTokenizer", json{{"type", "BertPreTokenizer"}},
                                         "f");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->Describe(), "BertPreTokenizer");
  ASSERT_NE(DecoderRegistry().Find("WordPiece"), nullptr);
  auto d = DecoderRegistry().Find("WordPiece")(json{{"type", "WordPiece"}}, "f");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ((*d)->Decode({"a", "##b"}), "ab");
}

TEST(PipelineTest, TokenizerJsonStagesAreBuiltByType) {
  auto t = Tokenizer::FromModelDir(testing::TokenizersDir() / "bert-base-uncased");
  ASSERT_TRUE(t.ok()) << t.status();
  const auto* n = dynamic_cast<const BertNormalizer*>((*t)->normalizer());
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(n->options().lowercase);
  EXPECT_EQ((*t)->pre_tokenizer().Describe(), "BertPreTokenizer");
  EXPECT_NE(dynamic_cast<const WordPiece*>(&(*t)->model()), nullptr);
  EXPECT_NE(dynamic_cast<const TemplateProcessing*>(&(*t)->post_processor()), nullptr);
  ASSERT_NE((*t)->decoder(), nullptr);
}

TEST(PipelineTest, DecodeRoundTripsThroughTheWordPieceDecoder) {
  auto t = Tokenizer::FromModelDir(testing::TokenizersDir() / "bert-base-uncased");
  ASSERT_TRUE(t.ok()) << t.status();
  auto e = (*t)->Encode("Hello, unaffable World! It's", nullptr, {});
  ASSERT_TRUE(e.ok()) << e.status();
  auto text = (*t)->Decode(e->ids);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "hello, unaffable world! it ' s");
  text = (*t)->Decode(e->ids, /*skip_special_tokens=*/false);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "[CLS] hello, unaffable world! it ' s [SEP]");
}

TEST(PipelineTest, WithoutASupportedDecoderDecodeFails) {
  json j = json::parse(testing::TokenizerJson("bert-base-uncased"));
  j["decoder"] = {{"type", "Bogus"}};
  auto t = Tokenizer::FromTokenizerJson(j.dump(), "t.json");
  ASSERT_TRUE(t.ok()) << t.status();  // ignored, as before decoding existed
  EXPECT_EQ((*t)->decoder(), nullptr);
  const std::vector<int32_t> ids = {101, 102};
  EXPECT_EQ((*t)->Decode(ids).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace attnserve::core
