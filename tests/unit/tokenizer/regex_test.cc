// core/tokenizer/regex.h: Oniguruma semantics on PCRE2 (the classes, onig's find_iter on empty
// matches), load errors, and 100 KB inputs (the JIT stack).
#include "core/tokenizer/regex.h"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attnserve::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using P = std::pair<uint32_t, uint32_t>;

std::vector<P> Find(const Regex& re, absl::string_view text) {
  std::vector<RegexMatch> m;
  re.FindAll(text, m);
  std::vector<P> out;
  for (const RegexMatch& x : m) out.emplace_back(x.start, x.end);
  return out;
}

std::unique_ptr<Regex> Must(absl::string_view pattern) {
  auto r = Regex::Compile(pattern, "test");
  EXPECT_TRUE(r.ok()) << r.status();
  return std::move(*r);
}

TEST(RegexTest, FindsAllMatchesWithByteOffsets) {
  EXPECT_THAT(Find(*Must(R"(\p{L}+)"), "héllo wörld"), ElementsAre(P{0, 6}, P{7, 13}));
  EXPECT_THAT(Find(*Must(R"(\p{N}{1,3})"), "12345"), ElementsAre(P{0, 3}, P{3, 5}));
}

TEST(RegexTest, SpaceIsOnigurumasIncludingNextLine) {
  // U+0085 is \s for Oniguruma (and the crate) but not for PCRE2's UCP \s.
  EXPECT_THAT(Find(*Must(R"(\s)"), "a\xc2\x85" "b\xc2\xa0" "c"), ElementsAre(P{1, 3}, P{4, 6}));
  EXPECT_THAT(Find(*Must(R"([^\s\p{L}])"), "a\xc2\x85" "1"), ElementsAre(P{3, 4}));
  EXPECT_THAT(Find(*Must(R"(\S+)"), "ab\xc2\x85" "c"), ElementsAre(P{0, 2}, P{4, 5}));
}

TEST(RegexTest, WordIncludesMarks) {
  // "e" + U+0301 (a combining mark): one \w run for Oniguruma.
  EXPECT_THAT(Find(*Must(R"(\w+)"), "e\xcc\x81x y"), ElementsAre(P{0, 4}, P{5, 6}));
}

TEST(RegexTest, EmptyMatchesFollowOnigFindIter) {
  // As onig's find_iter: an empty match right after a match is skipped.
  EXPECT_THAT(Find(*Must("x*"), "axxb"), ElementsAre(P{0, 0}, P{1, 3}, P{4, 4}));
  EXPECT_THAT(Find(*Must(""), "ab"), ElementsAre(P{0, 0}, P{1, 1}, P{2, 2}));
}

TEST(RegexTest, LiteralQuotesEverything) {
  auto r = Regex::Literal("a.b\\E*", "test");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(Find(**r, "a.b\\E* axb"), ElementsAre(P{0, 6}));
}

TEST(RegexTest, CompileErrorsNameThePlaceAndPattern) {
  auto r = Regex::Compile("(unclosed", "tokenizer.json: pre_tokenizer.pattern.Regex");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("tokenizer.json: pre_tokenizer.pattern.Regex"));
  EXPECT_THAT(r.status().message(), HasSubstr("(unclosed"));
  EXPECT_FALSE(Regex::Compile(R"([^\S])", "t").ok());  // would need class subtraction
}

TEST(RegexTest, HundredKilobyteInputs) {
  // Lookahead over 100 KB of spaces needs more than PCRE2's default JIT stack.
  const std::string spaces(100000, ' ');
  EXPECT_THAT(Find(*Must(R"(\s+(?!\S)|\s+)"), spaces + "x"),
              ElementsAre(P{0, 99999}, P{99999, 100000}));
  const std::string letters(100000, 'a');
  EXPECT_THAT(Find(*Must(R"( ?\p{L}+)"), letters), ElementsAre(P{0, 100000}));
  // A backtracking-heavy pattern finishes (or gives up) without crashing.
  std::vector<RegexMatch> m;
  Must(R"((a|aa)+$)")->FindAll(letters + "b", m);
  SUCCEED();
}

}  // namespace
}  // namespace attnserve::core
