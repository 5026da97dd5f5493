// ATTN_CHECK: a broken invariant is a bug, not a Status. It logs where and aborts.
#ifndef ATTNSERVE_CORE_UTIL_CHECK_H_
#define ATTNSERVE_CORE_UTIL_CHECK_H_

#include <string>

#include "absl/status/status.h"

namespace attnserve::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message);
}  // namespace attnserve::internal

#define ATTN_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) ::attnserve::internal::CheckFailed(__FILE__, __LINE__, #cond, ""); \
  } while (false)

#define ATTN_CHECK_MSG(cond, msg)                                                    \
  do {                                                                               \
    if (!(cond)) ::attnserve::internal::CheckFailed(__FILE__, __LINE__, #cond, msg); \
  } while (false)

// ATTN_DCHECK_OK(expr): in debug builds (no NDEBUG: the debug and sanitizer presets), aborts
// with the status' message when `expr` (an absl::Status) is not OK; in release builds `expr` is
// not evaluated. For preconditions that are costly to check on a hot path.
#ifdef NDEBUG
#define ATTN_DCHECK_OK(expr) \
  do {                       \
  } while (false)
#else
#define ATTN_DCHECK_OK(expr)                                                          \
  do {                                                                                \
    const ::absl::Status attn_dcheck_status_ = (expr);                                \
    if (!attn_dcheck_status_.ok()) {                                                  \
      ::attnserve::internal::CheckFailed(__FILE__, __LINE__, #expr,                   \
                                         std::string(attn_dcheck_status_.message()).c_str()); \
    }                                                                                 \
  } while (false)
#endif

#endif  // ATTNSERVE_CORE_UTIL_CHECK_H_
