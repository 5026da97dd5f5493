// Errors as data. The facts a caller acts on — which input, what was wrong, which limit — travel
// with an absl::Status as a structured payload (ErrorDetail), so that no caller recognises an
// error by its text and rewording a message breaks nothing.
//
// Request-level errors (too many inputs, the queue) carry one too. Convention: an error about one
// sequence (a text, a list of ids; the kinds up to kLengthMismatch) is worded as a predicate on
// that sequence ("has 600 tokens; the maximum is 512"), so that the layer that knows what the
// sequence is calls it by name: ForSubject("input 3", s) -> "input 3 has 600 tokens; ...". Any
// other error keeps its message and gets "input 3: ...".
#ifndef ATTNSERVE_CORE_UTIL_ERROR_DETAIL_H_
#define ATTNSERVE_CORE_UTIL_ERROR_DETAIL_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

enum class ErrorKind : uint8_t {
  kUnspecified = 0,
  kEmpty,             // no tokens, or empty text
  kTooLong,           // value = its length in tokens, limit = the maximum
  kIdOutOfRange,      // value = the id, position = where, limit = the vocabulary size
  kTypeIdOutOfRange,  // value = the type id, position = where, limit = the type vocabulary size
  kLengthMismatch,    // value = number of type ids, limit = number of ids
  kTooManyInputs,     // value = inputs in the request, limit = the maximum
  kQueueFull,         // value = tokens asked for, limit = the room left in the queue
  kExceedsQueue,      // value = tokens asked for, limit = the whole queue budget: never fits
  kResponseTooLarge,  // value = bytes the response would need, limit = the largest message
};

struct ErrorDetail {
  ErrorKind kind = ErrorKind::kUnspecified;
  int input = -1;         // which input of the request; -1 when not (yet) known or not about one
  int64_t value = 0;      // the offending value (a length, an id, a count)
  int64_t limit = 0;      // the limit it broke
  int64_t position = -1;  // where in the sequence (token position), -1 when not about a position
};

// `status` (not OK) with `detail` attached; replaces a detail already there.
absl::Status WithDetail(absl::Status status, const ErrorDetail& detail);
// The detail attached to `status`, if any.
std::optional<ErrorDetail> GetErrorDetail(const absl::Status& status);

// InvalidArgument about one sequence: `predicate` is worded as a predicate ("has no tokens").
absl::Status SequenceError(const ErrorDetail& detail, absl::string_view predicate);

// True for the kinds that describe one sequence (worded as predicates).
bool IsSequenceKind(ErrorKind kind);

// Names the subject of `status`: "<subject> <predicate>" for a sequence error, else
// "<subject>: <message>". Keeps the code and the detail.
absl::Status ForSubject(absl::string_view subject, const absl::Status& status);
// ForSubject("input N", status), and records N in the detail.
absl::Status ForInput(int index, const absl::Status& status);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_UTIL_ERROR_DETAIL_H_
