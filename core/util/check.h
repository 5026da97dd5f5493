// ATTN_CHECK: a broken invariant is a bug, not a Status. It logs where and aborts.
#ifndef ATTNSERVE_CORE_UTIL_CHECK_H_
#define ATTNSERVE_CORE_UTIL_CHECK_H_

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

#endif  // ATTNSERVE_CORE_UTIL_CHECK_H_
