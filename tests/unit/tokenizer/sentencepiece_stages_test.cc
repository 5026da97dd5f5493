// The SentencePiece-side stages one by one: load errors (each names the file and the place),
// corrupt precompiled_charsmap blobs, hostile inputs (100 KB words), and the behaviours of the
// Rust crate that the fixtures (unigram_fixtures_test.cc) do not isolate. Expected values
// marked "reference" were printed by tokenizers 0.23.3.
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"

#include "core/tokenizer/decoders/sentencepiece_decoders.h"
#include "core/tokenizer/models/unigram.h"
#include "core/tokenizer/normalized_string.h"
#include "core/tokenizer/normalizers/precompiled.h"
#include "core/tokenizer/normalizers/sequence_normalizer.h"
#include "core/tokenizer/normalizers/simple_normalizers.h"
#include "core/tokenizer/pre_tokenizers/metaspace.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Normalize(const Normalizer& n, const std::string& text,
                      std::vector<NormalizedChar>* chars_out = nullptr) {
  NormalizedString s;
  n.NormalizeText(text, 0, text.size(), s.chars);
  // The characters-in form must agree with the fused one.
  std::vector<NormalizedChar> in, again;
  AppendOriginalChars(text, 0, text.size(), in);
  n.Normalize(in.data(), in.size(), again);
  EXPECT_EQ(again.size(), s.chars.size());
  for (size_t i = 0; i < again.size() && i < s.chars.size(); ++i) {
    EXPECT_EQ(again[i].cp, s.chars[i].cp);
    EXPECT_EQ(again[i].start, s.chars[i].start);
    EXPECT_EQ(again[i].end, s.chars[i].end);
  }
  if (chars_out != nullptr) *chars_out = s.chars;
  s.SyncUtf8();
  return s.utf8;
}

std::unique_ptr<Normalizer> MakeNormalizer(const json& j) {
  auto n = NormalizerRegistry().Create(j["type"].get<std::string>(), j, "t.json");
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() ? std::move(*n) : nullptr;
}

std::string LoadError(const json& tokenizer_json) {
  auto t = Tokenizer::FromTokenizerJson(tokenizer_json.dump(), "my/tokenizer.json");
  EXPECT_FALSE(t.ok());
  return t.ok() ? "" : std::string(t.status().message());
}

json UnigramJson(json vocab, json unk_id = 0, bool byte_fallback = false) {
  // {{"<unk>", 0.0}, ...} reads as an object in nlohmann's initializer lists: make it the
  // [[piece, score], ...] array of tokenizer.json (in key order).
  if (vocab.is_object()) {
    json pairs = json::array();
    for (auto it = vocab.begin(); it != vocab.end(); ++it) pairs.push_back({it.key(), it.value()});
    vocab = std::move(pairs);
  }
  return {{"model",
           {{"type", "Unigram"},
            {"unk_id", unk_id},
            {"vocab", vocab},
            {"byte_fallback", byte_fallback}}},
          {"normalizer", nullptr},
          {"pre_tokenizer",
           {{"type", "Metaspace"},
            {"replacement", "\u2581"},
            {"prepend_scheme", "always"},
            {"split", true}}},
          {"post_processor", nullptr},
          {"decoder", nullptr},
          {"added_tokens", json::array()}};
}

// --- Normalizers -----------------------------------------------------------------------------

TEST(SimpleNormalizersTest, MatchTheReference) {
  auto seq =
      MakeNormalizer({{"type", "Sequence"},
                      {"normalizers",
                       {{{"type", "Lowercase"}},
                        {{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}}}});
  EXPECT_EQ(Normalize(*seq, "  \u0130STANBUL  "), "i\u0307stanbul  ");  // reference
  auto rep =
      MakeNormalizer({{"type", "Replace"}, {"pattern", {{"String", "aa"}}}, {"content", "b"}});
  EXPECT_EQ(Normalize(*rep, "aaaaa"), "bba");  // reference
  auto acc = MakeNormalizer({{"type", "StripAccents"}});
  EXPECT_EQ(Normalize(*acc, "e\u0301\u0903\u20dd"), "e");  // Mn, Mc, Me: reference
  auto empty = MakeNormalizer({{"type", "Sequence"}, {"normalizers", json::array()}});
  EXPECT_EQ(Normalize(*empty, " x "), " x ");
}

TEST(SimpleNormalizersTest, ReplaceWithARegexPattern) {
  // XLM-RoBERTa's tokenizer.json collapses runs of spaces after its precompiled charsmap.
  std::vector<NormalizedChar> c;
  auto spaces =
      MakeNormalizer({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
  EXPECT_EQ(Normalize(*spaces, "a   b  \u00e9  \u3000 c", &c), "a b \u00e9 \u3000 c");  // ref.
  ASSERT_EQ(c.size(), 9u);
  EXPECT_EQ(c[1].start, 3u);  // the last space of the first run
  EXPECT_EQ(c[2].start, 4u);  // 'b' keeps its range
  EXPECT_EQ(Normalize(*spaces, "  x"), " x");
  EXPECT_EQ(Normalize(*spaces, "y  "), "y ");
  auto letters = MakeNormalizer(
      {{"type", "Replace"}, {"pattern", {{"Regex", "\\p{L}+"}}}, {"content", "<w>"}});
  EXPECT_EQ(Normalize(*letters, "ab1 \u00e7d_\u00e92"), "<w>1 <w>_<w>2");  // reference
  auto gone =
      MakeNormalizer({{"type", "Replace"}, {"pattern", {{"Regex", "(?i)ab"}}}, {"content", ""}});
  EXPECT_EQ(Normalize(*gone, "xABabyAb"), "xy");  // reference
}

TEST(SimpleNormalizersTest, InsertedCharactersTakeTheRangeOfTheCharacterTheyReplace) {
  std::vector<NormalizedChar> c;
  auto rep =
      MakeNormalizer({{"type", "Replace"}, {"pattern", {{"String", "ab"}}}, {"content", "xyz"}});
  EXPECT_EQ(Normalize(*rep, "cab", &c), "cxyz");
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[1].start, 2u);  // the range of 'b', the match's last character
  EXPECT_EQ(c[3].end, 3u);
  auto pre = MakeNormalizer({{"type", "Prepend"}, {"prepend", "\u2581\u2581"}});
  EXPECT_EQ(Normalize(*pre, "\u00e9a", &c), "\u2581\u2581\u00e9a");
  EXPECT_EQ(c[0].start, 0u);
  EXPECT_EQ(c[1].end, 2u);             // the range of 'é'
  EXPECT_EQ(Normalize(*pre, ""), "");  // nothing to prepend to
}

TEST(SimpleNormalizersTest, BadOptionsAreLoadErrorsNamingThePlace) {
  json j = UnigramJson({{"<unk>", 0.0}});
  j["normalizer"] = {{"type", "Sequence"},
                     {"normalizers",
                      {{{"type", "Lowercase"}},
                       {{"type", "Replace"}, {"pattern", {{"Regex", "\\s*"}}}, {"content", " "}}}}};
  EXPECT_THAT(LoadError(j),
              HasSubstr("my/tokenizer.json: normalizer.normalizers[1]: "
                        "normalizer (Replace).pattern.Regex: '\\s*' can match the empty string"));
  j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "(a"}}}, {"content", " "}};
  EXPECT_THAT(LoadError(j), HasSubstr("normalizer (Replace).pattern.Regex: regex '(a' does not "
                                      "compile"));
  j["normalizer"] = {{"type", "Strip"}, {"strip_left", true}};
  EXPECT_THAT(LoadError(j), HasSubstr("normalizer (Strip).strip_right must be true or false"));
  j["normalizer"] = {{"type", "Lowercase"}, {"locale", "tr"}};
  EXPECT_THAT(LoadError(j), HasSubstr("normalizer (Lowercase): unsupported option 'locale'"));
  j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"String", ""}}}, {"content", "x"}};
  EXPECT_THAT(LoadError(j), HasSubstr("'' can match the empty string"));
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "Nmt"}}}}};
  EXPECT_THAT(LoadError(j),
              HasSubstr("normalizer.normalizers[0]: normalizer type 'Nmt' is not supported"));
}

// A blob with the layout of a precompiled_charsmap: the trie units, then the strings.
std::string Blob(const std::vector<uint32_t>& units, const std::string& strings) {
  std::string b(4, '\0');
  const uint32_t size = static_cast<uint32_t>(units.size() * 4);
  std::memcpy(b.data(), &size, 4);
  b.append(reinterpret_cast<const char*>(units.data()), units.size() * 4);
  return b + strings;
}

TEST(PrecompiledTest, CorruptBlobsAreLoadErrors) {
  EXPECT_FALSE(PrecompiledNormalizer::Create("abc", "f").ok());
  EXPECT_THAT(std::string(PrecompiledNormalizer::Create(Blob({}, "x"), "f").status().message()),
              HasSubstr("the trie is empty"));
  std::string truncated = Blob({1, 2, 3}, "");
  truncated.resize(10);
  EXPECT_THAT(std::string(PrecompiledNormalizer::Create(truncated, "f").status().message()),
              HasSubstr("claims 12 bytes but only 6 follow"));
  EXPECT_THAT(
      std::string(PrecompiledNormalizer::Create(Blob({0}, "a\xff\0"), "f").status().message()),
      HasSubstr("not UTF-8"));
  json j = UnigramJson({{"<unk>", 0.0}});
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "!!!"}};
  EXPECT_THAT(LoadError(j), HasSubstr("normalizer (Precompiled).precompiled_charsmap is not "
                                      "valid base64"));
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", nullptr}};
  EXPECT_THAT(LoadError(j), HasSubstr("must be a base64 string"));
}

TEST(PrecompiledTest, HostileTriesNeverReadOutOfBounds) {
  // Offsets and values pointing anywhere: lookups fail instead of reading past the arrays (run
  // under ASan).
  std::mt19937 rng(7);
  const std::string text = "a\u00e9\u4e2d\U0001F600 x\r\n\u0301b";
  for (int round = 0; round < 300; ++round) {
    std::vector<uint32_t> units(1 + rng() % 64);
    for (uint32_t& u : units) u = rng();
    if (round % 3 == 0) units[0] = 0;  // root offset 0: child slots are the label bytes
    auto p = PrecompiledNormalizer::Create(Blob(units, std::string("xy\0\xc3\xa9\0", 6)), "f");
    ASSERT_TRUE(p.ok()) << p.status();
    std::vector<NormalizedChar> out;
    (*p)->NormalizeText(text, 0, text.size(), out);
    for (const NormalizedChar& c : out) EXPECT_LE(c.end, text.size());
  }
}

TEST(PrecompiledTest, ShortestKeyWinsAndRemovalsShiftAlignments) {
  // A two-level trie by hand: root offset 0; 'a' (0x61) at unit 0x61 with a leaf whose value
  // (at 0x61 ^ offset) is string 0 "X"; the replacement of "a" is "X".
  std::vector<uint32_t> units(256, 0);
  const uint32_t offset = 1 << 10;         // Offset() of a unit = its bits 10.. (no shift bit)
  units[0] = 0;                            // root: children at label ^ 0
  units[0x61] = 0x61 | (1 << 8) | offset;  // label 'a', has_leaf, child base 0x61 ^ 1
  units[0x61 ^ 1] = 0;                     // the leaf's value: string offset 0
  auto p = PrecompiledNormalizer::Create(Blob(units, std::string("X\0", 2)), "f");
  ASSERT_TRUE(p.ok()) << p.status();
  absl::string_view r;
  ASSERT_TRUE((*p)->Transform("a\xcc\x81", &r));  // "á" as a + U+0301: "a" prefixes it
  EXPECT_EQ(r, "X");
  EXPECT_FALSE((*p)->Transform("b", &r));
  std::vector<NormalizedChar> c;
  // The grapheme "a\u0301" (< 6 bytes) is replaced whole by the replacement of its shortest
  // key: the accent is gone, as in the Rust crate.
  EXPECT_EQ(Normalize(**p, "ba\u0301c", &c), "bXc");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[1].start, 1u);
  // The removed accent is charged to the 'X' change: 'c' keeps its own range.
  EXPECT_EQ(c[2].start, 4u);
}

// --- Metaspace -------------------------------------------------------------------------------

TEST(MetaspaceTest, OptionsFollowTheRustCrate) {
  auto o = MetaspaceOptions::FromJson(
      {{"type", "Metaspace"}, {"replacement", "_"}, {"add_prefix_space", true}}, "f",
      "pre_tokenizer");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->prepend_scheme, MetaspaceOptions::PrependScheme::kAlways);
  EXPECT_TRUE(o->split);
  // add_prefix_space=false needs an explicit "never" (the scheme defaults to "always").
  o = MetaspaceOptions::FromJson(
      {{"type", "Metaspace"}, {"replacement", "_"}, {"add_prefix_space", false}}, "f",
      "pre_tokenizer");
  EXPECT_THAT(std::string(o.status().message()),
              HasSubstr("add_prefix_space does not match declared prepend_scheme"));
  o = MetaspaceOptions::FromJson({{"type", "Metaspace"}, {"replacement", "ab"}}, "f",
                                 "pre_tokenizer");
  EXPECT_THAT(std::string(o.status().message()),
              HasSubstr("pre_tokenizer (Metaspace).replacement must be one character"));
  o = MetaspaceOptions::FromJson(
      {{"type", "Metaspace"}, {"replacement", "_"}, {"prepend_scheme", "sometimes"}}, "f",
      "decoder");
  EXPECT_THAT(std::string(o.status().message()), HasSubstr("decoder (Metaspace).prepend_scheme"));
}

TEST(MetaspaceTest, RewritesSpacesPrependsAndSplitsBeforeEachReplacement) {
  MetaspaceOptions o;
  Metaspace m(o);
  NormalizedString s, out;
  const std::string text = "a  b";
  AppendOriginalChars(text, 0, text.size(), s.chars);
  std::vector<CharSpan> words;
  m.PreTokenizeInto(s, 0, 4, /*at_input_start=*/true, out, words);
  out.SyncUtf8();
  EXPECT_EQ(out.utf8, "\u2581a\u2581\u2581b");
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0].begin, 0u);
  EXPECT_EQ(words[0].end, 2u);
  EXPECT_EQ(words[2].begin, 3u);
  EXPECT_EQ(out.chars[0].end, 1u);  // the prepended character has the range of 'a'
}

// --- Unigram ---------------------------------------------------------------------------------

std::vector<std::pair<std::string, double>> V(
    std::initializer_list<std::pair<const char*, double>> v) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [p, s] : v) out.emplace_back(p, s);
  return out;
}

std::vector<std::tuple<int32_t, uint32_t, uint32_t>> Segment(const Unigram& m,
                                                             const std::string& w) {
  NormalizedString s;
  AppendOriginalChars(w, 0, w.size(), s.chars);
  s.SyncUtf8();
  std::vector<ModelToken> out;
  const CharSpan span{0, static_cast<uint32_t>(s.chars.size())};
  m.Tokenize(s, absl::MakeConstSpan(&span, 1), out);
  std::vector<std::tuple<int32_t, uint32_t, uint32_t>> r;
  for (const ModelToken& t : out) r.emplace_back(t.id, t.char_begin, t.char_end);
  return r;
}

TEST(UnigramTest, BestSegmentationAndFusedUnknowns) {
  // The Rust crate's own test vocabulary (model.rs test_encode2 style).
  auto m = Unigram::Create(V({{"<unk>", 0},
                              {"ab", -0.1},
                              {"cd", -0.1},
                              {"abc", -0.1},
                              {"a", -0.1},
                              {"b", -0.1},
                              {"c", -0.1},
                              {"d", -0.1}}),
                           0, false, "f");
  ASSERT_TRUE(m.ok()) << m.status();
  using T = std::tuple<int32_t, uint32_t, uint32_t>;
  EXPECT_THAT(Segment(**m, "abcd"), ElementsAre(T{1, 0, 2}, T{2, 2, 4}));  // ab cd (2 pieces)
  // Unknown characters: consecutive ones fuse into one <unk> covering all of them.
  EXPECT_THAT(Segment(**m, "a\u00e9\u00e9xb"), ElementsAre(T{4, 0, 1}, T{0, 1, 4}, T{5, 4, 5}));
  EXPECT_THAT(Segment(**m, ""), ElementsAre());
}

TEST(UnigramTest, ByteFallbackNeedsEveryByte) {
  auto vocab = V({{"<unk>", 0}, {"a", -1}});
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    if (b != 0x80) vocab.emplace_back(name, -5);
  }
  auto m = Unigram::Create(vocab, 0, true, "f");
  ASSERT_TRUE(m.ok());
  using T = std::tuple<int32_t, uint32_t, uint32_t>;
  // 'é' = C3 A9: two byte pieces, both with the range of the character.
  EXPECT_THAT(Segment(**m, "a\u00e9"),
              ElementsAre(T{1, 0, 1}, T{2 + 0xC3 - 1, 1, 2}, T{2 + 0xA9 - 1, 1, 2}));
  // U+0400 = D0 80: <0x80> is missing, so the whole run is <unk>.
  EXPECT_THAT(Segment(**m, "\u0400"), ElementsAre(T{0, 0, 1}));
}

TEST(UnigramTest, HugeWordsAreLinear) {
  auto m = Unigram::Create(V({{"<unk>", 0}, {"x", -2}, {"xx", -3}, {"xxxx", -5}}), 0, false, "f");
  ASSERT_TRUE(m.ok());
  const auto r = Segment(**m, std::string(100000, 'x'));
  ASSERT_EQ(r.size(), 25000u);  // xxxx (-5) beats xx+xx (-6) and x*4 (-8)
  EXPECT_EQ(std::get<0>(r.back()), 3);
  const auto u = Segment(**m, std::string(100000, '?'));  // all unknown: one fused <unk>
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(std::get<2>(u[0]), 100000u);
}

TEST(UnigramTest, ScoresAreReadAsSerdeJsonReadsThem) {
  // Correctly rounded, a + a (-22.852204715305686) beats aa; serde_json reads both literals so
  // that aa wins, and the reference gives [2].
  const std::string text = R"({"model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
      "vocab": [["<unk>", 0.0], ["a", -11.426102357652843], ["aa", -22.85220471530569]]},
      "normalizer": null, "post_processor": null, "decoder": null, "added_tokens": [],
      "pre_tokenizer": {"type": "Metaspace", "replacement": "_", "prepend_scheme": "never"}})";
  auto t = Tokenizer::FromTokenizerJson(text, "t.json");
  ASSERT_TRUE(t.ok()) << t.status();
  auto e = (*t)->Encode("aa", nullptr, TokenizeOptions());
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(e->ids, ElementsAre(2));
}

// unk_id null, as tokenizers 0.23.3 (Tokenizer(models.Unigram([("ab", -1.0), ("b", -2.0)],
// unk_id=None))): a character that no single piece covers fails the encode ("Encountered an
// unknown token but `unk_id` is missing"), even where "ab" would cover it; "b" -> [1]; "" -> [].
TEST(UnigramTest, WithoutUnkIdAnUncoveredCharacterFailsTheEncode) {
  json j = UnigramJson(json::array({json::array({"ab", -1.0}), json::array({"b", -2.0})}), nullptr);
  j["pre_tokenizer"] = nullptr;
  auto t = Tokenizer::FromTokenizerJson(j.dump(), "t.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT((*t)->Describe(), HasSubstr("no unk"));
  auto b = (*t)->Encode("b", nullptr, TokenizeOptions());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT(b->ids, ElementsAre(1));
  auto empty = (*t)->Encode("", nullptr, TokenizeOptions());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->ids.empty());
  for (const char* text : {"ab", "abb", "bba"}) {
    auto e = (*t)->Encode(text, nullptr, TokenizeOptions());
    ASSERT_FALSE(e.ok()) << text;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(e.status().message(), HasSubstr("('a') has no piece")) << text;
  }
  const absl::string_view pair = "xb";
  auto p = (*t)->Encode("b", &pair, TokenizeOptions());
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("text_pair: the character at byte 0 ('x')"));
  // An empty vocabulary loads without unk_id (the crate's too); any character then fails.
  json none = UnigramJson(json::array(), nullptr);
  auto n = Tokenizer::FromTokenizerJson(none.dump(), "t.json");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_FALSE((*n)->Encode("a", nullptr, TokenizeOptions()).ok());
}

TEST(UnigramTest, BadModelsAreLoadErrors) {
  EXPECT_THAT(LoadError(UnigramJson(json::array(), 0)),
              HasSubstr("model (Unigram).vocab is empty"));
  EXPECT_THAT(LoadError(UnigramJson({{"<unk>", 0.0}}, 1)),
              HasSubstr("model (Unigram).unk_id 1 is outside the vocabulary"));
  EXPECT_THAT(LoadError(UnigramJson({{"<unk>", "high"}})),
              HasSubstr("model (Unigram).vocab[0] must be [piece, score]"));
  json j = UnigramJson({{"<unk>", 0.0}});
  j["model"]["alpha"] = 0.1;
  EXPECT_THAT(LoadError(j), HasSubstr("model (Unigram): unsupported option 'alpha'"));
}

TEST(UnigramTest, EncodesHostileTextThroughTheWholePipeline) {
  json j = UnigramJson({{"<unk>", 0.0}, {"\u2581", -1.0}, {"a", -2.0}});
  auto t = Tokenizer::FromTokenizerJson(j.dump(), "t.json");
  ASSERT_TRUE(t.ok()) << t.status();
  const std::string big = std::string(100000, 'a') + " " + std::string(100000, 'b');
  auto e = (*t)->Encode(big, nullptr, TokenizeOptions());
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->ids.size(), 1 + 100000 + 2u);  // ▁ a*100000 ▁ <unk>(b*100000)
  EXPECT_EQ(e->offsets_start.back(), 100001u);
  EXPECT_EQ(e->offsets_end.back(), big.size());
}

// --- Decoders --------------------------------------------------------------------------------

std::unique_ptr<Decoder> MakeDecoder(const json& j) {
  auto d = DecoderRegistry().Create(j["type"].get<std::string>(), j, "t.json");
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? std::move(*d) : nullptr;
}

TEST(SentencePieceDecodersTest, MatchTheReference) {
  auto bf = MakeDecoder({{"type", "ByteFallback"}});
  // Rust's u8::from_str_radix accepts "+F"; an invalid byte run is one U+FFFD per byte.
  EXPECT_EQ(bf->Decode({"<0x+F>", "<0xE2>", "<0x82>", "a", "<0xe2>", "<0x82>", "<0xAC>"}),
            "\uFFFD\uFFFD\uFFFDa\u20AC");  // reference
  auto strip = MakeDecoder({{"type", "Strip"}, {"content", " "}, {"start", 2}, {"stop", 0}});
  EXPECT_EQ(strip->Decode({" ", "  a ", "   b"}), "a  b");  // reference
  auto ms = MakeDecoder({{"type", "Metaspace"},
                         {"replacement", "\u2581"},
                         {"prepend_scheme", "always"},
                         {"split", true}});
  EXPECT_EQ(ms->Decode({"\u2581a\u2581b", "\u2581c"}), "ab c");  // reference
  // Where the Rust crate panics (stop past an empty token), the cut just stops.
  auto stop = MakeDecoder({{"type", "Strip"}, {"content", "x"}, {"start", 1}, {"stop", 3}});
  EXPECT_EQ(stop->Decode({"", "x", "xax"}), "a");
  auto runs =
      MakeDecoder({{"type", "Replace"}, {"pattern", {{"Regex", "\u2581+"}}}, {"content", " "}});
  EXPECT_EQ(runs->Decode({"\u2581\u2581a\u2581", "b\u2581\u2581\u2581c"}), " a b c");  // ref.
  auto one = MakeDecoder({{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}});
  EXPECT_EQ(one->Decode({"\u2581\u2581a", "b"}), "  ab");  // reference
}

TEST(SentencePieceDecodersTest, BadDecodersAreErrorsNamingThePlace) {
  auto d = DecoderRegistry().Create(
      "Sequence", {{"type", "Sequence"}, {"decoders", {{{"type", "Fuse"}}, {{"type", "CTC"}}}}},
      "t.json");
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr("t.json: decoder.decoders[1]: decoder type 'CTC' is not supported"));
  d = DecoderRegistry().Create(
      "Strip", {{"type", "Strip"}, {"content", " "}, {"start", -1}, {"stop", 0}}, "t.json");
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("decoder (Strip).start"));
}

}  // namespace
}  // namespace attnserve::core
