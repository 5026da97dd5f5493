#include "core/util/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

#include "core/util/check.h"

namespace attnserve {
namespace {

std::atomic<LogLevel> g_min_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

void AppendJsonEscaped(absl::string_view s, std::string* out) {
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(level, std::memory_order_relaxed); }
LogLevel MinLogLevel() { return g_min_level.load(std::memory_order_relaxed); }
void SetLogFormat(LogFormat format) { g_format.store(format, std::memory_order_relaxed); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

std::string FormatLogLine(LogLevel level, LogFormat format, absl::string_view message,
                          long long unix_micros) {
  std::time_t secs = static_cast<std::time_t>(unix_micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::string ts = absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                                   static_cast<int>((unix_micros % 1000000) / 1000));
  std::string line;
  if (format == LogFormat::kJson) {
    line = absl::StrFormat(R"({"ts":"%s","level":"%s","msg":")", ts, LevelName(level));
    AppendJsonEscaped(message, &line);
    line.append("\"}\n");
  } else {
    line = absl::StrFormat("%s %c ", ts, LevelName(level)[0] - 'a' + 'A');
    line.append(message.data(), message.size());
    line.push_back('\n');
  }
  return line;
}

namespace internal {

LogMessage::~LogMessage() {
  const long long micros = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::string line =
      FormatLogLine(level_, g_format.load(std::memory_order_relaxed), stream_.str(), micros);
  // One fwrite per line: stdio locks the stream, so concurrent lines do not interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message) {
  std::fprintf(stderr, "%s:%d: check failed: %s %s\n", file, line, condition, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace internal
}  // namespace attnserve
