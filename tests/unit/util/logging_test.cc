#include "core/util/logging.h"

#include <cmath>

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

TEST(LoggingTest, FieldsAreLogfmtInTextAndMembersInJson) {
  const LogFields fields = {{"rpc", "Embed"},  {"code", "OK"},      {"inputs", 3},
                            {"total_ms", 1.25}, {"peer", "ipv4:1.2.3.4:5"},
                            {"msg2", "a b=\"c\""}, {"empty", ""}, {"retry", false},
                            {"nan", std::nan("")}};
  EXPECT_EQ(FormatLogLine(LogLevel::kInfo, LogFormat::kText, "call", kMicros, fields),
            "2025-11-25T06:33:15.123Z I call rpc=Embed code=OK inputs=3 total_ms=1.25 "
            "peer=ipv4:1.2.3.4:5 msg2=\"a b=\\\"c\\\"\" empty=\"\" retry=false nan=null\n");
  const auto j = nlohmann::json::parse(
      FormatLogLine(LogLevel::kInfo, LogFormat::kJson, "call", kMicros, fields));
  EXPECT_EQ(j["msg"], "call");
  EXPECT_EQ(j["rpc"], "Embed");
  EXPECT_EQ(j["inputs"], 3);
  EXPECT_DOUBLE_EQ(j["total_ms"].get<double>(), 1.25);
  EXPECT_EQ(j["msg2"], "a b=\"c\"");
  EXPECT_EQ(j["retry"], false);
  EXPECT_TRUE(j["nan"].is_null());
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
