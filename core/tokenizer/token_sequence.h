// TokenSequence: the tokens of one input (text or text_pair) before the post-processor adds the
// special tokens, and the truncation shared by every pipeline.
#ifndef ATTNSERVE_CORE_TOKENIZER_TOKEN_SEQUENCE_H_
#define ATTNSERVE_CORE_TOKENIZER_TOKEN_SEQUENCE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "core/tokenizer/encoding.h"

namespace attnserve::core {

// Parallel arrays, one entry per token; `tokens` is empty unless the caller asked for them.
// Offsets are bytes [start, end) of the input the sequence came from. A plain value.
struct TokenSequence {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  std::vector<uint32_t> starts;
  std::vector<uint32_t> ends;

  size_t size() const { return ids.size(); }
  void Append(int32_t id, uint32_t start, uint32_t end) {
    ids.push_back(id);
    starts.push_back(start);
    ends.push_back(end);
  }
  // Keeps n tokens: the first n (kRight) or the last n (kLeft).
  void Truncate(size_t n, TruncationDirection direction);
};

// Cuts `a` (and `b` when not null) to `budget` tokens in all, as Hugging Face's LongestFirst
// strategy: the shorter input keeps its length when it can, the longer one gets the rest; when
// both must be cut, the first gets budget/2 (the longer one the extra token of an odd budget).
void TruncateLongestFirst(TokenSequence& a, TokenSequence* b, size_t budget,
                          TruncationDirection direction);

// Cuts `a` and `b` (when not null) to `budget` tokens in all by `strategy`, as Hugging Face's
// truncate_encodings. OnlyFirst / OnlySecond cut only that input, and fail as Hugging Face does
// (InvalidArgument; the message says why and is meant to follow "has N tokens; the maximum is M")
// when it is missing or too short to lose enough tokens and keep at least one.
absl::Status Truncate(TokenSequence& a, TokenSequence* b, size_t budget,
                      TruncationStrategy strategy, TruncationDirection direction);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_TOKEN_SEQUENCE_H_
