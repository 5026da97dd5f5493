// Checks of one sequence against a model's description, done once, before a sequence is queued
// (the request layer, the offline commands). The forward pass trusts what it is given.
#ifndef ATTNSERVE_CORE_MODEL_VALIDATE_H_
#define ATTNSERVE_CORE_MODEL_VALIDATE_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"

#include "core/model/model_spec.h"
#include "core/model/packed_batch.h"

namespace attnserve::core {

// 1 <= length <= spec.max_positions, token ids in [0, vocab_size), type ids (empty = all 0) as
// many as ids and in [0, type_vocab_size). A sequence error (core/util/error_detail.h) worded as
// a predicate: "has token id 7 at position 3 outside the vocabulary [0, 5)".
absl::Status ValidateSequence(const ModelSpec& spec, std::span<const int32_t> ids,
                              std::span<const int32_t> type_ids);

// Every sequence of `batch` (and at least one): errors name it, "sequence 2 has ...".
absl::Status ValidateBatch(const ModelSpec& spec, const PackedBatch& batch);

// The sequence error for `tokens` > `max_length`: "has 600 tokens; the maximum <what> is 512".
// `what` names the limit ("input length"; may be empty).
absl::Status TooLongError(int64_t tokens, int64_t max_length, absl::string_view what);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_VALIDATE_H_
