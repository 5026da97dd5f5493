// libFuzzer target for the tokenizer: any bytes, any options, real tokenizers (uncased with
// accent stripping, cased Chinese, and uncased with added tokens using every flag). Checks, besides
// ASan/UBSan: Encode fails exactly when the input is not valid UTF-8 (by an independent decoder
// here) or too long without truncation, and every result is consistent (parallel arrays, ids in the
// vocabulary, offsets inside the input and on character boundaries, truncation within max_length).
//
//   tokenizer_fuzz -max_total_time=60 CORPUS_DIR tests/fuzz/tokenizer_seeds
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

#include "core/tokenizer/tokenizer.h"

namespace {

using attnserve::core::Encoding;
using attnserve::core::TokenizeOptions;
using attnserve::core::Tokenizer;
using attnserve::core::TruncationDirection;

// 0: bert-base-uncased, 1: bert-base-chinese (cased), 2: bert-base-uncased with added tokens
// that use every flag (lstrip, rstrip, single_word, normalized).
std::unique_ptr<Tokenizer> g_tokenizers[3];

void Fail(const char* what) {
  std::fprintf(stderr, "tokenizer_fuzz: invariant broken: %s\n", what);
  std::abort();
}

// Straightforward strict UTF-8 check (RFC 3629), independent of core/tokenizer/unicode.cc.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool IsBoundary(absl::string_view s, uint32_t pos) {
  return pos == s.size() || (static_cast<unsigned char>(s[pos]) & 0xC0) != 0x80;
}

void Check(const Tokenizer& tok, bool plain_added_tokens, absl::string_view text,
           const absl::string_view* pair, const TokenizeOptions& o) {
  const auto result = tok.Encode(text, pair, o);
  const bool valid = IsValidUtf8(text) && (pair == nullptr || IsValidUtf8(*pair));
  if (!valid) {
    if (result.ok()) Fail("invalid UTF-8 accepted");
    if (result.status().message().find("invalid UTF-8 at byte") == absl::string_view::npos) {
      Fail("invalid UTF-8 error does not name the byte");
    }
    return;
  }
  if (!result.ok()) {
    // Only a length limit may refuse valid text.
    if (o.max_length == 0) Fail("valid text refused without a length limit");
    return;
  }
  const Encoding& e = *result;
  const size_t n = e.ids.size();
  if (e.type_ids.size() != n || e.offsets_start.size() != n || e.offsets_end.size() != n ||
      (o.return_tokens && e.tokens.size() != n)) {
    Fail("arrays of different lengths");
  }
  if (o.max_length > 0 && n > static_cast<size_t>(o.max_length)) Fail("longer than max_length");
  if (e.truncated && !o.truncate) Fail("truncated without truncate");
  for (size_t i = 0; i < n; ++i) {
    if (e.ids[i] < 0 || e.ids[i] >= tok.vocab_size()) Fail("id outside the vocabulary");
    // Without lstrip / rstrip / normalized added tokens, a token is its vocabulary entry.
    if (o.return_tokens &&
        (plain_added_tokens ? e.tokens[i] != tok.IdToToken(e.ids[i]) : e.tokens[i].empty())) {
      Fail("token string");
    }
    const absl::string_view src = (pair != nullptr && e.type_ids[i] == 1) ? *pair : text;
    if (e.offsets_start[i] > e.offsets_end[i] || e.offsets_end[i] > src.size()) {
      Fail("offsets outside the input");
    }
    if (!IsBoundary(src, e.offsets_start[i]) || !IsBoundary(src, e.offsets_end[i])) {
      Fail("offset inside a UTF-8 sequence");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* names[2] = {"bert-base-uncased", "bert-base-chinese"};
  for (int i = 0; i < 2; ++i) {
    const std::filesystem::path dir =
        std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizers" / names[i];
    // bert-base-chinese has a skeleton tokenizer.json: its vocab.txt + config is the same
    // tokenizer (the unit tests check both paths agree).
    auto t = Tokenizer::FromModelDir(dir);
    if (!t.ok()) {
      std::fprintf(stderr, "tokenizer_fuzz: %s\n", std::string(t.status().message()).c_str());
      std::abort();
    }
    g_tokenizers[i] = std::move(*t);
  }
  std::ifstream in(std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizers" /
                       "bert-base-uncased" / "tokenizer.json",
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str());
  for (nlohmann::json& a : j["added_tokens"]) {
    if (a["content"] == "[MASK]") a["lstrip"] = a["rstrip"] = true;
    if (a["content"] == "[SEP]") a["single_word"] = true;
  }
  int id = 30522;
  for (const char* content : {"Foo Bar", "ünï", "北京", "x", "##", "  ", "a\u0301"}) {
    j["added_tokens"].push_back({{"id", id++},
                                 {"content", content},
                                 {"single_word", id % 2 == 0},
                                 {"lstrip", id % 3 == 0},
                                 {"rstrip", id % 4 == 0},
                                 {"normalized", true},
                                 {"special", false}});
  }
  auto t = Tokenizer::FromTokenizerJson(j.dump(), "fuzz tokenizer.json");
  if (!t.ok()) {
    std::fprintf(stderr, "tokenizer_fuzz: %s\n", std::string(t.status().message()).c_str());
    std::abort();
  }
  g_tokenizers[2] = std::move(*t);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  // data[0]: options; data[1]: max_length; data[2]: where the pair starts (0 = no pair).
  const uint8_t flags = data[0];
  TokenizeOptions o;
  o.add_special_tokens = flags & 1;
  o.truncate = flags & 2;
  o.direction = (flags & 4) ? TruncationDirection::kLeft : TruncationDirection::kRight;
  o.return_tokens = flags & 8;
  o.max_length = (flags & 16) ? data[1] % 64 : 0;
  const int which = ((flags >> 5) & 3) % 3;
  const Tokenizer& tok = *g_tokenizers[which];
  const absl::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  const size_t split = data[2] == 0 ? rest.size() : data[2] % (rest.size() + 1);
  const absl::string_view text = rest.substr(0, split);
  const absl::string_view pair = rest.substr(split);
  Check(tok, /*plain_added_tokens=*/which != 2, text, data[2] == 0 ? nullptr : &pair, o);
  return 0;
}
