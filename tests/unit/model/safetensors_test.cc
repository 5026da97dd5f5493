#include "core/model/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "core/model/weights_reader.h"

namespace attnserve::core {
namespace {

using ::testing::HasSubstr;

// u64 little-endian header length + header + data.
std::string Image(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string Floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  size_t i = 0;
  for (float v : values) std::memcpy(&s[4 * i++], &v, 4);
  return s;
}

absl::Status ParseError(const std::string& bytes) {
  auto f = SafetensorsFile::FromBytes(bytes, "m.safetensors");
  EXPECT_FALSE(f.ok());
  return f.status();
}

TEST(SafetensorsTest, ParsesTensorsAndMetadata) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},)"
      R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  auto f = SafetensorsFile::FromBytes(Image(header, Floats({1, 2, 3, 4, 5})), "m.safetensors");
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ((*f)->tensors().size(), 2u);
  EXPECT_EQ((*f)->tensors()[0].name, "a");  // data order
  EXPECT_EQ((*f)->metadata().at("format"), "pt");
  const StTensor* b = (*f)->Find("b");
  ASSERT_NE(b, nullptr);
  float v[2];
  std::memcpy(v, b->data, 8);
  EXPECT_EQ(v[0], 4.0f);
  EXPECT_EQ(v[1], 5.0f);
  EXPECT_EQ((*f)->Find("c"), nullptr);
}

TEST(SafetensorsTest, TruncatedBeforeHeaderLength) {
  const absl::Status s = ParseError(std::string("\x10\x00\x00", 3));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("m.safetensors"));
  EXPECT_THAT(s.message(), HasSubstr("truncated"));
}

TEST(SafetensorsTest, HeaderLengthPastEndOfFile) {
  std::string bytes = Image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", Floats({1}));
  bytes[0] = '\xff';
  bytes[1] = '\xff';
  const absl::Status s = ParseError(bytes);
  EXPECT_THAT(s.message(), HasSubstr("header length 65535 runs past the end of the file"));
}

TEST(SafetensorsTest, HeaderNotJson) {
  EXPECT_THAT(ParseError(Image("{not json", "")).message(), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(Image("[1,2]", "")).message(), HasSubstr("not a JSON object"));
}

TEST(SafetensorsTest, UnknownDtypeNamesTensor) {
  const absl::Status s =
      ParseError(Image(R"({"w":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}})", Floats({1})));
  EXPECT_THAT(s.message(), HasSubstr("tensor 'w': unknown dtype 'F31'"));
}

TEST(SafetensorsTest, OffsetsPastEndOfData) {
  const absl::Status s =
      ParseError(Image(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", Floats({1, 2})));
  EXPECT_THAT(s.message(), HasSubstr("tensor 'w': data_offsets [0, 16] run past the end"));
  EXPECT_THAT(s.message(), HasSubstr("truncated"));
}

TEST(SafetensorsTest, OffsetsEndBeforeBegin) {
  const absl::Status s =
      ParseError(Image(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", Floats({1, 2})));
  EXPECT_THAT(s.message(), HasSubstr("end before they begin"));
}

TEST(SafetensorsTest, ByteCountDisagreesWithShape) {
  const absl::Status s =
      ParseError(Image(R"({"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}})", Floats({1, 2})));
  EXPECT_THAT(s.message(), HasSubstr("tensor 'w': F16 [3] needs 6 bytes"));
}

TEST(SafetensorsTest, OverlappingTensors) {
  const absl::Status s = ParseError(Image(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      Floats({1, 2, 3})));
  EXPECT_THAT(s.message(), HasSubstr("'a' [0, 8) and 'b' [4, 12) overlap"));
}

// The reference library refuses a data section its tensors do not tile exactly; so do we.
TEST(SafetensorsTest, DataTheTensorsDoNotCoverIsCorrupt) {
  EXPECT_THAT(ParseError(Image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                               Floats({1, 2, 3})))
                  .message(),
              HasSubstr("the data section has 12 bytes but its tensors cover 8"));
  EXPECT_THAT(
      ParseError(Image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                       R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                       Floats({1, 2, 3})))
          .message(),
      HasSubstr("bytes [4, 8) of the data section belong to no tensor (tensor 'b' starts at 8)"));
  EXPECT_THAT(ParseError(Image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                               Floats({1, 2})))
                  .message(),
              HasSubstr("bytes [0, 4) of the data section belong to no tensor"));
}

// A header length 3 bytes short (the header's padding spaces cut off) used to load, with every
// weight shifted by 3 bytes, and give NaN embeddings.
TEST(SafetensorsTest, HeaderLengthShortOfItsPaddingIsCorrupt) {
  const std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})" "   ";
  std::string bytes = Image(header, Floats({1, 2}));
  ASSERT_TRUE(SafetensorsFile::FromBytes(bytes, "m.safetensors").ok());
  bytes[0] = static_cast<char>(header.size() - 3);  // the length is < 256: one byte
  const absl::Status s = ParseError(bytes);
  EXPECT_THAT(s.message(), HasSubstr("m.safetensors"));
  EXPECT_THAT(s.message(), HasSubstr("the data section has 11 bytes but its tensors cover 8"));
}

TEST(SafetensorsTest, ZeroSizedTensorsTileToo) {
  auto f = SafetensorsFile::FromBytes(
      Image(R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
            R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
            Floats({1})),
      "m.safetensors");
  EXPECT_TRUE(f.ok()) << f.status();
}

TEST(SafetensorsTest, NegativeOrHugeDimensions) {
  EXPECT_THAT(ParseError(Image(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                               Floats({1})))
                  .message(),
              HasSubstr("not a non-negative integer"));
  EXPECT_THAT(
      ParseError(Image(
          R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}})",
          Floats({1})))
          .message(),
      HasSubstr("too large"));
}

TEST(SafetensorsTest, MalformedEntries) {
  EXPECT_THAT(ParseError(Image(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", Floats({1}))).message(),
              HasSubstr("missing or non-string 'dtype'"));
  EXPECT_THAT(ParseError(Image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", Floats({1})))
                  .message(),
              HasSubstr("'data_offsets' must be an array [begin, end]"));
  EXPECT_THAT(ParseError(Image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}})",
                               Floats({1})))
                  .message(),
              HasSubstr("not non-negative integers"));
}

TEST(SafetensorsTest, OpenMissingFileIsNotFound) {
  auto f = SafetensorsFile::Open("/nonexistent/model.safetensors");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(f.status().message(), HasSubstr("/nonexistent/model.safetensors"));
}

TEST(WeightsReaderTest, ConvertsHalfAndBFloat16Exactly) {
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), 5.9604644775390625e-8f);  // smallest subnormal
  EXPECT_EQ(HalfToFloat(0x03ff), 6.0975551605224609375e-5f);  // largest subnormal
  EXPECT_TRUE(std::isinf(HalfToFloat(0x7c00)));
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7e00)));
  EXPECT_EQ(HalfToFloat(0x8000), -0.0f);
  EXPECT_EQ(BFloat16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(BFloat16ToFloat(0xc0a0), -5.0f);
}

TEST(WeightsReaderTest, ReadsF16AndChecksShape) {
  const std::string data("\x00\x3c\x00\xc0", 4);  // 1.0, -2.0
  auto f = SafetensorsFile::FromBytes(
      Image(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", data), "m.safetensors");
  ASSERT_TRUE(f.ok());
  SafetensorsWeightsReader reader(std::move(*f));
  auto t = reader.Read("w", std::vector<int64_t>{2});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->data()[0], 1.0f);
  EXPECT_EQ(t->data()[1], -2.0f);
  auto bad = reader.Read("w", std::vector<int64_t>{1, 2});
  EXPECT_THAT(bad.status().message(),
              HasSubstr("m.safetensors: tensor 'w' has shape [2], expected [1, 2]"));
  EXPECT_EQ(reader.Read("v", std::vector<int64_t>{2}).status().code(), absl::StatusCode::kNotFound);
}

TEST(WeightsReaderTest, RejectsIntegerWeights) {
  auto f = SafetensorsFile::FromBytes(
      Image(R"({"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", Floats({1})), "m");
  ASSERT_TRUE(f.ok());
  SafetensorsWeightsReader reader(std::move(*f));
  EXPECT_THAT(reader.Read("w", std::vector<int64_t>{1}).status().message(),
              HasSubstr("has dtype I32; only F32, F16 and BF16"));
}

// Found by safetensors_fuzz: an empty F32 tensor was read with memcpy(nullptr, ..., 0) (UBSan).
TEST(WeightsReaderTest, ReadsEmptyTensorsOfEveryFloatDtype) {
  auto f = SafetensorsFile::FromBytes(
      Image(R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},)"
            R"("h":{"dtype":"F16","shape":[0],"data_offsets":[0,0]},)"
            R"("b":{"dtype":"BF16","shape":[2,0],"data_offsets":[0,0]}})",
            ""),
      "m.safetensors");
  ASSERT_TRUE(f.ok()) << f.status();
  SafetensorsWeightsReader reader(std::move(*f));
  for (const auto& [name, shape] : {std::pair<const char*, std::vector<int64_t>>{"e", {0, 3}},
                                    {"h", {0}},
                                    {"b", {2, 0}}}) {
    auto t = reader.Read(name, shape);
    ASSERT_TRUE(t.ok()) << name << ": " << t.status();
    EXPECT_EQ(t->size(), 0) << name;
    EXPECT_EQ(t->shape(), shape) << name;
  }
}

TEST(WeightsReaderTest, KeepsTheStoredDtype) {
  const std::string data = std::string("\x00\x3c\x00\xc0", 4) + std::string("\x80\x3f", 2) +
                           Floats({1.5f}) + Floats({7});
  auto f = SafetensorsFile::FromBytes(
      Image(R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},)"
            R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},)"
            R"("f":{"dtype":"F32","shape":[1],"data_offsets":[6,10]},)"
            R"("i":{"dtype":"I32","shape":[1],"data_offsets":[10,14]}})",
            data),
      "m.safetensors");
  ASSERT_TRUE(f.ok()) << f.status();
  SafetensorsWeightsReader reader(std::move(*f));
  EXPECT_EQ(*reader.StoredDType("h"), DType::kF16);
  EXPECT_EQ(*reader.StoredDType("b"), DType::kBF16);
  EXPECT_EQ(*reader.StoredDType("f"), DType::kF32);
  EXPECT_THAT(reader.StoredDType("i").status().message(), HasSubstr("'i' has dtype I32"));
  EXPECT_EQ(reader.StoredDType("nope").status().code(), absl::StatusCode::kNotFound);
  // Reading still gives float32, whatever was stored.
  auto b = reader.Read("b", std::vector<int64_t>{1});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->data()[0], 1.0f);

  InMemoryWeightsReader mem("mem");
  mem.Add("w", {1}, {2.0f});
  EXPECT_EQ(*mem.StoredDType("w"), DType::kF32);
  EXPECT_EQ(mem.StoredDType("x").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace attnserve::core
