#include "core/util/error_detail.h"

#include <cstring>
#include <string>

#include "absl/strings/cord.h"
#include "absl/types/optional.h"
#include "absl/strings/str_cat.h"

namespace attnserve::core {
namespace {

// The payload's type URL; the value is the struct's bytes (it never leaves the process).
constexpr absl::string_view kDetailUrl = "type.attnserve/core.ErrorDetail";

}  // namespace

absl::Status WithDetail(absl::Status status, const ErrorDetail& detail) {
  if (status.ok()) return status;
  std::string bytes(sizeof(ErrorDetail), '\0');
  std::memcpy(bytes.data(), &detail, sizeof(ErrorDetail));
  status.SetPayload(kDetailUrl, absl::Cord(std::move(bytes)));
  return status;
}

std::optional<ErrorDetail> GetErrorDetail(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kDetailUrl);
  if (!payload.has_value() || payload->size() != sizeof(ErrorDetail)) return std::nullopt;
  const std::string bytes(*payload);
  ErrorDetail detail;
  std::memcpy(&detail, bytes.data(), sizeof(ErrorDetail));
  return detail;
}

bool IsSequenceKind(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnspecified:
    case ErrorKind::kEmpty:
    case ErrorKind::kTooLong:
    case ErrorKind::kIdOutOfRange:
    case ErrorKind::kTypeIdOutOfRange:
    case ErrorKind::kLengthMismatch:
      return true;
    case ErrorKind::kTooManyInputs:
    case ErrorKind::kQueueFull:
    case ErrorKind::kExceedsQueue:
    case ErrorKind::kResponseTooLarge:
      return false;
  }
  return false;
}

absl::Status SequenceError(const ErrorDetail& detail, absl::string_view predicate) {
  return WithDetail(absl::InvalidArgumentError(predicate), detail);
}

absl::Status ForSubject(absl::string_view subject, const absl::Status& status) {
  if (status.ok()) return status;
  const std::optional<ErrorDetail> detail = GetErrorDetail(status);
  const bool predicate = detail.has_value() && IsSequenceKind(detail->kind);
  absl::Status out(status.code(),
                   absl::StrCat(subject, predicate ? " " : ": ", status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

absl::Status ForInput(int index, const absl::Status& status) {
  absl::Status out = ForSubject(absl::StrCat("input ", index), status);
  if (std::optional<ErrorDetail> detail = GetErrorDetail(out); detail.has_value()) {
    detail->input = index;
    out = WithDetail(std::move(out), *detail);
  }
  return out;
}

}  // namespace attnserve::core
