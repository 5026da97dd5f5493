#include "core/tokenizer/wordpiece.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace attnserve::core {

absl::Status WordPieceVocab::Init(const std::vector<std::pair<std::string, int32_t>>& tokens,
                                  absl::string_view unk_token,
                                  absl::string_view continuing_subword_prefix,
                                  int max_input_chars_per_word, absl::string_view source) {
  if (tokens.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the vocabulary is empty"));
  }
  if (max_input_chars_per_word <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": max_input_chars_per_word must be > 0; was ", max_input_chars_per_word));
  }
  prefix_ = std::string(continuing_subword_prefix);
  unk_token_ = std::string(unk_token);
  max_input_chars_per_word_ = max_input_chars_per_word;
  initial_.reserve(tokens.size());
  for (const auto& [token, id] : tokens) {
    initial_[token] = id;
    max_initial_bytes_ = std::max(max_initial_bytes_, token.size());
    if (absl::StartsWith(token, prefix_)) {
      // With an empty prefix every token is also a continuation, as in Hugging Face.
      continuation_[token.substr(prefix_.size())] = id;
      max_continuation_bytes_ = std::max(max_continuation_bytes_, token.size() - prefix_.size());
    }
  }
  unk_id_ = Find(unk_token_);
  if (unk_id_ < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the unk_token '", unk_token_, "' is not in the vocabulary"));
  }
  return absl::OkStatus();
}

int32_t WordPieceVocab::Find(absl::string_view token) const {
  const auto it = initial_.find(token);
  return it == initial_.end() ? -1 : it->second;
}

void WordPieceVocab::Tokenize(absl::string_view word, const uint32_t* char_pos, int num_chars,
                              std::vector<Piece>& out) const {
  if (num_chars > max_input_chars_per_word_) {
    out.push_back({unk_id_, 0, num_chars});
    return;
  }
  const size_t first = out.size();
  int start = 0;
  while (start < num_chars) {
    const auto& table = start == 0 ? initial_ : continuation_;
    const size_t max_bytes = start == 0 ? max_initial_bytes_ : max_continuation_bytes_;
    // No vocabulary entry is longer than max_bytes: skip the ends that cannot match. Same
    // result as trying every end, much less hashing on long words.
    int end = num_chars;
    while (end > start && char_pos[end] - char_pos[start] > max_bytes) --end;
    int32_t found = -1;
    for (; end > start; --end) {
      const auto it = table.find(word.substr(char_pos[start], char_pos[end] - char_pos[start]));
      if (it != table.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      out.resize(first);
      out.push_back({unk_id_, 0, num_chars});
      return;
    }
    out.push_back({found, start, end});
    start = end;
  }
}

}  // namespace attnserve::core
