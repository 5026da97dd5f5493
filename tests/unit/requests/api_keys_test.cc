#include "server/requests/api_keys.h"

#include <gtest/gtest.h>

namespace attnserve {
namespace {

TEST(ApiKeysTest, NoKeysAdmitsEveryone) {
  ApiKeys keys;
  EXPECT_FALSE(keys.required());
  EXPECT_TRUE(keys.Check(absl::nullopt).ok());
  EXPECT_TRUE(keys.Check("Bearer anything").ok());
}

TEST(ApiKeysTest, OnlyBearerOfAnAcceptedKeyPasses) {
  ApiKeys keys({"k-one", "k-two"});
  EXPECT_TRUE(keys.required());
  EXPECT_TRUE(keys.Check("Bearer k-one").ok());
  EXPECT_TRUE(keys.Check("Bearer k-two").ok());
  EXPECT_EQ(keys.Check("Bearer k-on").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Check("Bearer k-one ").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Check("k-one").code(), absl::StatusCode::kUnauthenticated);  // no scheme
  EXPECT_EQ(keys.Check("Basic k-one").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Check(absl::nullopt).message(),
            "missing 'authorization: Bearer <API key>' metadata");
  EXPECT_EQ(keys.Check("Bearer nope").message(), "invalid API key");  // names no key
}

TEST(ApiKeysTest, SetReplacesTheKeysAtOnce) {
  ApiKeys keys({"old"});
  keys.Set({"new-1", "new-2"});
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.Check("Bearer old").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(keys.Check("Bearer new-2").ok());
  keys.Set({});
  EXPECT_TRUE(keys.Check(absl::nullopt).ok());
}

}  // namespace
}  // namespace attnserve
