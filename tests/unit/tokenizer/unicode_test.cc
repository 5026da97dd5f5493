#include "core/tokenizer/unicode.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/tokenizer/testdata.h"

namespace attnserve::core::unicode {
namespace {

bool Has(char32_t cp, uint8_t flag) { return (CharFlags(cp) & flag) != 0; }

// Every code point's classes and lowercase against those probed from Hugging Face's Rust crate
// (tests/tokenizer_exactness/probe_bert_classes.py).
TEST(UnicodeTest, EveryCodePointHasTheRustCratesClasses) {
  const nlohmann::json ref = nlohmann::json::parse(testing::ReadTestFile(
      testing::TokenizersDir().parent_path() / "tokenizer" / "bert_reference_classes.json"));
  struct Class {
    const char* name;
    uint8_t flag;
    std::vector<bool> in;
  };
  std::vector<Class> classes = {{"control", kControl, {}},
                                {"whitespace", kWhitespace, {}},
                                {"punctuation", kPunctuation, {}},
                                {"chinese", kChinese, {}},
                                {"nonspacing_mark", kNonspacingMark, {}}};
  for (Class& c : classes) {
    c.in.assign(0x110000, false);
    for (const auto& r : ref.at(c.name)) {
      for (uint32_t cp = r[0].get<uint32_t>(); cp <= r[1].get<uint32_t>(); ++cp) c.in[cp] = true;
    }
  }
  const auto& lower = ref.at("lowercase");
  int wrong = 0;
  for (char32_t cp = 0; cp < 0x110000 && wrong < 20; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    for (const Class& c : classes) {
      if (Has(cp, c.flag) != c.in[cp]) {
        ADD_FAILURE() << c.name << " U+" << std::hex << static_cast<uint32_t>(cp) << ": attnserve "
                      << Has(cp, c.flag) << ", the Rust crate " << c.in[cp];
        ++wrong;
      }
    }
    std::vector<uint32_t> want = {static_cast<uint32_t>(cp)};
    if (auto it = lower.find(std::to_string(cp)); it != lower.end()) {
      want = it->get<std::vector<uint32_t>>();
    }
    char32_t out[2];
    const int n = ToLower(cp, out);
    const std::vector<uint32_t> got(out, out + n);
    if (got != want) {
      ADD_FAILURE() << "lowercase of U+" << std::hex << static_cast<uint32_t>(cp)
                    << " differs from the Rust crate's";
      ++wrong;
    }
  }
}

TEST(UnicodeTest, Controls) {
  for (char32_t cp : {0x00u, 0x07u, 0x0Bu, 0x0Cu, 0x7Fu, 0x85u, 0xADu, 0x200Bu, 0x200Du, 0x2060u,
                      0xFEFFu, 0xFFFDu, 0xE000u, 0xF0000u, 0xE0067u}) {
    EXPECT_TRUE(Has(cp, kControl)) << std::hex << static_cast<uint32_t>(cp);
  }
  // \t \n \r are whitespace, not controls; unassigned code points are kept (the Rust crate).
  for (char32_t cp : {0x09u, 0x0Au, 0x0Du, 0x20u, 0x41u, 0x378u, 0x2065u, 0xFFFEu, 0x50000u}) {
    EXPECT_FALSE(Has(cp, kControl)) << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(UnicodeTest, WhitespacePunctuationChinese) {
  for (char32_t cp : {0x09u, 0x0Bu, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u,
                      0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(Has(cp, kWhitespace)) << std::hex << static_cast<uint32_t>(cp);
  }
  EXPECT_FALSE(Has(0x200B, kWhitespace));
  EXPECT_FALSE(Has(0x180E, kWhitespace));
  for (char32_t cp : {U'$', U'^', U'`', U'~', U'+', U'¿', U'«', U'—', U'。', U'、', U'؟', U'।'}) {
    EXPECT_TRUE(Has(cp, kPunctuation)) << std::hex << static_cast<uint32_t>(cp);
  }
  for (char32_t cp : {U'a', U'€', U'©', U'°', U'1'}) {
    EXPECT_FALSE(Has(cp, kPunctuation)) << std::hex << static_cast<uint32_t>(cp);
  }
  for (char32_t cp : {0x4E00u, 0x9FFFu, 0x3400u, 0xF900u, 0x20000u, 0x2A6DFu, 0x2B740u, 0x2B920u,
                      0x2CEAFu, 0x2F800u}) {
    EXPECT_TRUE(Has(cp, kChinese)) << std::hex << static_cast<uint32_t>(cp);
  }
  // The Rust crate's Ext-E range starts at 0x2B920; Hiragana / Hangul are not "Chinese".
  for (char32_t cp : {0x2B820u, 0x2B91Fu, 0x3042u, 0xAC00u, 0x2F00u, 0x30000u}) {
    EXPECT_FALSE(Has(cp, kChinese)) << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(UnicodeTest, LowercaseAndDecomposition) {
  char32_t l[2];
  ASSERT_EQ(ToLower(0x130, l), 2);  // İ -> i + combining dot above
  EXPECT_EQ(l[0], U'i');
  EXPECT_EQ(l[1], 0x307u);
  ASSERT_EQ(ToLower(U'Σ', l), 1);
  EXPECT_EQ(l[0], U'σ');  // no final-sigma rule per character
  ASSERT_EQ(ToLower(U'Ä', l), 1);
  EXPECT_EQ(l[0], U'ä');
  ASSERT_EQ(ToLower(U'ǅ', l), 1);
  EXPECT_EQ(l[0], U'ǆ');
  char32_t d[4];
  ASSERT_EQ(Decompose(0x1F82, d), 4);
  EXPECT_EQ(d[0], U'α');
  ASSERT_EQ(Decompose(0xD55C, d), 3);  // 한: Hangul L V T
  EXPECT_EQ(d[0], 0x1112u);
  ASSERT_EQ(Decompose(U'a', d), 1);
  ASSERT_EQ(Decompose(0x212B, d), 2);  // ANGSTROM SIGN -> A + ring
  EXPECT_EQ(d[0], U'A');
  EXPECT_TRUE(Has(0x301, kNonspacingMark));
  EXPECT_FALSE(Has(0x20DD, kNonspacingMark));  // Me
  EXPECT_EQ(CombiningClass(0x301), 230);
  EXPECT_EQ(CombiningClass(0x316), 220);
}

TEST(UnicodeTest, Utf8RoundTrip) {
  for (char32_t cp : {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    char buf[4];
    const int n = EncodeUtf8(cp, buf);
    EXPECT_TRUE(ValidateUtf8(absl::string_view(buf, static_cast<size_t>(n))).ok());
    char32_t back;
    EXPECT_EQ(DecodeUtf8(reinterpret_cast<const unsigned char*>(buf), &back), n);
    EXPECT_EQ(back, cp);
  }
  EXPECT_NE(std::string(UnicodeVersion()), "");
}

}  // namespace
}  // namespace attnserve::core::unicode
