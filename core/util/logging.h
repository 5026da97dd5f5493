// Minimal leveled logging (absl/log does not exist in Abseil 20220623).
//
//   ATTN_LOG(INFO) << "loaded " << n << " tensors";
//
// Each statement writes exactly one line to stderr, with UTC time and level, either as text
// ("2026-11-25T06:33:15.123Z I loaded 5 tensors") or as one JSON object per line
// ({"ts":"...","level":"info","msg":"loaded 5 tensors"}). Thread-safe: lines never interleave.
// Never log while holding a lock of your own.
//
// Lines may carry structured fields (the access log, the banner, the drain):
//
//   LogWithFields(LogLevel::kInfo, "call", {{"rpc", "Embed"}, {"code", "OK"}, {"ms", 3.2}});
//
// text: `... I call rpc=Embed code=OK ms=3.2` (logfmt: values with spaces, quotes or '=' are
// quoted); JSON: `{"ts":...,"level":"info","msg":"call","rpc":"Embed","code":"OK","ms":3.2}`.
#ifndef ATTNSERVE_CORE_UTIL_LOGGING_H_
#define ATTNSERVE_CORE_UTIL_LOGGING_H_

#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

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

// One structured field of a line: a string, an integer, a real number or a boolean.
struct LogField {
  using Value = std::variant<std::string, int64_t, double, bool>;
  LogField(std::string k, absl::string_view v) : key(std::move(k)), value(std::string(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>,
                                         int> = 0>
  LogField(std::string k, T v) : key(std::move(k)), value(static_cast<int64_t>(v)) {}
  LogField(std::string k, double v) : key(std::move(k)), value(v) {}
  LogField(std::string k, bool v) : key(std::move(k)), value(v) {}

  std::string key;
  Value value;
};
using LogFields = std::vector<LogField>;

// Writes one line with fields, when `level` is enabled.
void LogWithFields(LogLevel level, absl::string_view message, const LogFields& fields);

// Writes one finished line; exposed for tests.
std::string FormatLogLine(LogLevel level, LogFormat format, absl::string_view message,
                          long long unix_micros, const LogFields& fields = {});

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
