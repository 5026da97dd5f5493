#include "core/model/model_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "core/model/bert/demo_model.h"
#include "core/util/file.h"

namespace attnserve::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixtures = fs::path(ATTNSERVE_TESTDATA_DIR) / "encoder";

// A private copy of a fixture model directory, to damage.
class ModelDirCopy {
 public:
  explicit ModelDirCopy(const std::string& fixture) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("attnserve_") + info->name());
    fs::remove_all(dir_);
    fs::copy(kFixtures / fixture, dir_, fs::copy_options::recursive);
    fs::remove(dir_ / "expected.safetensors");
  }
  ~ModelDirCopy() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }
  void Write(const std::string& file, const std::string& text) const {
    std::ofstream(dir_ / file, std::ios::binary | std::ios::trunc) << text;
  }

 private:
  fs::path dir_;
};

TEST(ModelLoaderTest, LoadsDemo) {
  auto m = LoadModel("demo");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name, "demo");
  EXPECT_EQ(m->spec().vocab_size, static_cast<int>(DemoVocabulary().size()));
  EXPECT_EQ(m->spec().defaults.pooling, Pooling::kMean);
  EXPECT_TRUE(m->spec().defaults.normalize);
}

TEST(ModelLoaderTest, PlainHuggingFaceDirectoryDefaultsToMeanPoolingWithoutNormalize) {
  auto m = LoadModel((kFixtures / "h96_heads3").string());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name, "h96_heads3");
  EXPECT_EQ(m->spec().weights_dtype, "fp32");
  EXPECT_EQ(m->spec().defaults.pooling, Pooling::kMean);
  EXPECT_FALSE(m->spec().defaults.normalize);
  EXPECT_EQ(m->spec().defaults.max_seq_length, 40);
}

TEST(ModelLoaderTest, SentenceTransformersFilesGiveDefaults) {
  auto m = LoadModel((kFixtures / "h64_heads4_f16").string());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->spec().weights_dtype, "fp16");
  EXPECT_EQ(m->spec().defaults.pooling, Pooling::kCls);
  EXPECT_TRUE(m->spec().defaults.normalize);
  EXPECT_EQ(m->spec().defaults.max_seq_length, 48);
  auto b = LoadModel((kFixtures / "h128_heads8_bf16").string());
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->spec().weights_dtype, "bf16");
  EXPECT_EQ(b->spec().defaults.pooling, Pooling::kMax);
  EXPECT_FALSE(b->spec().defaults.normalize);
  EXPECT_EQ(b->spec().defaults.max_seq_length, 128);  // 512 in the file, capped by the positions
}

TEST(ModelLoaderTest, MissingDirectoryAndFiles) {
  EXPECT_THAT(LoadModel("/nonexistent/model").status().message(),
              HasSubstr("model directory '/nonexistent/model' does not exist"));
  ModelDirCopy copy("h96_heads3");
  fs::remove(copy.dir() / "model.safetensors");
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("model.safetensors does not exist"));
  fs::remove(copy.dir() / "config.json");
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("config.json: cannot open"));
}

TEST(ModelLoaderTest, TruncatedWeightsFileNamesFileAndTensor) {
  ModelDirCopy copy("h96_heads3");
  const fs::path w = copy.dir() / "model.safetensors";
  fs::resize_file(w, fs::file_size(w) - 100);
  const absl::Status s = LoadModel(copy.dir().string()).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(w.string()));
  EXPECT_THAT(s.message(), HasSubstr("run past the end of the data section"));
  EXPECT_THAT(s.message(), HasSubstr("tensor '"));
}

TEST(ModelLoaderTest, HeaderLengthPastEndOfFile) {
  ModelDirCopy copy("h96_heads3");
  copy.Write("model.safetensors", std::string("\x00\x00\x00\x00\x00\x00\x01\x00{}", 10));
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("runs past the end of the file"));
  copy.Write("model.safetensors", "");
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(), HasSubstr("truncated"));
}

TEST(ModelLoaderTest, ConfigThatDisagreesWithWeights) {
  ModelDirCopy copy("h96_heads3");
  auto text = ReadFileToString(copy.dir() / "config.json");
  ASSERT_TRUE(text.ok());
  std::string config = *text;
  config.replace(config.find("\"intermediate_size\": 200"), 24, "\"intermediate_size\": 256");
  copy.Write("config.json", config);
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("tensor 'encoder.layer.0.intermediate.dense.weight' has shape [200, 96], "
                        "expected [256, 96]"));
  config = *text;
  config.replace(config.find("\"num_attention_heads\": 3"), 24, "\"num_attention_heads\": 5");
  copy.Write("config.json", config);
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("num_attention_heads (5) does not divide hidden_size (96)"));
}

TEST(ModelLoaderTest, UnsupportedSentenceTransformersModulesAreErrors) {
  ModelDirCopy copy("h64_heads4_f16");
  copy.Write("modules.json",
             R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
                 {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
                 {"idx":2,"name":"2","path":"2_Asym","type":"sentence_transformers.models.Asym"}])");
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("module type 'sentence_transformers.models.Asym' is not supported"));
  // A Dense module listed without its directory: the file it needs is named.
  copy.Write("modules.json",
             R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
                 {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
                 {"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"}])");
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("2_Dense/config.json"));
  copy.Write("modules.json", "[]");
  copy.Write("1_Pooling/config.json",
             R"({"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true})");
  EXPECT_THAT(LoadModel(copy.dir().string()).status().message(),
              HasSubstr("several pooling modes at once"));
}

// The seam the fuzz target uses: the same files given as strings give the same defaults and
// errors (naming the same paths) as the directory.
TEST(ModelLoaderTest, EmbeddingDefaultsFromStrings) {
  const fs::path dir = "/models/m";
  std::map<fs::path, std::string> files = {
      {dir / "modules.json",
       R"([{"path":"","type":"sentence_transformers.models.Transformer"},
           {"path":"pool","type":"sentence_transformers.models.Pooling"},
           {"path":"2_Normalize","type":"sentence_transformers.models.Normalize"}])"},
      {dir / "pool" / "config.json", R"({"pooling_mode_cls_token": true})"},
      {dir / "sentence_bert_config.json", R"({"max_seq_length": 1000})"},
  };
  std::vector<fs::path> asked;
  const ModelFileReader read =
      [&](const fs::path& path) -> absl::StatusOr<absl::optional<std::string>> {
    asked.push_back(path);
    const auto it = files.find(path);
    if (it == files.end()) return absl::nullopt;
    return it->second;
  };
  auto d = ReadEmbeddingDefaults(dir, 512, read);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->pooling, Pooling::kCls);
  EXPECT_TRUE(d->normalize);
  EXPECT_EQ(d->max_seq_length, 512);  // capped by max_positions
  // config_sentence_transformers.json: the prompts.
  EXPECT_EQ(asked, (std::vector<fs::path>{dir / "modules.json", dir / "pool" / "config.json",
                                          dir / "config_sentence_transformers.json",
                                          dir / "sentence_bert_config.json"}));

  files[dir / "pool" / "config.json"] = "{";
  EXPECT_THAT(ReadEmbeddingDefaults(dir, 512, read).status().message(),
              HasSubstr("/models/m/pool/config.json: not valid JSON"));
  files.clear();
  d = ReadEmbeddingDefaults(dir, 128, read);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->pooling, Pooling::kMean);
  EXPECT_FALSE(d->normalize);
  EXPECT_EQ(d->max_seq_length, 128);
  const ModelFileReader broken = [](const fs::path&) -> absl::StatusOr<absl::optional<std::string>> {
    return absl::PermissionDeniedError("cannot read");
  };
  EXPECT_EQ(ReadEmbeddingDefaults(dir, 128, broken).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ModelLoaderTest, ConfigModelType) {
  EXPECT_EQ(*ConfigModelType(R"({"model_type": "bert"})", "c.json"), "bert");
  EXPECT_EQ(*ConfigModelType(R"({"hidden_size": 8})", "c.json"), "bert");  // before model_type
  EXPECT_EQ(*ConfigModelType(R"({"model_type": "roberta"})", "c.json"), "roberta");
  EXPECT_THAT(ConfigModelType("{", "c.json").status().message(), HasSubstr("c.json: not valid JSON"));
  EXPECT_THAT(ConfigModelType("[]", "c.json").status().message(),
              HasSubstr("c.json: not a JSON object"));
  EXPECT_THAT(ConfigModelType(R"({"model_type": 3})", "c.json").status().message(),
              HasSubstr("c.json: model_type must be a string; was 3"));
}

}  // namespace
}  // namespace attnserve::core
