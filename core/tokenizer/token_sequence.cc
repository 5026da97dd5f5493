#include "core/tokenizer/token_sequence.h"

#include <algorithm>
#include <utility>

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

}  // namespace attnserve::core
