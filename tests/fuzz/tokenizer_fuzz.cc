// libFuzzer target for the tokenizer, in two modes chosen by bit 7 of the first byte.
//
// Encode mode (bit 7 clear): any bytes, any options, real tokenizers (uncased with accent
// stripping, cased Chinese, and uncased with added tokens using every flag). Checks, besides
// ASan/UBSan: Encode fails exactly when the input is not valid UTF-8 (by an independent decoder
// here) or too long without truncation, and every result is consistent (parallel arrays, ids in the
// vocabulary, offsets inside the input and on character boundaries, truncation within max_length).
// The ids are then decoded (Decode), and so are ids made of the input's bytes.
//
// Load mode (bit 7 set): the rest of the input is a tokenizer's files and a text, separated by the
// byte 0x1e (fuzz_util.h):
//   tokenizer.json  0x1e  tokenizer_config.json  0x1e  text  [0x1e  text_pair]
// loaded as Tokenizer::FromModelDir does (FromTokenizerJson with the config when the config part is
// not empty), or, with bit 5 set, as vocab.txt (ParseVocabTxt + ParseTokenizerConfig + FromVocab).
// Every stage of core/tokenizer/stage_registry.cc is reachable this way (the seeds use each); a
// tokenizer that loads then encodes and decodes the text with the same checks.
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
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

#include "core/tokenizer/post_processors/post_processor.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using attnserve::core::Encoding;
using attnserve::core::TokenizeOptions;
using attnserve::core::Tokenizer;
using attnserve::core::TruncationDirection;

// 0: bert-base-uncased, 1: bert-base-chinese (cased), 2: bert-base-uncased with added tokens
// that use every flag (lstrip, rstrip, single_word, normalized).
std::unique_ptr<Tokenizer> g_tokenizers[3];

void Fail(const char* what) { attnserve::fuzz::Fail("tokenizer_fuzz", what); }

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

// Decode must not fail on any ids (out-of-range ones are skipped) when there is a decoder.
void CheckDecode(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  for (bool skip : {true, false}) {
    const auto text = tok.Decode(ids, skip);
    if (!text.ok() && (tok.decoder() != nullptr ||
                       text.status().code() != absl::StatusCode::kFailedPrecondition)) {
      Fail("Decode failed");
    }
  }
}

// `plain_added_tokens`: every token string is its vocabulary entry (a tokenizer without lstrip /
// rstrip / normalized added tokens); `nonempty_tokens`: no token string is empty.
void Check(const Tokenizer& tok, bool plain_added_tokens, bool nonempty_tokens,
           absl::string_view text, const absl::string_view* pair, const TokenizeOptions& o) {
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
    if (o.return_tokens && (plain_added_tokens ? e.tokens[i] != tok.IdToToken(e.ids[i])
                                               : nonempty_tokens && e.tokens[i].empty())) {
      Fail("token string");
    }
    const absl::string_view src = (pair != nullptr && e.type_ids[i] == 1) ? *pair : text;
    if (e.offsets_start[i] > e.offsets_end[i] || e.offsets_end[i] > src.size()) {
      Fail("offsets outside the input");
    }
    // A post-processor that trims offsets (ByteLevel / RobertaProcessing trim_offsets) moves a
    // token's start past its leading spaces (and its end before trailing ones) one byte per
    // space character, as the Rust crate does; a prefix space the pre-tokenizer added stands
    // for the first character, which may be longer, so the result may fall inside a character.
    // (Whether the crate does exactly this on such inputs is unverified: see the closing note.)
    const bool trims = tok.post_processor().needs_tokens();
    if (!trims && (!IsBoundary(src, e.offsets_start[i]) || !IsBoundary(src, e.offsets_end[i]))) {
      Fail("offset inside a UTF-8 sequence");
    }
  }
  CheckDecode(tok, e.ids);
}

// Ids from bytes, some past the vocabulary and negative.
std::vector<int32_t> IdsOf(absl::string_view bytes, int vocab_size) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const int v = (static_cast<unsigned char>(bytes[i]) << 8) | static_cast<unsigned char>(bytes[i + 1]);
    ids.push_back(static_cast<int32_t>(v % (vocab_size + 3)) - 1);
  }
  return ids;
}

TokenizeOptions OptionsOf(uint8_t flags, uint8_t max_length) {
  TokenizeOptions o;
  o.add_special_tokens = flags & 1;
  o.truncate = flags & 2;
  o.direction = (flags & 4) ? TruncationDirection::kLeft : TruncationDirection::kRight;
  o.return_tokens = flags & 8;
  o.max_length = (flags & 16) ? max_length % 64 : 0;
  return o;
}

// Load mode: see the header.
void LoadAndCheck(uint8_t flags, uint8_t max_length, absl::string_view rest) {
  const std::vector<absl::string_view> parts = attnserve::fuzz::SplitFiles(rest, 4);
  const absl::string_view files = parts[0];
  const absl::string_view config = parts.size() > 1 ? parts[1] : absl::string_view();
  absl::StatusOr<std::unique_ptr<Tokenizer>> tok = absl::UnknownError("not loaded");
  if (flags & 32) {
    attnserve::core::BertTokenizerOptions options;
    if (!config.empty()) {
      auto parsed = Tokenizer::ParseTokenizerConfig(config, "fuzz tokenizer_config.json");
      if (!parsed.ok()) {
        attnserve::fuzz::CheckError("tokenizer_fuzz", parsed.status());
        return;
      }
      options = *std::move(parsed);
    }
    tok = Tokenizer::FromVocab(Tokenizer::ParseVocabTxt(files), options);
  } else {
    tok = Tokenizer::FromTokenizerJson(files, "fuzz tokenizer.json",
                                       config.empty() ? nullptr : &config);
  }
  if (!tok.ok()) {
    attnserve::fuzz::CheckError("tokenizer_fuzz", tok.status());
    return;
  }
  const Tokenizer& t = **tok;
  if (t.vocab_size() <= 0) Fail("a tokenizer without ids");
  (void)t.Describe();
  for (int32_t id : {-1, 0, t.vocab_size() - 1, t.vocab_size()}) {
    const absl::string_view token = t.IdToToken(id);
    if (id < 0 || id >= t.vocab_size()) {
      if (!token.empty()) Fail("IdToToken outside the ids");
    } else if (!token.empty() && t.TokenToId(token) < 0) {
      Fail("TokenToId does not know a token of IdToToken");
    }
  }
  const absl::string_view text = parts.size() > 2 ? parts[2] : absl::string_view();
  const absl::string_view pair = parts.size() > 3 ? parts[3] : absl::string_view();
  Check(t, /*plain_added_tokens=*/false, /*nonempty_tokens=*/false, text,
        parts.size() > 3 ? &pair : nullptr, OptionsOf(flags, max_length));
  CheckDecode(t, IdsOf(text, t.vocab_size()));
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
  // data[0]: options (and the mode, bit 7); data[1]: max_length; data[2]: where the pair starts
  // (0 = no pair; encode mode).
  const uint8_t flags = data[0];
  const absl::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  if (flags & 0x80) {
    LoadAndCheck(flags, data[1], rest);
    return 0;
  }
  const TokenizeOptions o = OptionsOf(flags, data[1]);
  const int which = ((flags >> 5) & 3) % 3;
  const Tokenizer& tok = *g_tokenizers[which];
  const size_t split = data[2] == 0 ? rest.size() : data[2] % (rest.size() + 1);
  const absl::string_view text = rest.substr(0, split);
  const absl::string_view pair = rest.substr(split);
  Check(tok, /*plain_added_tokens=*/which != 2, /*nonempty_tokens=*/true, text,
        data[2] == 0 ? nullptr : &pair, o);
  CheckDecode(tok, IdsOf(rest, tok.vocab_size()));
  return 0;
}
