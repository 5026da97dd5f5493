#include "core/tokenizer/token_sequence.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace attnserve::core {

void TokenSequence::Truncate(size_t n, TruncationDirection direction) {
  if (ids.size() <= n) return;
  const size_t drop = ids.size() - n;
  auto cut = [&](auto& v) {
    if (v.empty()) return;
    if (direction == TruncationDirection::kRight) {
      v.resize(n);
    } else {
      v.erase(v.begin(), v.begin() + static_cast<ptrdiff_t>(drop));
    }
  };
  cut(ids);
  cut(tokens);
  cut(starts);
  cut(ends);
}

void TruncateLongestFirst(TokenSequence& a, TokenSequence* b, size_t budget,
                          TruncationDirection direction) {
  if (b == nullptr) {
    a.Truncate(budget, direction);
    return;
  }
  size_t n1 = a.size(), n2 = b->size();
  const bool swap = n1 > n2;
  if (swap) std::swap(n1, n2);
  n2 = n1 > budget ? n1 : std::max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = budget / 2;
    n2 = n1 + budget % 2;
  }
  if (swap) std::swap(n1, n2);
  a.Truncate(n1, direction);
  b->Truncate(n2, direction);
}

absl::Status Truncate(TokenSequence& a, TokenSequence* b, size_t budget,
                      TruncationStrategy strategy, TruncationDirection direction) {
  // No room at all: every strategy empties both inputs (Hugging Face's max_length 0 case).
  if (strategy == TruncationStrategy::kLongestFirst || budget == 0) {
    TruncateLongestFirst(a, b, budget, direction);
    return absl::OkStatus();
  }
  const size_t total = a.size() + (b != nullptr ? b->size() : 0);
  if (total <= budget) return absl::OkStatus();
  const bool first = strategy == TruncationStrategy::kOnlyFirst;
  const char* which = first ? "first" : "second";
  TokenSequence* target = first ? &a : b;
  if (target == nullptr) {
    return absl::InvalidArgumentError(
        "and the tokenizer truncates only the second input of a pair (OnlySecond), which this "
        "input does not have");
  }
  const size_t remove = total - budget;
  if (target->size() <= remove) {
    return absl::InvalidArgumentError(absl::StrCat(
        "and the tokenizer truncates only the ", which, " input (Only", first ? "First" : "Second",
        "), whose ", target->size(), " tokens cannot lose ", remove, " and keep one"));
  }
  target->Truncate(target->size() - remove, direction);
  return absl::OkStatus();
}

}  // namespace attnserve::core
