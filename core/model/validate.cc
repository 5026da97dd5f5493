#include "core/model/validate.h"

#include "absl/strings/str_cat.h"

#include "core/util/error_detail.h"

namespace attnserve::core {

absl::Status TooLongError(int64_t tokens, int64_t max_length, absl::string_view what) {
  return SequenceError(
      {.kind = ErrorKind::kTooLong, .value = tokens, .limit = max_length},
      absl::StrCat("has ", tokens, " tokens; the maximum", what.empty() ? "" : " ", what, " is ",
                   max_length));
}

absl::Status ValidateSequence(const ModelSpec& spec, std::span<const int32_t> ids,
                              std::span<const int32_t> type_ids) {
  if (ids.empty()) return SequenceError({.kind = ErrorKind::kEmpty}, "has no tokens");
  const auto n = static_cast<int64_t>(ids.size());
  if (n > spec.max_positions) {
    return SequenceError({.kind = ErrorKind::kTooLong, .value = n, .limit = spec.max_positions},
                         absl::StrCat("has ", n, " tokens; the model accepts at most ",
                                      spec.max_positions, " (max_position_embeddings)"));
  }
  if (!type_ids.empty() && type_ids.size() != ids.size()) {
    return SequenceError({.kind = ErrorKind::kLengthMismatch,
                          .value = static_cast<int64_t>(type_ids.size()),
                          .limit = n},
                         absl::StrCat("has ", type_ids.size(), " type ids for ", n, " token ids"));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= spec.vocab_size) {
      return SequenceError({.kind = ErrorKind::kIdOutOfRange,
                            .value = ids[i],
                            .limit = spec.vocab_size,
                            .position = static_cast<int64_t>(i)},
                           absl::StrCat("has token id ", ids[i], " at position ", i,
                                        " outside the vocabulary [0, ", spec.vocab_size, ")"));
    }
  }
  for (size_t i = 0; i < type_ids.size(); ++i) {
    if (type_ids[i] < 0 || type_ids[i] >= spec.type_vocab_size) {
      return SequenceError(
          {.kind = ErrorKind::kTypeIdOutOfRange,
           .value = type_ids[i],
           .limit = spec.type_vocab_size,
           .position = static_cast<int64_t>(i)},
          spec.type_vocab_size == 1
              ? absl::StrCat("has type id ", type_ids[i], " at position ", i,
                             "; the model has no token types (type ids must "
                             "be 0 or omitted)")
              : absl::StrCat("has type id ", type_ids[i], " at position ", i, " outside [0, ",
                             spec.type_vocab_size, ") (type_vocab_size)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBatch(const ModelSpec& spec, const PackedBatch& batch) {
  if (batch.num_sequences() == 0) return absl::InvalidArgumentError("the batch is empty");
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const auto b = static_cast<size_t>(batch.begin(s));
    const auto len = static_cast<size_t>(batch.length(s));
    if (absl::Status st = ValidateSequence(spec, batch.ids().subspan(b, len),
                                           batch.type_ids().subspan(b, len));
        !st.ok()) {
      return ForSubject(absl::StrCat("sequence ", s), st);
    }
  }
  return absl::OkStatus();
}

}  // namespace attnserve::core
