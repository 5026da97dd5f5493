#include "core/tokenizer/models/wordpiece.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

absl::StatusOr<std::unique_ptr<WordPiece>> WordPiece::Create(std::vector<std::string> vocab,
                                                             const Options& options,
                                                             absl::string_view source) {
  if (vocab.empty()) return Err(source, "the vocabulary is empty");
  if (options.max_input_chars_per_word <= 0) {
    return Err(source, absl::StrCat("max_input_chars_per_word must be > 0; was ",
                                    options.max_input_chars_per_word));
  }
  std::unique_ptr<WordPiece> m(new WordPiece());
  m->options_ = options;
  const std::string& prefix = m->options_.continuing_subword_prefix;
  m->initial_.reserve(vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    const std::string& token = vocab[id];
    m->initial_[token] = static_cast<int32_t>(id);
    m->max_initial_bytes_ = std::max(m->max_initial_bytes_, token.size());
    if (absl::StartsWith(token, prefix)) {
      // With an empty prefix every token is also a continuation, as in Hugging Face.
      m->continuation_[token.substr(prefix.size())] = static_cast<int32_t>(id);
      m->max_continuation_bytes_ =
          std::max(m->max_continuation_bytes_, token.size() - prefix.size());
    }
  }
  m->vocab_ = std::move(vocab);
  m->unk_id_ = m->TokenToId(options.unk_token);
  if (m->unk_id_ < 0) {
    return Err(source,
               absl::StrCat("the unk_token '", options.unk_token, "' is not in the vocabulary"));
  }
  return m;
}

absl::StatusOr<std::unique_ptr<TokenizerModel>> WordPiece::FromJson(const nlohmann::json& model,
                                                                    absl::string_view source) {
  using tokenizer_json::GetString;
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      model,
      {"type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"},
      source, "model"));
  if (!model.contains("vocab") || !model["vocab"].is_object()) {
    return Err(source, "model.vocab must be an object {token: id}");
  }
  Options options;
  ATTN_ASSIGN_OR_RETURN(options.unk_token, GetString(model, "unk_token", source, "model"));
  if (model.contains("continuing_subword_prefix")) {
    ATTN_ASSIGN_OR_RETURN(options.continuing_subword_prefix,
                          GetString(model, "continuing_subword_prefix", source, "model"));
  }
  if (const auto it = model.find("max_input_chars_per_word"); it != model.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0 ||
        it->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return Err(source, "model.max_input_chars_per_word must be a positive integer");
    }
    options.max_input_chars_per_word = static_cast<int>(it->get<int64_t>());
  }
  const nlohmann::json& vocab = model["vocab"];
  std::vector<std::string> tokens(vocab.size());
  std::vector<bool> seen(vocab.size(), false);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() >= static_cast<int64_t>(vocab.size())) {
      return Err(source, absl::StrCat("model.vocab['", it.key(), "'] = ", it->dump(),
                                      ": ids must be 0..", vocab.size() - 1));
    }
    const auto id = static_cast<size_t>(it->get<int64_t>());
    if (seen[id]) {
      return Err(source, absl::StrCat("model.vocab: id ", id, " is used twice ('", tokens[id],
                                      "' and '", it.key(), "')"));
    }
    seen[id] = true;
    tokens[id] = it.key();
  }
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<WordPiece> m,
                        Create(std::move(tokens), options, source));
  return std::unique_ptr<TokenizerModel>(std::move(m));
}

std::string WordPiece::Describe() const {
  return absl::StrCat("WordPiece (", options_.max_input_chars_per_word, " chars/word, prefix '",
                      prefix(), "', unk '", unk_token(), "')");
}

int32_t WordPiece::TokenToId(absl::string_view token) const {
  const auto it = initial_.find(token);
  return it == initial_.end() ? -1 : it->second;
}

absl::string_view WordPiece::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_.size()) return {};
  return vocab_[static_cast<size_t>(id)];
}

void WordPiece::Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                         std::vector<ModelToken>& out) const {
  for (const CharSpan& w : words) {
    TokenizeWord(s.utf8, s.char_pos.data() + w.begin, w.end - w.begin, w.begin, out);
  }
}

void WordPiece::TokenizeWord(absl::string_view utf8, const uint32_t* char_pos,
                             uint32_t num_chars, uint32_t first_char,
                             std::vector<ModelToken>& out) const {
  if (num_chars > static_cast<uint32_t>(options_.max_input_chars_per_word)) {
    out.push_back({unk_id_, first_char, first_char + num_chars});
    return;
  }
  const size_t first = out.size();
  uint32_t start = 0;
  while (start < num_chars) {
    const auto& table = start == 0 ? initial_ : continuation_;
    const size_t max_bytes = start == 0 ? max_initial_bytes_ : max_continuation_bytes_;
    // No vocabulary entry is longer than max_bytes: skip the ends that cannot match. Same
    // result as trying every end, much less hashing on long words.
    uint32_t end = num_chars;
    while (end > start && char_pos[end] - char_pos[start] > max_bytes) --end;
    int32_t found = -1;
    for (; end > start; --end) {
      const auto it = table.find(utf8.substr(char_pos[start], char_pos[end] - char_pos[start]));
      if (it != table.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      out.resize(first);
      out.push_back({unk_id_, first_char, first_char + num_chars});
      return;
    }
    out.push_back({found, first_char + start, first_char + end});
    start = end;
  }
}

}  // namespace attnserve::core
