// libFuzzer target for the JSON files of a model directory that the model loader
// (core/model/model_loader.cc) reads before the weights: config.json through ConfigModelType,
// the family registry (FindModelFamily) and the family's ParseConfig, then the
// sentence-transformers files through ReadEmbeddingDefaults (modules.json, the Pooling module's
// config.json, sentence_bert_config.json) -- the loader's own functions, given the files as
// strings through its ModelFileReader seam instead of a directory.
//
// Input: the files separated by the byte 0x1e (fuzz_util.h), in this order:
//   config.json  0x1e  modules.json  0x1e  1_Pooling/config.json  0x1e  sentence_bert_config.json
// A missing or empty part is a file that does not exist. The pooling part also answers for any
// other ".../config.json" a modules.json names as its Pooling module's path.
//
//   model_config_fuzz -max_total_time=60 CORPUS_DIR tests/fuzz/model_config_seeds
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

#include "core/model/model_loader.h"
#include "core/model/registry.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace fs = std::filesystem;
using attnserve::core::EmbeddingDefaults;

constexpr const char* kTarget = "model_config_fuzz";

void Fail(const std::string& what) { attnserve::fuzz::Fail(kTarget, what); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<absl::string_view> parts = attnserve::fuzz::SplitFiles(
      absl::string_view(reinterpret_cast<const char*>(data), size), 4);
  auto part = [&](size_t i) -> absl::optional<std::string> {
    if (i >= parts.size() || parts[i].empty()) return absl::nullopt;
    return std::string(parts[i]);
  };
  const fs::path dir = "/fuzz/model";
  const std::string config_source = (dir / "config.json").string();
  const std::string config_text = part(0).value_or("");

  auto model_type = attnserve::core::ConfigModelType(config_text, config_source);
  if (!model_type.ok()) {
    attnserve::fuzz::CheckError(kTarget, model_type.status());
    return 0;
  }
  auto family = attnserve::core::FindModelFamily(*model_type, config_source);
  if (!family.ok()) {
    attnserve::fuzz::CheckError(kTarget, family.status());
    return 0;
  }
  auto config = (*family)->ParseConfig(config_text, config_source);
  if (!config.ok()) {
    attnserve::fuzz::CheckError(kTarget, config.status());
    if (config.status().message().find(config_source) == absl::string_view::npos) {
      Fail("a config.json error does not name the file: " + config.status().ToString());
    }
    return 0;
  }
  const attnserve::core::ModelSpec& spec = (*config)->spec;
  if (spec.hidden_size <= 0 || spec.num_layers <= 0 || spec.num_heads <= 0 ||
      spec.vocab_size <= 0 || spec.max_positions <= 0 || spec.hidden_size % spec.num_heads != 0) {
    Fail("ParseConfig accepted sizes the model cannot have");
  }

  const attnserve::core::ModelFileReader read =
      [&](const fs::path& path) -> absl::StatusOr<absl::optional<std::string>> {
    if (path == dir / "modules.json") return part(1);
    if (path == dir / "sentence_bert_config.json") return part(3);
    if (path.filename() == "config.json") return part(2);
    return absl::nullopt;
  };
  auto defaults = attnserve::core::ReadEmbeddingDefaults(dir, spec.max_positions, read);
  if (!defaults.ok()) {
    attnserve::fuzz::CheckError(kTarget, defaults.status());
    return 0;
  }
  if (defaults->max_seq_length < 1 || defaults->max_seq_length > spec.max_positions) {
    Fail(absl::StrCat("max_seq_length ", defaults->max_seq_length, " outside [1, ",
                      spec.max_positions, "]"));
  }
  return 0;
}
