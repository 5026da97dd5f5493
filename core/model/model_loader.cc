#include "core/model/model_loader.h"

#include <chrono>
#include <filesystem>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/optional.h"

#include "core/heads/classifier.h"
#include "core/heads/sentence_dense.h"
#include "core/model/bert/demo_model.h"
#include "core/model/config_json.h"
#include "core/model/registry.h"
#include "core/model/safetensors.h"
#include "core/model/weights_reader.h"
#include "core/util/file.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The project's lowercase dtype names (as --pooling, Info and the metric labels spell them):
// F32 -> fp32, F16 -> fp16, BF16 -> bf16, any other safetensors name lowercased.
std::string WeightsDtypeName(StDType dtype) {
  switch (dtype) {
    case StDType::kF32:
      return "fp32";
    case StDType::kF16:
      return "fp16";
    case StDType::kBF16:
      return "bf16";
    default:
      return absl::AsciiStrToLower(StDTypeName(dtype));
  }
}

absl::StatusOr<json> ParseJsonFile(const fs::path& path, const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": not valid JSON"));
  }
  return j;
}

// sentence-transformers' mode names ("pooling_mode" since 6.x) and the booleans of older
// configs, which models on the Hub still have.
const struct {
  const char* name;
  const char* legacy_key;
  Pooling pooling;
} kPoolingModes[] = {
    {"cls", "pooling_mode_cls_token", Pooling::kCls},
    {"mean", "pooling_mode_mean_tokens", Pooling::kMean},
    {"max", "pooling_mode_max_tokens", Pooling::kMax},
    {"mean_sqrt_len_tokens", "pooling_mode_mean_sqrt_len_tokens", Pooling::kMeanSqrtLen},
    {"weightedmean", "pooling_mode_weightedmean_tokens", Pooling::kWeightedMean},
    {"lasttoken", "pooling_mode_lasttoken", Pooling::kLastToken},
};

absl::Status ApplyPoolingConfig(const fs::path& path, const std::string& text,
                                EmbeddingDefaults& d) {
  ATTN_ASSIGN_OR_RETURN(json j, ParseJsonFile(path, text));
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path.string(), ": not a JSON object"));
  }
  std::vector<std::string> enabled;
  if (const auto it = j.find("pooling_mode"); it != j.end()) {
    const json modes = it->is_array() ? *it : json::array({*it});
    for (const json& m : modes) {
      if (!m.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(
            path.string(), ": pooling_mode must be a mode name or a list of them; was ",
            it->dump()));
      }
      enabled.push_back(m.get<std::string>());
    }
  } else {
    for (const auto& m : kPoolingModes) {
      const auto k = j.find(m.legacy_key);
      if (k != j.end() && k->is_boolean() && k->get<bool>()) enabled.push_back(m.name);
    }
    if (enabled.empty()) enabled.push_back("mean");  // sentence-transformers' default
  }
  if (const auto it = j.find("include_prompt"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path.string(), ": include_prompt must be true or false; was ", it->dump()));
    }
    d.include_prompt = it->get<bool>();
  }
  if (enabled.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": several pooling modes at once (",
                     absl::StrJoin(enabled, ", "), ") are not supported"));
  }
  for (const auto& m : kPoolingModes) {
    if (enabled.front() == m.name) {
      d.pooling = m.pooling;
      return absl::OkStatus();
    }
  }
  std::vector<std::string> names;
  for (const auto& m : kPoolingModes) names.push_back(m.name);
  return absl::InvalidArgumentError(absl::StrCat(path.string(), ": pooling mode '",
                                                 enabled.front(), "' is not supported (supported: ",
                                                 absl::StrJoin(names, ", "), ")"));
}

// One Dense module: <module_dir>/config.json and its weights (safetensors only). `in` is the
// width of the vector it receives.
absl::StatusOr<SentenceDense> LoadDenseModule(const fs::path& module_dir, int in) {
  const fs::path config_path = module_dir / "config.json";
  ATTN_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(config_path));
  ATTN_ASSIGN_OR_RETURN(const json j, ParseJsonFile(config_path, text));
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(config_path.string(), ": not a JSON object"));
  }
  const std::string source = config_path.string();
  SentenceDense d;
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "in_features", true, &d.in));
  ATTN_RETURN_IF_ERROR(ReadConfigInt(j, source, "out_features", true, &d.out));
  ATTN_RETURN_IF_ERROR(CheckConfigRanges(
      source, {{"in_features", d.in, 65536}, {"out_features", d.out, 65536}}));
  if (d.in != in) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": in_features is ", d.in,
                                                   " but the vector it receives has ", in,
                                                   " values"));
  }
  bool bias = true;
  if (const auto it = j.find("bias"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": bias must be true or false"));
    }
    bias = it->get<bool>();
  }
  if (const auto it = j.find("activation_function"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": activation_function must be a string"));
    }
    ATTN_ASSIGN_OR_RETURN(d.activation, ParseSentenceActivation(it->get<std::string>(), source));
  }
  if (const auto it = j.find("use_residual"); it != j.end() && it->is_boolean()) {
    d.residual = it->get<bool>();
    if (d.residual && d.in != d.out) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": use_residual with in_features != out_features (a projected residual) is "
                  "not supported"));
    }
  }
  for (const char* key : {"module_input_name", "module_output_name"}) {
    if (const auto it = j.find(key); it != j.end() && !it->is_null() &&
                                     (!it->is_string() || *it != "sentence_embedding")) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": ", key, " ", it->dump(),
          " is not supported (a Dense module must map the sentence_embedding)"));
    }
  }
  const fs::path weights_path = module_dir / "model.safetensors";
  if (!fs::exists(weights_path)) {
    return absl::NotFoundError(absl::StrCat(
        weights_path.string(), " does not exist",
        fs::exists(module_dir / "pytorch_model.bin")
            ? " (the Dense weights are in pytorch_model.bin: only safetensors is read; convert "
              "it, or re-save the model with a current sentence-transformers)"
            : ""));
  }
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file,
                        SafetensorsFile::Open(weights_path.string()));
  SafetensorsWeightsReader reader(std::move(file));
  const std::vector<int64_t> weight_shape = {d.out, d.in}, bias_shape = {d.out};
  ATTN_ASSIGN_OR_RETURN(const Tensor w, reader.Read("linear.weight", weight_shape));
  d.weight.assign(w.data(), w.data() + w.size());
  if (bias) {
    ATTN_ASSIGN_OR_RETURN(const Tensor b, reader.Read("linear.bias", bias_shape));
    d.bias.assign(b.data(), b.data() + b.size());
  }
  return d;
}

}  // namespace

absl::StatusOr<EmbeddingDefaults> ReadEmbeddingDefaults(const fs::path& dir,
                                                        int max_positions) {
  return ReadEmbeddingDefaults(
      dir, max_positions,
      [](const fs::path& path) -> absl::StatusOr<absl::optional<std::string>> {
        if (!fs::exists(path)) return absl::nullopt;
        ATTN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
        return text;
      });
}

absl::StatusOr<EmbeddingDefaults> ReadEmbeddingDefaults(const fs::path& dir, int max_positions,
                                                        const ModelFileReader& read) {
  EmbeddingDefaults d;
  d.max_seq_length = max_positions;
  fs::path pooling_config = dir / "1_Pooling" / "config.json";

  const fs::path modules_path = dir / "modules.json";
  ATTN_ASSIGN_OR_RETURN(const absl::optional<std::string> modules_text, read(modules_path));
  if (modules_text.has_value()) {
    ATTN_ASSIGN_OR_RETURN(json modules, ParseJsonFile(modules_path, *modules_text));
    if (!modules.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(modules_path.string(), ": not a JSON array"));
    }
    bool pooled = false, normalized = false;
    for (const json& m : modules) {
      const std::string type = m.is_object() && m.contains("type") && m["type"].is_string()
                                   ? m["type"].get<std::string>()
                                   : "";
      const std::string sub = m.is_object() && m.contains("path") && m["path"].is_string()
                                  ? m["path"].get<std::string>()
                                  : "";
      if (type.ends_with(".Transformer")) continue;
      if (normalized) {
        // Normalize is the last module: anything after it would change the unit vectors.
        return absl::InvalidArgumentError(absl::StrCat(
            modules_path.string(), ": module '", type, "' after Normalize is not supported"));
      }
      if (type.ends_with(".Pooling")) {
        pooling_config = dir / sub / "config.json";
        pooled = true;
      } else if (type.ends_with(".Dense") && pooled) {
        d.dense_modules.push_back(sub);
      } else if (type.ends_with(".Normalize")) {
        d.normalize = true;
        normalized = true;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            modules_path.string(), ": module type '", type,
            "' is not supported", type.ends_with(".Dense") ? " before Pooling" : "",
            " (supported: Transformer, Pooling, Dense after Pooling, Normalize last)"));
      }
    }
  }
  ATTN_ASSIGN_OR_RETURN(const absl::optional<std::string> pooling_text, read(pooling_config));
  if (pooling_text.has_value()) {
    ATTN_RETURN_IF_ERROR(ApplyPoolingConfig(pooling_config, *pooling_text, d));
  }

  const fs::path prompts_config = dir / "config_sentence_transformers.json";
  ATTN_ASSIGN_OR_RETURN(const absl::optional<std::string> prompts_text, read(prompts_config));
  if (prompts_text.has_value()) {
    ATTN_ASSIGN_OR_RETURN(json j, ParseJsonFile(prompts_config, *prompts_text));
    if (!j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prompts_config.string(), ": not a JSON object"));
    }
    if (const auto it = j.find("prompts"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(
            prompts_config.string(), ": prompts must be an object of name -> text; was ",
            it->dump()));
      }
      for (const auto& [name, text] : it->items()) {
        if (!text.is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(prompts_config.string(), ": prompt '",
                                                         name, "' must be a string; was ",
                                                         text.dump()));
        }
        d.prompts.emplace_back(name, text.get<std::string>());
      }
    }
    if (const auto it = j.find("default_prompt_name"); it != j.end() && !it->is_null()) {
      if (!it->is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(
            prompts_config.string(), ": default_prompt_name must be a string; was ",
            it->dump()));
      }
      d.default_prompt_name = it->get<std::string>();
      // sentence-transformers refuses to load such a model too.
      if (PromptText(d, d.default_prompt_name) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            prompts_config.string(), ": default_prompt_name '", d.default_prompt_name,
            "' is not one of its prompts (", PromptNames(d), ")"));
      }
    }
  }

  const fs::path st_config = dir / "sentence_bert_config.json";
  ATTN_ASSIGN_OR_RETURN(const absl::optional<std::string> st_text, read(st_config));
  if (st_text.has_value()) {
    ATTN_ASSIGN_OR_RETURN(json j, ParseJsonFile(st_config, *st_text));
    if (const auto it = j.find("max_seq_length"); j.is_object() && it != j.end()) {
      if (!it->is_number_integer() || it->get<long long>() <= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            st_config.string(), ": max_seq_length must be a positive integer; was ", it->dump()));
      }
      d.max_seq_length = static_cast<int>(
          std::min<long long>(it->get<long long>(), max_positions));
    }
  }
  return d;
}

absl::StatusOr<std::string> ConfigModelType(absl::string_view config_text,
                                            absl::string_view source) {
  const json j = json::parse(config_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(source, ": not valid JSON"));
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  }
  const auto it = j.find("model_type");
  if (it == j.end()) return std::string("bert");
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": model_type must be a string; was ", it->dump()));
  }
  return it->get<std::string>();
}

absl::StatusOr<std::shared_ptr<const Tokenizer>> LoadTokenizer(const std::string& name_or_dir,
                                                               const ModelSpec* spec) {
  std::unique_ptr<Tokenizer> tokenizer;
  if (name_or_dir == kDemoModelName) {
    BertTokenizerOptions options;  // uncased, as bert-base-uncased
    options.model_max_length = DemoConfig().max_position_embeddings;
    ATTN_ASSIGN_OR_RETURN(tokenizer, Tokenizer::FromVocab(DemoVocabulary(), options));
  } else {
    const fs::path dir(name_or_dir);
    if (!fs::exists(dir / "tokenizer.json") && !fs::exists(dir / "vocab.txt")) return nullptr;
    ATTN_ASSIGN_OR_RETURN(tokenizer, Tokenizer::FromModelDir(dir));
  }
  if (spec != nullptr && tokenizer->vocab_size() > spec->vocab_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("the tokenizer of '", name_or_dir, "' has ", tokenizer->vocab_size(),
                     " ids but config.json's vocab_size is ", spec->vocab_size,
                     ": its ids would index outside the embedding table"));
  }
  return std::shared_ptr<const Tokenizer>(std::move(tokenizer));
}

absl::StatusOr<LoadedModel> LoadModel(const std::string& name_or_dir, const LoadOptions& options) {
  if (options.dtype != DType::kF32 && options.dtype != DType::kInt8) {
    return absl::UnimplementedError(absl::StrCat("compute dtype ", DTypeName(options.dtype),
                                                 " is not implemented (fp32, int8)"));
  }
  if (!(options.min_cosine >= -1.0 && options.min_cosine <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the accuracy gate's min cosine must be in [-1, 1]; was ", options.min_cosine));
  }
  const auto start = std::chrono::steady_clock::now();
  LoadedModel out;
  std::string config_text, config_source;
  std::unique_ptr<WeightsReader> weights;
  std::string weights_dtype;
  absl::optional<EmbeddingDefaults> defaults;  // the demo's own
  fs::path dir;
  if (name_or_dir == kDemoModelName) {
    out.name = kDemoModelName;
    config_text = DemoConfigJson();
    config_source = "demo model config";
    weights = MakeDemoWeights(DemoConfig());
    weights_dtype = "fp32";
    defaults = DemoEmbeddingDefaults();
  } else {
    dir = fs::path(name_or_dir);
    std::error_code ec;
    const fs::file_status st = fs::status(dir, ec);
    if (fs::exists(st) && !fs::is_directory(st)) {
      // Often the weights or config file itself: the model is the folder that holds them.
      return absl::InvalidArgumentError(absl::StrCat(
          "model '", name_or_dir, "' is a file, not a model directory: pass the directory that ",
          "holds config.json and model.safetensors",
          fs::exists(dir.parent_path() / "config.json", ec)
              ? absl::StrCat(" (here: '", dir.parent_path().string(), "')")
              : ""));
    }
    if (!fs::exists(st)) {
      return absl::NotFoundError(absl::StrCat(
          "model directory '", name_or_dir, "' does not exist",
          ec && ec != std::errc::no_such_file_or_directory ? absl::StrCat(": ", ec.message()) : "",
          " (use --model demo for the built-in demo model)"));
    }
    out.path = dir.string();
    out.name = fs::absolute(dir).lexically_normal().filename().string();
    if (out.name.empty()) out.name = fs::absolute(dir).lexically_normal().parent_path().filename();
    const fs::path config_path = dir / "config.json";
    config_source = config_path.string();
    ATTN_ASSIGN_OR_RETURN(config_text, ReadFileToString(config_path));
  }

  ATTN_ASSIGN_OR_RETURN(const std::string model_type, ConfigModelType(config_text, config_source));
  ATTN_ASSIGN_OR_RETURN(const ModelFamily* family, FindModelFamily(model_type, config_source));
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<FamilyConfig> config,
                        family->ParseConfig(config_text, config_source));
  ModelSpec spec = config->spec;
  // Family-independent keys; Build keeps them only when the checkpoint has the head.
  ATTN_ASSIGN_OR_RETURN(spec.classifier, ParseClassifierConfig(config_text, config_source));
  if (defaults.has_value()) {
    spec.defaults = *defaults;
  } else {
    ATTN_ASSIGN_OR_RETURN(spec.defaults, ReadEmbeddingDefaults(dir, spec.max_positions));
  }

  if (weights == nullptr) {
    const fs::path weights_path = dir / "model.safetensors";
    if (!fs::exists(weights_path)) {
      return absl::NotFoundError(absl::StrCat(
          weights_path.string(),
          " does not exist (only safetensors checkpoints are read; convert pytorch_model.bin "
          "with safetensors' convert script)"));
    }
    ATTN_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file,
                          SafetensorsFile::Open(weights_path.string()));
    std::set<std::string> dtypes;
    for (const StTensor& t : file->tensors()) {
      if (t.name.ends_with("position_ids")) continue;  // an int64 buffer, not a weight
      dtypes.insert(WeightsDtypeName(t.dtype));
    }
    weights_dtype = dtypes.size() == 1 ? *dtypes.begin() : "mixed";
    weights = std::make_unique<SafetensorsWeightsReader>(std::move(file));
  }
  spec.weights_dtype = weights_dtype;
  if (!spec.defaults.dense_modules.empty()) {
    auto dense = std::make_shared<std::vector<SentenceDense>>();
    int width = spec.hidden_size;
    for (const std::string& sub : spec.defaults.dense_modules) {
      ATTN_ASSIGN_OR_RETURN(SentenceDense layer, LoadDenseModule(dir / sub, width));
      width = layer.out;
      dense->push_back(std::move(layer));
    }
    spec.sentence_dense = std::move(dense);
    spec.sentence_embedding_size = width;
  }
  spec.compute_dtype = DType::kF32;
  // A reduced-precision model is built next to an fp32 one of the same weights, which the gate
  // compares it with and then drops.
  std::shared_ptr<const Model> reference;
  if (options.dtype != DType::kF32) {
    ATTN_ASSIGN_OR_RETURN(reference, family->Build(*config, spec, *weights));
    spec.compute_dtype = options.dtype;
  }
  ATTN_ASSIGN_OR_RETURN(out.model, family->Build(*config, std::move(spec), *weights));
  weights.reset();  // unmaps the checkpoint
  if (out.model->spec().compute_dtype != options.dtype) {
    return absl::UnimplementedError(absl::StrCat("the ", model_type, " family does not compute in ",
                                                 DTypeName(options.dtype), " (only in ",
                                                 DTypeName(out.model->spec().compute_dtype), ")"));
  }
  ATTN_ASSIGN_OR_RETURN(out.tokenizer, LoadTokenizer(name_or_dir, &out.model->spec()));
  if (reference != nullptr) {
    std::string calibration;
    ATTN_ASSIGN_OR_RETURN(
        const auto inputs,
        CalibrationInputs(out.model->spec(), out.tokenizer.get(), &calibration));
    ATTN_ASSIGN_OR_RETURN(AccuracyReport report,
                          CompareWithReference(*out.model, *reference, inputs));
    reference.reset();
    report.calibration = calibration;
    report.threshold = options.min_cosine;
    report.passed = report.min_cosine >= options.min_cosine;
    if (!report.passed && options.enforce_accuracy_gate) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ", DTypeName(options.dtype), " accuracy gate failed for '", name_or_dir, "': ",
          report.Summary(), ". Serve it in fp32 (--dtype fp32), lower the gate (--min-cosine) or ",
          "pass --ignore-accuracy-gate to use ", DTypeName(options.dtype), " anyway"));
    }
    out.accuracy = report;
  }
  out.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace attnserve::core
