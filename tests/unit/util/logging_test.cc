#include "core/util/logging.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace attnserve {
namespace {

using ::testing::MatchesRegex;

constexpr long long kMicros = 1764052395123456LL;  // 2025-11-25T06:33:15.123456Z

TEST(LoggingTest, TextLineHasUtcTimeLevelAndMessage) {
  EXPECT_EQ(FormatLogLine(LogLevel::kWarning, LogFormat::kText, "disk full", kMicros),
            "2025-11-25T06:33:15.123Z W disk full\n");
}

TEST(LoggingTest, JsonLineIsOneParseableObject) {
  const std::string line =
      FormatLogLine(LogLevel::kError, LogFormat::kJson, "bad \"quote\"\n\x01", kMicros);
  ASSERT_THAT(line, MatchesRegex("\\{.*\\}\n"));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["ts"], "2025-11-25T06:33:15.123Z");
  EXPECT_EQ(j["msg"], "bad \"quote\"\n\x01");
}

TEST(LoggingTest, ParsesLevels) {
  LogLevel level = LogLevel::kInfo;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("error", &level));
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose", &level));
}

}  // namespace
}  // namespace attnserve
