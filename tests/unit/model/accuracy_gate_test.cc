// The int8 accuracy gate at load: a model that quantizes well passes and reports its figures; a
// model built to fail it (weights with injected outliers) is refused with the figures in the
// message, unless told to proceed.
#include "core/model/accuracy_gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/model/model_loader.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixtures = fs::path(ATTNSERVE_TESTDATA_DIR) / "encoder";

TEST(AccuracyGateTest, DemoInInt8PassesAndReportsTheFigures) {
  auto m = LoadModel("demo", LoadOptions{DType::kInt8});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->spec().compute_dtype, DType::kInt8);
  ASSERT_TRUE(m->accuracy.has_value());
  const AccuracyReport& a = *m->accuracy;
  EXPECT_TRUE(a.passed);
  EXPECT_EQ(a.dtype, DType::kInt8);
  EXPECT_GE(a.num_inputs, 200);
  EXPECT_THAT(a.calibration, HasSubstr("built-in sentences"));  // the demo has a tokenizer
  EXPECT_GE(a.min_cosine, 0.98);
  EXPECT_LT(a.min_cosine, 1.0);  // int8 is not exact: the comparison really ran
  EXPECT_GE(a.mean_cosine, a.min_cosine);
  EXPECT_DOUBLE_EQ(a.threshold, 0.98);
}

TEST(AccuracyGateTest, Fp32HasNoGate) {
  auto m = LoadModel("demo");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->spec().compute_dtype, DType::kF32);
  EXPECT_FALSE(m->accuracy.has_value());
}

TEST(AccuracyGateTest, IdSequencesWithoutATokenizerAreVariedAndValid) {
  ModelSpec spec;
  spec.vocab_size = 300;
  spec.defaults.max_seq_length = 40;
  std::string description;
  auto inputs = CalibrationInputs(spec, nullptr, &description);
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_EQ(description, "256 built-in id sequences");
  size_t shortest = 1000, longest = 0;
  for (const auto& ids : *inputs) {
    shortest = std::min(shortest, ids.size());
    longest = std::max(longest, ids.size());
    for (const int32_t id : ids) ASSERT_TRUE(id >= 0 && id < 300) << id;
  }
  EXPECT_LE(shortest, 4u);
  EXPECT_EQ(longest, 40u);
}

// A copy of a fixture model whose safetensors gets outliers: every dense weight matrix has a
// column 0 a hundred times its largest value, and every LayerNorm has gamma[0] = beta[0] = 0, so
// the hidden state feeding Q, K, V and the FFN is exactly 0 in channel 0. In fp32 the outliers
// then change nothing there; per-channel s8 weights lose every other weight of the row to 0.
class OutlierModel {
 public:
  OutlierModel() {
    dir_ = fs::path(::testing::TempDir()) / "attnserve_int8_outliers";
    fs::remove_all(dir_);
    fs::copy(kFixtures / "h96_heads3", dir_, fs::copy_options::recursive);
    fs::remove(dir_ / "expected.safetensors");
    const fs::path path = dir_ / "model.safetensors";
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      bytes = s.str();
    }
    uint64_t header_len = 0;
    std::memcpy(&header_len, bytes.data(), sizeof(header_len));
    const auto header = nlohmann::json::parse(bytes.substr(8, header_len));
    char* data = bytes.data() + 8 + header_len;
    for (const auto& [name, t] : header.items()) {
      if (name == "__metadata__" || t["dtype"] != "F32") continue;
      float* v = reinterpret_cast<float*>(data + t["data_offsets"][0].get<size_t>());
      const auto& shape = t["shape"];
      if (name.find("LayerNorm") != std::string::npos) {
        v[0] = 0.0f;  // gamma[0] and beta[0]
      } else if (shape.size() == 2 && name.rfind("encoder.", 0) == 0) {
        const size_t rows = shape[0], cols = shape[1];
        float max_abs = 0.0f;
        for (size_t i = 0; i < rows * cols; ++i) max_abs = std::max(max_abs, std::fabs(v[i]));
        for (size_t r = 0; r < rows; ++r) v[r * cols] = 100.0f * max_abs;
      }
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  ~OutlierModel() { fs::remove_all(dir_); }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
};

TEST(AccuracyGateTest, ModelWithOutliersIsRefusedWithTheFigures) {
  OutlierModel model;
  ASSERT_TRUE(LoadModel(model.dir()).ok()) << "fp32 serves it";
  const absl::Status s = LoadModel(model.dir(), LoadOptions{DType::kInt8}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(s.message(), HasSubstr("int8 accuracy gate failed"));
  EXPECT_THAT(s.message(), HasSubstr("min cosine"));
  EXPECT_THAT(s.message(), HasSubstr("256 built-in id sequences"));
  EXPECT_THAT(s.message(), HasSubstr("--ignore-accuracy-gate"));
}

TEST(AccuracyGateTest, ProceedingAnywayReportsTheFailure) {
  OutlierModel model;
  LoadOptions options{DType::kInt8};
  options.enforce_accuracy_gate = false;
  auto m = LoadModel(model.dir(), options);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(m->accuracy.has_value());
  EXPECT_FALSE(m->accuracy->passed);
  EXPECT_LT(m->accuracy->min_cosine, 0.98);
}

TEST(AccuracyGateTest, ThresholdIsTheCallers) {
  LoadOptions options{DType::kInt8};
  options.min_cosine = 1.0;  // int8 is never exact: refused
  const absl::Status s = LoadModel("demo", options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  options.min_cosine = 1.5;
  EXPECT_EQ(LoadModel("demo", options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace attnserve::core
