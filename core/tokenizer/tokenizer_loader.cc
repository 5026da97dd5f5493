// Building a Tokenizer from tokenizer.json, from vocab.txt + tokenizer_config.json, or from a
// vocabulary. Each stage is built by its "type" through the stage registries
// (core/tokenizer/stage_registry.h). Everything the files say is either honoured exactly or
// rejected with an error naming the file and the feature.
#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "core/tokenizer/decoders/decoder.h"
#include "core/tokenizer/decoders/wordpiece_decoder.h"
#include "core/tokenizer/json_util.h"
#include "core/tokenizer/models/wordpiece.h"
#include "core/tokenizer/normalizers/bert_normalizer.h"
#include "core/tokenizer/post_processors/template_processing.h"
#include "core/tokenizer/pre_tokenizers/bert_pre_tokenizer.h"
#include "core/tokenizer/pre_tokenizers/sequence.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/file.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
using tokenizer_json::CheckKeys;
using tokenizer_json::Err;
using tokenizer_json::GetBool;
using tokenizer_json::GetString;
using tokenizer_json::TypeOf;
namespace fs = std::filesystem;

absl::StatusOr<AddedToken> ParseAddedToken(const json& t, absl::string_view source,
                                           absl::string_view where) {
  if (!t.is_object()) return Err(source, absl::StrCat(where, " is not an object"));
  ATTN_RETURN_IF_ERROR(CheckKeys(
      t, {"id", "content", "single_word", "lstrip", "rstrip", "normalized", "special", "__type"},
      source, where));
  AddedToken a;
  ATTN_ASSIGN_OR_RETURN(a.content, GetString(t, "content", source, where));
  if (a.content.empty()) return Err(source, absl::StrCat(where, ".content is empty"));
  if (const auto it = t.find("id"); it != t.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return Err(source, absl::StrCat(where, ".id must be a non-negative integer"));
    }
    a.id = static_cast<int32_t>(it->get<int64_t>());
  }
  ATTN_ASSIGN_OR_RETURN(a.single_word, GetBool(t, "single_word", false, source, where));
  ATTN_ASSIGN_OR_RETURN(a.lstrip, GetBool(t, "lstrip", false, source, where));
  ATTN_ASSIGN_OR_RETURN(a.rstrip, GetBool(t, "rstrip", false, source, where));
  // Hugging Face's default for a bare added token is normalized = !special.
  ATTN_ASSIGN_OR_RETURN(a.special, GetBool(t, "special", false, source, where));
  ATTN_ASSIGN_OR_RETURN(a.normalized, GetBool(t, "normalized", !a.special, source, where));
  return a;
}

// tokenizer.json "normalizer": null (nullptr) or a registered type.
absl::StatusOr<std::unique_ptr<Normalizer>> BuildNormalizer(const json& j,
                                                            absl::string_view source) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) return Err(source, "normalizer is not an object");
  return NormalizerRegistry().Create(TypeOf(j), j, source, TypeOf(j).empty() ? j.dump() : "");
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> BuildPreTokenizer(const json& j,
                                                                absl::string_view source) {
  const std::string type = TypeOf(j);
  // "pre_tokenizer": null: each piece between added tokens is one word, as in the crate.
  if (j.is_null()) return PreTokenizerSequence::Create({}, source);
  // A Sequence of one is that one.
  if (type == "Sequence" && j.contains("pretokenizers") && j["pretokenizers"].is_array() &&
      j["pretokenizers"].size() == 1) {
    return BuildPreTokenizer(j["pretokenizers"][0], source);
  }
  return PreTokenizerRegistry().Create(type, j, source,
                                       j.is_null() ? "null" : (type.empty() ? j.dump() : ""));
}

absl::StatusOr<std::unique_ptr<TokenizerModel>> BuildModel(const json& model,
                                                           absl::string_view source) {
  std::string type = TypeOf(model);
  // Old files have no "type": the Rust crate then recognises the model by its fields.
  const bool wordpiece_shape = model.contains("vocab") && model["vocab"].is_object() &&
                               model.contains("continuing_subword_prefix") &&
                               model.contains("max_input_chars_per_word");
  if (type.empty() && wordpiece_shape) type = "WordPiece";
  return TokenizerModelRegistry().Create(type, model, source, type.empty() ? "unknown" : "");
}

// tokenizer.json "post_processor": null is the identity (no special tokens).
absl::StatusOr<std::unique_ptr<PostProcessor>> BuildPostProcessor(const json& post,
                                                                  absl::string_view source) {
  if (post.is_null()) return TemplateProcessing::Identity();
  const std::string type = TypeOf(post);
  return PostProcessorRegistry().Create(type, post, source, type.empty() ? post.dump() : "");
}

// tokenizer.json "decoder": decoding is an extra, so a decoder we cannot build is ignored (the
// file still loads, as before decoding existed); Tokenizer::Decode then fails.
std::unique_ptr<Decoder> BuildDecoder(const json& j, absl::string_view source) {
  const auto factory = DecoderRegistry().Find(TypeOf(j));
  if (factory == nullptr) return nullptr;
  auto decoder = factory(j, source);
  return decoder.ok() ? std::move(*decoder) : nullptr;
}

absl::StatusOr<int> ParseModelMaxLength(const json& cfg, absl::string_view source) {
  const auto it = cfg.find("model_max_length");
  if (it == cfg.end() || it->is_null()) return 0;
  if (!it->is_number()) return Err(source, "model_max_length is not a number");
  const double v = it->get<double>();
  // transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit".
  if (v <= 0 || v > std::numeric_limits<int>::max()) return 0;
  return static_cast<int>(v);
}

}  // namespace

std::vector<std::string> Tokenizer::ParseVocabTxt(absl::string_view text) {
  std::vector<std::string> vocab;
  if (text.empty()) return vocab;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    vocab.emplace_back(line);
  }
  // A final newline does not start another token.
  if (!vocab.empty() && vocab.back().empty() && !text.empty() && text.back() == '\n') {
    vocab.pop_back();
  }
  return vocab;
}

absl::StatusOr<BertTokenizerOptions> Tokenizer::ParseTokenizerConfig(absl::string_view text,
                                                                     absl::string_view source) {
  const json cfg = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (cfg.is_discarded() || !cfg.is_object()) return Err(source, "not a JSON object");
  BertTokenizerOptions o;
  ATTN_ASSIGN_OR_RETURN(o.lowercase, GetBool(cfg, "do_lower_case", true, source, "config"));
  ATTN_ASSIGN_OR_RETURN(o.handle_chinese_chars,
                        GetBool(cfg, "tokenize_chinese_chars", true, source, "config"));
  if (const auto it = cfg.find("strip_accents"); it != cfg.end() && !it->is_null()) {
    if (!it->is_boolean()) return Err(source, "strip_accents must be true, false or null");
    o.strip_accents = it->get<bool>();
  }
  if (const auto it = cfg.find("do_basic_tokenize");
      it != cfg.end() && it->is_boolean() && !it->get<bool>()) {
    return Err(source, "do_basic_tokenize=false is not supported");
  }
  if (const auto it = cfg.find("never_split");
      it != cfg.end() && !it->is_null() && !(it->is_array() && it->empty())) {
    return Err(source, "never_split is not supported");
  }
  for (auto [key, field] : {std::pair<const char*, std::string*>{"unk_token", &o.unk_token},
                            {"sep_token", &o.sep_token},
                            {"pad_token", &o.pad_token},
                            {"cls_token", &o.cls_token},
                            {"mask_token", &o.mask_token}}) {
    const auto it = cfg.find(key);
    if (it == cfg.end() || it->is_null()) continue;
    if (it->is_string()) {
      *field = it->get<std::string>();
    } else if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
      *field = (*it)["content"].get<std::string>();
    } else {
      return Err(source, absl::StrCat(key, " must be a string"));
    }
  }
  ATTN_ASSIGN_OR_RETURN(o.model_max_length, ParseModelMaxLength(cfg, source));
  if (const auto it = cfg.find("added_tokens_decoder"); it != cfg.end() && it->is_object()) {
    for (auto t = it->begin(); t != it->end(); ++t) {
      const std::string where = absl::StrCat("added_tokens_decoder[", t.key(), "]");
      ATTN_ASSIGN_OR_RETURN(AddedToken a, ParseAddedToken(t.value(), source, where));
      int64_t id = -1;
      if (!absl::SimpleAtoi(t.key(), &id) || id < 0 || id > std::numeric_limits<int32_t>::max()) {
        return Err(source, absl::StrCat(where, ": the key must be a token id"));
      }
      a.id = static_cast<int32_t>(id);
      o.extra_added_tokens.push_back(std::move(a));
    }
  }
  return o;
}

absl::Status Tokenizer::Finish(std::vector<AddedToken> added, absl::string_view source_name) {
  source_ = std::string(source_name);
  // Ids of added tokens beyond the model vocabulary extend the id space.
  const auto model_size = static_cast<size_t>(model_->vocab_size());
  for (const AddedToken& a : added) {
    if (a.id < 0) return Err(source_name, absl::StrCat("added token '", a.content, "' has no id"));
    const auto id = static_cast<size_t>(a.id);
    if (id >= model_size + extra_id_to_token_.size()) {
      if (id > model_size + extra_id_to_token_.size() + 1'000'000) {
        return Err(source_name, absl::StrCat("added token '", a.content, "' has id ", a.id,
                                             ", far beyond the vocabulary"));
      }
      extra_id_to_token_.resize(id + 1 - model_size);
    }
    const absl::string_view have = IdToToken(a.id);
    if (have.empty()) {
      if (id >= model_size) {
        extra_id_to_token_[id - model_size] = a.content;
      } else {
        added_over_empty_.emplace_back(a.id, a.content);  // an empty vocab.txt line
      }
    } else if (have != a.content) {
      return Err(source_name, absl::StrCat("added token '", a.content, "' has id ", a.id,
                                           ", which is the vocabulary's '", have, "'"));
    }
  }
  ATTN_RETURN_IF_ERROR(added_.Init(std::move(added), normalizer_.get(), source_name));
  if (absl::Status st = post_processor_->CheckIds(vocab_size()); !st.ok()) {
    return Err(source_name, st.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromTokenizerJson(
    absl::string_view text, absl::string_view source, const absl::string_view* config_json) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Err(source, "not a JSON object");
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  auto stage = [&](const char* key) { return j.contains(key) ? j[key] : json(); };

  const auto model_it = j.find("model");
  if (model_it == j.end() || !model_it->is_object()) return Err(source, "no model object");
  ATTN_ASSIGN_OR_RETURN(t->model_, BuildModel(*model_it, source));
  ATTN_ASSIGN_OR_RETURN(t->normalizer_, BuildNormalizer(stage("normalizer"), source));
  ATTN_ASSIGN_OR_RETURN(t->pre_tokenizer_, BuildPreTokenizer(stage("pre_tokenizer"), source));
  ATTN_ASSIGN_OR_RETURN(t->post_processor_, BuildPostProcessor(stage("post_processor"), source));
  t->decoder_ = BuildDecoder(stage("decoder"), source);

  std::vector<AddedToken> added;
  if (const auto it = j.find("added_tokens"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Err(source, "added_tokens is not an array");
    for (size_t i = 0; i < it->size(); ++i) {
      ATTN_ASSIGN_OR_RETURN(
          AddedToken a, ParseAddedToken((*it)[i], source, absl::StrCat("added_tokens[", i, "]")));
      if (a.id < 0) return Err(source, absl::StrCat("added_tokens[", i, "] has no id"));
      added.push_back(std::move(a));
    }
  }

  // truncation / padding: the per-request TokenizeOptions decide the length and the direction;
  // the file's strategy says how a pair is cut. A stride shapes only the overflowing encodings,
  // which attnserve never returns: the ids are the same with any stride.
  if (const auto it = j.find("truncation"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Err(source, absl::StrCat("truncation ", it->dump(), " is not an object"));
    }
    std::string name = "LongestFirst";
    if (const auto s = it->find("strategy"); s != it->end() && !s->is_null()) {
      name = s->is_string() ? s->get<std::string>() : s->dump();
    }
    if (name == "LongestFirst") {
      t->truncation_strategy_ = TruncationStrategy::kLongestFirst;
    } else if (name == "OnlyFirst") {
      t->truncation_strategy_ = TruncationStrategy::kOnlyFirst;
    } else if (name == "OnlySecond") {
      t->truncation_strategy_ = TruncationStrategy::kOnlySecond;
    } else {
      return Err(source, absl::StrCat("truncation ", it->dump(),
                                      ": strategy must be LongestFirst, OnlyFirst or OnlySecond"));
    }
  }

  if (config_json != nullptr) {
    const std::string config_source = absl::StrCat(source, " + tokenizer_config.json");
    const json cfg =
        json::parse(config_json->begin(), config_json->end(), nullptr, /*allow_exceptions=*/false);
    if (cfg.is_discarded() || !cfg.is_object()) {
      return Err(config_source, "tokenizer_config.json is not a JSON object");
    }
    ATTN_ASSIGN_OR_RETURN(t->model_max_length_, ParseModelMaxLength(cfg, config_source));
    // transformers' BertTokenizerFast would rebuild the normalizer from these keys; Rust and
    // transformers.js ignore them. A disagreement has no single right answer: refuse it.
    auto check = [&](const char* key, bool actual) -> absl::Status {
      const auto k = cfg.find(key);
      if (k == cfg.end() || k->is_null() || !k->is_boolean() || k->get<bool>() == actual) {
        return absl::OkStatus();
      }
      return Err(config_source, absl::StrCat("tokenizer_config.json says ", key, "=", k->dump(),
                                             " but the tokenizer.json normalizer disagrees"));
    };
    if (const auto* bert = dynamic_cast<const BertNormalizer*>(t->normalizer_.get())) {
      const BertNormalizer::Options& n = bert->options();
      ATTN_RETURN_IF_ERROR(check("do_lower_case", n.lowercase));
      ATTN_RETURN_IF_ERROR(check("tokenize_chinese_chars", n.handle_chinese_chars));
      ATTN_RETURN_IF_ERROR(check("strip_accents", n.strip_accents));
    }
  }
  ATTN_RETURN_IF_ERROR(t->Finish(std::move(added), source));
  return t;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromVocab(
    std::vector<std::string> vocab, const BertTokenizerOptions& options) {
  constexpr absl::string_view kSource = "vocab";
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  WordPiece::Options model_options;
  model_options.unk_token = options.unk_token;
  model_options.continuing_subword_prefix = options.continuing_subword_prefix;
  model_options.max_input_chars_per_word = options.max_input_chars_per_word;
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<WordPiece> model,
                        WordPiece::Create(std::move(vocab), model_options, kSource));
  BertNormalizer::Options n;
  n.clean_text = options.clean_text;
  n.handle_chinese_chars = options.handle_chinese_chars;
  n.lowercase = options.lowercase;
  n.strip_accents = options.strip_accents.value_or(options.lowercase);
  t->normalizer_ = std::make_unique<BertNormalizer>(n);
  t->pre_tokenizer_ = std::make_unique<BertPreTokenizer>();
  // As transformers' BertConverter (which does not take the model's prefix for the decoder).
  t->decoder_ = std::make_unique<WordPieceDecoder>("##", /*cleanup=*/true);
  t->model_max_length_ = options.model_max_length;

  const int32_t cls = model->TokenToId(options.cls_token);
  const int32_t sep = model->TokenToId(options.sep_token);
  if (cls < 0 || sep < 0) {
    return Err(kSource, absl::StrCat("cls_token '", options.cls_token, "' and sep_token '",
                                     options.sep_token, "' must be in the vocabulary"));
  }
  t->post_processor_ = std::make_unique<TemplateProcessing>(
      TemplateProcessing::BertTemplate(/*pair=*/false, options.cls_token, cls, options.sep_token,
                                       sep),
      TemplateProcessing::BertTemplate(/*pair=*/true, options.cls_token, cls, options.sep_token,
                                       sep));
  // The special tokens become added tokens matched in the raw text, as when transformers
  // converts the slow tokenizer (only those in the vocabulary).
  std::vector<AddedToken> added;
  absl::flat_hash_set<std::string> have;
  for (const AddedToken& a : options.extra_added_tokens) {
    added.push_back(a);
    have.insert(a.content);
  }
  for (const std::string* s : {&options.pad_token, &options.unk_token, &options.cls_token,
                               &options.sep_token, &options.mask_token}) {
    const int32_t id = model->TokenToId(*s);
    if (id < 0 || s->empty() || !have.insert(*s).second) continue;
    AddedToken a;
    a.content = *s;
    a.id = id;
    added.push_back(std::move(a));
  }
  t->model_ = std::move(model);
  ATTN_RETURN_IF_ERROR(t->Finish(std::move(added), kSource));
  return t;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromModelDir(const fs::path& dir) {
  const fs::path json_path = dir / "tokenizer.json";
  const fs::path config_path = dir / "tokenizer_config.json";
  const fs::path vocab_path = dir / "vocab.txt";
  std::string config;
  const bool has_config = fs::exists(config_path);
  if (has_config) {
    ATTN_ASSIGN_OR_RETURN(config, ReadFileToString(config_path));
  }
  if (fs::exists(json_path)) {
    ATTN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(json_path));
    const absl::string_view config_view = config;
    return FromTokenizerJson(text, json_path.string(), has_config ? &config_view : nullptr);
  }
  if (fs::exists(vocab_path)) {
    BertTokenizerOptions options;
    if (has_config) {
      ATTN_ASSIGN_OR_RETURN(options, ParseTokenizerConfig(config, config_path.string()));
    }
    ATTN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(vocab_path));
    auto t = FromVocab(ParseVocabTxt(text), options);
    if (!t.ok()) {
      return absl::Status(t.status().code(),
                          absl::StrCat(vocab_path.string(), ": ", t.status().message()));
    }
    (*t)->source_ = vocab_path.string();
    return t;
  }
  return absl::NotFoundError(
      absl::StrCat("no tokenizer in ", dir.string(), " (neither tokenizer.json nor vocab.txt)"));
}

}  // namespace attnserve::core
