#include "core/util/error_detail.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/model/validate.h"

namespace attnserve::core {
namespace {

TEST(ErrorDetailTest, TravelsWithTheStatusAndSurvivesRelabelling) {
  const absl::Status s = TooLongError(600, 512, "input length");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "has 600 tokens; the maximum input length is 512");
  auto d = GetErrorDetail(s);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, ErrorKind::kTooLong);
  EXPECT_EQ(d->value, 600);
  EXPECT_EQ(d->limit, 512);
  EXPECT_EQ(d->input, -1);

  const absl::Status in = ForInput(3, s);
  EXPECT_EQ(in.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(in.message(), "input 3 has 600 tokens; the maximum input length is 512");
  d = GetErrorDetail(in);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, ErrorKind::kTooLong);
  EXPECT_EQ(d->input, 3);
  EXPECT_EQ(d->limit, 512);
}

TEST(ErrorDetailTest, ErrorsWithoutDetailKeepTheirWordingAfterAColon) {
  const absl::Status s = absl::InvalidArgumentError("text: invalid UTF-8 at byte 2");
  EXPECT_FALSE(GetErrorDetail(s).has_value());
  const absl::Status in = ForInput(1, s);
  EXPECT_EQ(in.message(), "input 1: text: invalid UTF-8 at byte 2");
  EXPECT_FALSE(GetErrorDetail(in).has_value());
  EXPECT_TRUE(ForInput(0, absl::OkStatus()).ok());
  EXPECT_FALSE(GetErrorDetail(WithDetail(absl::OkStatus(), {.kind = ErrorKind::kEmpty})));
}

TEST(ErrorDetailTest, ValidateSequenceSaysWhatAndWhere) {
  ModelSpec spec;
  spec.max_positions = 8;
  spec.vocab_size = 10;
  spec.type_vocab_size = 2;
  const std::vector<int32_t> ids = {1, 2, 12, 3};
  auto d = GetErrorDetail(ValidateSequence(spec, ids, {}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, ErrorKind::kIdOutOfRange);
  EXPECT_EQ(d->value, 12);
  EXPECT_EQ(d->position, 2);
  EXPECT_EQ(d->limit, 10);
  const std::vector<int32_t> types = {0, 0, 0, 5};
  const std::vector<int32_t> ok_ids = {1, 2, 3, 4};
  d = GetErrorDetail(ValidateSequence(spec, ok_ids, types));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, ErrorKind::kTypeIdOutOfRange);
  EXPECT_EQ(d->position, 3);
  d = GetErrorDetail(ValidateSequence(spec, std::vector<int32_t>(9, 1), {}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, ErrorKind::kTooLong);
  EXPECT_EQ(d->limit, 8);
  d = GetErrorDetail(ValidateSequence(spec, {}, {}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->kind, ErrorKind::kEmpty);
  EXPECT_TRUE(ValidateSequence(spec, ok_ids, {}).ok());
}

}  // namespace
}  // namespace attnserve::core
