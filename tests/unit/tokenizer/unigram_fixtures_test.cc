// The SentencePiece-side stages against tests/testdata/tokenizer/unigram/fixtures.json: for each
// case (a tokenizer.json built by gen_fixtures.py), every text's normalized string, ids, byte
// offsets and decodes as Hugging Face tokenizers 0.23.3 gives them.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/tokenizer/normalizers/normalizer.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core {
namespace {

using nlohmann::json;

const json& Fixtures() {
  static const json* const j = new json(json::parse(testing::ReadTestFile(
      std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizer" / "unigram" / "fixtures.json")));
  return *j;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const json& c : Fixtures()["cases"]) names.push_back(c["name"].get<std::string>());
  return names;
}

const json& Case(const std::string& name) {
  for (const json& c : Fixtures()["cases"]) {
    if (c["name"] == name) return c;
  }
  static const json none;
  return none;
}

json TokenizerJsonOf(const json& c) {
  json t = c["tokenizer"];
  t["model"] = Fixtures()["models"][t["model"].get<std::string>()];
  return t;
}

class UnigramFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(UnigramFixtureTest, MatchesTheReference) {
  const json& c = Case(GetParam());
  ASSERT_FALSE(c.is_null());
  const json tj = TokenizerJsonOf(c);
  auto tok = Tokenizer::FromTokenizerJson(tj.dump(), GetParam());
  ASSERT_TRUE(tok.ok()) << tok.status();
  ASSERT_NE((*tok)->decoder(), nullptr) << GetParam() << ": the decoder did not load";
  std::unique_ptr<Normalizer> norm;
  if (!tj["normalizer"].is_null()) {
    auto n = NormalizerRegistry().Create(tj["normalizer"]["type"].get<std::string>(),
                                         tj["normalizer"], GetParam());
    ASSERT_TRUE(n.ok()) << n.status();
    norm = std::move(*n);
  }
  int checked = 0, failures = 0;
  for (const json& e : c["encodings"]) {
    const std::string text = e["text"];
    const bool has_pair = e.contains("text_pair");
    const std::string pair = has_pair ? e["text_pair"].get<std::string>() : "";
    const absl::string_view pair_view = pair;
    SCOPED_TRACE(json(text).dump() + (has_pair ? " + " + json(pair).dump() : ""));
    auto enc = (*tok)->Encode(text, has_pair ? &pair_view : nullptr, TokenizeOptions());
    ASSERT_TRUE(enc.ok()) << enc.status();
    std::vector<std::vector<uint32_t>> offsets;
    for (size_t i = 0; i < enc->ids.size(); ++i) {
      offsets.push_back({enc->offsets_start[i], enc->offsets_end[i]});
    }
    const bool ok_ids = enc->ids == e["ids"].get<std::vector<int32_t>>();
    const bool ok_offsets = offsets == e["offsets"].get<std::vector<std::vector<uint32_t>>>();
    EXPECT_TRUE(ok_ids) << "ids " << json(enc->ids).dump() << " want " << e["ids"].dump();
    EXPECT_TRUE(ok_offsets) << "offsets " << json(offsets).dump() << " want "
                            << e["offsets"].dump();
    failures += !ok_ids || !ok_offsets;
    if (e.contains("normalized") && norm != nullptr) {
      std::vector<NormalizedChar> chars;
      norm->NormalizeText(text, 0, text.size(), chars);
      NormalizedString s;
      s.chars = std::move(chars);
      s.SyncUtf8();
      EXPECT_EQ(s.utf8, e["normalized"].get<std::string>()) << "normalized";
    }
    for (const bool skip : {false, true}) {
      const json& want = e[skip ? "decode_skip" : "decode"];
      if (want.is_null()) continue;  // the reference panics there
      auto d = (*tok)->Decode(e["ids"].get<std::vector<int32_t>>(), skip);
      ASSERT_TRUE(d.ok()) << d.status();
      EXPECT_EQ(*d, want.get<std::string>()) << "decode, skip_special_tokens=" << skip;
    }
    ++checked;
  }
  EXPECT_GT(checked, 100);
  EXPECT_EQ(failures, 0);
}

INSTANTIATE_TEST_SUITE_P(Cases, UnigramFixtureTest, ::testing::ValuesIn(CaseNames()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace attnserve::core
