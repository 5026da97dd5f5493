// Minimal leveled logging (absl/log does not exist in Abseil 20220623).
//
//   ATTN_LOG(INFO) << "loaded " << n << " tensors";
//
// Each statement writes exactly one line to stderr, with UTC time and level, either as text
// ("2026-11-25T06:33:15.123Z I loaded 5 tensors") or as one JSON object per line
// ({"ts":"...","level":"info","msg":"loaded 5 tensors"}). Thread-safe: lines never interleave.
// Never log while holding a lock of your own.
#ifndef ATTNSERVE_CORE_UTIL_LOGGING_H_
#define ATTNSERVE_CORE_UTIL_LOGGING_H_

#include <sstream>
#include <string>

#include "absl/strings/string_view.h"

namespace attnserve {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// Process-wide settings; call before starting threads that log.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
void SetLogFormat(LogFormat format);
// Parses "debug" | "info" | "warning" | "error"; returns false on anything else.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// Writes one finished line; exposed for tests.
std::string FormatLogLine(LogLevel level, LogFormat format, absl::string_view message,
                          long long unix_micros);

namespace internal {
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

// Lets `ATTN_LOG(x) << ...` compile to nothing when the level is disabled.
struct LogVoidify {
  void operator&(std::ostream&) {}
};
}  // namespace internal
}  // namespace attnserve

#define ATTN_LOG_LEVEL_DEBUG ::attnserve::LogLevel::kDebug
#define ATTN_LOG_LEVEL_INFO ::attnserve::LogLevel::kInfo
#define ATTN_LOG_LEVEL_WARNING ::attnserve::LogLevel::kWarning
#define ATTN_LOG_LEVEL_ERROR ::attnserve::LogLevel::kError

#define ATTN_LOG(severity)                                 \
  (ATTN_LOG_LEVEL_##severity < ::attnserve::MinLogLevel()) \
      ? (void)0                                            \
      : ::attnserve::internal::LogVoidify() &              \
            ::attnserve::internal::LogMessage(ATTN_LOG_LEVEL_##severity).stream()

#endif  // ATTNSERVE_CORE_UTIL_LOGGING_H_
