#include "core/util/logging.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "absl/strings/str_cat.h"
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

namespace {

// A field's value as JSON (a string, a number, true/false; a non-finite number is null).
void AppendJsonValue(const LogField::Value& value, std::string* out) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    out->push_back('"');
    AppendJsonEscaped(*s, out);
    out->push_back('"');
  } else if (const auto* i = std::get_if<int64_t>(&value)) {
    absl::StrAppend(out, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    if (std::isfinite(*d)) {
      absl::StrAppendFormat(out, "%.6g", *d);
    } else {
      out->append("null");
    }
  } else {
    out->append(std::get<bool>(value) ? "true" : "false");
  }
}

// logfmt: bare when the value has no space, quote, '=' or control character, else quoted.
void AppendLogfmtValue(const LogField::Value& value, std::string* out) {
  const auto* s = std::get_if<std::string>(&value);
  if (s == nullptr) {
    AppendJsonValue(value, out);
    return;
  }
  const bool bare = !s->empty() && std::none_of(s->begin(), s->end(), [](unsigned char c) {
    return c <= ' ' || c == '"' || c == '=' || c == 0x7f;
  });
  if (bare) {
    out->append(*s);
  } else {
    out->push_back('"');
    AppendJsonEscaped(*s, out);
    out->push_back('"');
  }
}

}  // namespace

std::string FormatLogLine(LogLevel level, LogFormat format, absl::string_view message,
                          long long unix_micros, const LogFields& fields) {
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
    line.push_back('"');
    for (const LogField& f : fields) {
      line.append(",\"");
      AppendJsonEscaped(f.key, &line);
      line.append("\":");
      AppendJsonValue(f.value, &line);
    }
    line.append("}\n");
  } else {
    line = absl::StrFormat("%s %c ", ts, LevelName(level)[0] - 'a' + 'A');
    line.append(message.data(), message.size());
    for (const LogField& f : fields) {
      line.push_back(' ');
      line.append(f.key);
      line.push_back('=');
      AppendLogfmtValue(f.value, &line);
    }
    line.push_back('\n');
  }
  return line;
}

namespace {

long long NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void WriteLine(const std::string& line) {
  // One fwrite per line: stdio locks the stream, so concurrent lines do not interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void LogWithFields(LogLevel level, absl::string_view message, const LogFields& fields) {
  if (level < MinLogLevel()) return;
  WriteLine(FormatLogLine(level, g_format.load(std::memory_order_relaxed), message, NowMicros(),
                          fields));
}

namespace internal {

LogMessage::~LogMessage() {
  WriteLine(FormatLogLine(level_, g_format.load(std::memory_order_relaxed), stream_.str(),
                          NowMicros()));
}

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const char* message) {
  std::fprintf(stderr, "%s:%d: check failed: %s %s\n", file, line, condition, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace internal
}  // namespace attnserve
