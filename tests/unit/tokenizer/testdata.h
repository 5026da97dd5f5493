// Test helpers: the real tokenizers of tests/testdata/tokenizers.
#ifndef ATTNSERVE_TESTS_UNIT_TOKENIZER_TESTDATA_H_
#define ATTNSERVE_TESTS_UNIT_TOKENIZER_TESTDATA_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tokenizer/tokenizer.h"

namespace attnserve::core::testing {

inline std::filesystem::path TokenizersDir() {
  return std::filesystem::path(ATTNSERVE_TESTDATA_DIR) / "tokenizers";
}

inline std::string ReadTestFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The full tokenizer.json of a test tokenizer: the original file, or the committed skeleton with
// model.vocab rebuilt from vocab.txt (see tests/testdata/tokenizers/README.md).
inline std::string TokenizerJson(const std::string& name) {
  const auto dir = TokenizersDir() / name;
  if (std::filesystem::exists(dir / "tokenizer.json")) {
    return ReadTestFile(dir / "tokenizer.json");
  }
  nlohmann::json j = nlohmann::json::parse(ReadTestFile(dir / "tokenizer.skeleton.json"));
  nlohmann::json vocab = nlohmann::json::object();
  const std::vector<std::string> tokens = Tokenizer::ParseVocabTxt(ReadTestFile(dir / "vocab.txt"));
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  j["model"]["vocab"] = std::move(vocab);
  return j.dump();
}

}  // namespace attnserve::core::testing

#endif  // ATTNSERVE_TESTS_UNIT_TOKENIZER_TESTDATA_H_
