// Building a Tokenizer from tokenizer.json, from vocab.txt + tokenizer_config.json, or from a
// vocabulary. Everything the files say is either honoured exactly or rejected with an error
// naming the file and the feature.
#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode.h"
#include "core/util/file.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

absl::Status Err(absl::string_view source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

// Keys of `obj` outside `known` are an error: an option we do not understand could change the
// result.
absl::Status CheckKeys(const json& obj, std::initializer_list<const char*> known,
                       absl::string_view source, absl::string_view where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; })) {
      return Err(source, absl::StrCat(where, ": unsupported option '", it.key(), "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> GetBool(const json& obj, const char* key, bool def, absl::string_view source,
                             absl::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  if (!it->is_boolean()) {
    return Err(source, absl::StrCat(where, ".", key, " must be true or false; was ", it->dump()));
  }
  return it->get<bool>();
}

absl::StatusOr<std::string> GetString(const json& obj, const char* key, absl::string_view source,
                                      absl::string_view where) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return Err(source, absl::StrCat(where, ".", key, " must be a string"));
  }
  return it->get<std::string>();
}

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

absl::StatusOr<Tokenizer::NormalizerOptions> ParseNormalizer(const json& j,
                                                             absl::string_view source) {
  Tokenizer::NormalizerOptions n;
  if (j.is_null()) {
    n.enabled = false;
    return n;
  }
  if (!j.is_object()) return Err(source, "normalizer is not an object");
  const std::string type = j.value("type", "");
  if (type != "BertNormalizer") {
    return Err(source, absl::StrCat("normalizer type '", type.empty() ? j.dump() : type,
                                    "' is not supported (supported: BertNormalizer, or null)"));
  }
  ATTN_RETURN_IF_ERROR(
      CheckKeys(j, {"type", "clean_text", "handle_chinese_chars", "strip_accents", "lowercase"},
                source, "normalizer"));
  ATTN_ASSIGN_OR_RETURN(n.clean_text, GetBool(j, "clean_text", true, source, "normalizer"));
  ATTN_ASSIGN_OR_RETURN(n.handle_chinese_chars,
                        GetBool(j, "handle_chinese_chars", true, source, "normalizer"));
  ATTN_ASSIGN_OR_RETURN(n.lowercase, GetBool(j, "lowercase", true, source, "normalizer"));
  // strip_accents: null (or absent) follows lowercase.
  ATTN_ASSIGN_OR_RETURN(n.strip_accents,
                        GetBool(j, "strip_accents", n.lowercase, source, "normalizer"));
  return n;
}

absl::Status ParsePreTokenizer(const json& j, absl::string_view source) {
  std::string type = j.is_object() ? j.value("type", "") : "";
  if (j.is_object() && type == "Sequence" && j.contains("pretokenizers") &&
      j["pretokenizers"].is_array() && j["pretokenizers"].size() == 1) {
    return ParsePreTokenizer(j["pretokenizers"][0], source);
  }
  if (type != "BertPreTokenizer") {
    return Err(source, absl::StrCat("pre_tokenizer '",
                                    j.is_null() ? "null" : (type.empty() ? j.dump() : type),
                                    "' is not supported (supported: BertPreTokenizer)"));
  }
  return CheckKeys(j, {"type"}, source, "pre_tokenizer");
}

// TemplateProcessing "single"/"pair" arrays.
absl::StatusOr<std::vector<Tokenizer::TemplatePiece>> ParseTemplate(const json& arr,
                                                                    const json& special_tokens,
                                                                    bool pair,
                                                                    absl::string_view source) {
  const std::string where = pair ? "post_processor.pair" : "post_processor.single";
  if (!arr.is_array()) return Err(source, absl::StrCat(where, " is not an array"));
  std::vector<Tokenizer::TemplatePiece> out;
  int seen[2] = {0, 0};
  for (const json& e : arr) {
    Tokenizer::TemplatePiece p;
    auto type_id = [&](const json& o) -> absl::StatusOr<int32_t> {
      const auto it = o.find("type_id");
      if (it == o.end()) return 0;
      if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 255) {
        return Err(source, absl::StrCat(where, ": type_id must be a small non-negative integer"));
      }
      return static_cast<int32_t>(it->get<int64_t>());
    };
    if (e.is_object() && e.contains("Sequence") && e["Sequence"].is_object()) {
      const json& s = e["Sequence"];
      const std::string id = s.value("id", "");
      if (id != "A" && id != "B") {
        return Err(source, absl::StrCat(where, ": sequence id must be A or B; was ", s.dump()));
      }
      p.is_sequence = true;
      p.sequence = id == "A" ? 0 : 1;
      ATTN_ASSIGN_OR_RETURN(p.type_id, type_id(s));
      ++seen[p.sequence];
    } else if (e.is_object() && e.contains("SpecialToken") && e["SpecialToken"].is_object()) {
      const json& s = e["SpecialToken"];
      const std::string id = s.value("id", "");
      const auto it = special_tokens.is_object() ? special_tokens.find(id) : special_tokens.end();
      if (it == special_tokens.end() || !it->is_object() || !(*it)["ids"].is_array() ||
          !(*it)["tokens"].is_array() || (*it)["ids"].size() != (*it)["tokens"].size()) {
        return Err(source,
                   absl::StrCat(where, ": special token '", id,
                                "' is not in post_processor.special_tokens (with ids and tokens)"));
      }
      for (const json& v : (*it)["ids"]) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
            v.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
          return Err(source, absl::StrCat(where, ": special token '", id, "' has a bad id"));
        }
        p.special_ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
      }
      for (const json& v : (*it)["tokens"]) {
        if (!v.is_string()) return Err(source, absl::StrCat(where, ": bad tokens of '", id, "'"));
        p.special_tokens.push_back(v.get<std::string>());
      }
      ATTN_ASSIGN_OR_RETURN(p.type_id, type_id(s));
    } else {
      return Err(source, absl::StrCat(where, ": unsupported template element ", e.dump()));
    }
    out.push_back(std::move(p));
  }
  if (seen[0] != 1 || seen[1] != (pair ? 1 : 0)) {
    return Err(source, absl::StrCat(where, pair ? " must hold $A and $B once each"
                                                : " must hold $A once and no $B"));
  }
  return out;
}

std::vector<Tokenizer::TemplatePiece> BertTemplate(bool pair, int32_t cls_id,
                                                   const std::string& cls, int32_t sep_id,
                                                   const std::string& sep) {
  using P = Tokenizer::TemplatePiece;
  std::vector<P> t;
  t.push_back(P{false, 0, {cls_id}, {cls}, 0});
  t.push_back(P{true, 0, {}, {}, 0});
  t.push_back(P{false, 0, {sep_id}, {sep}, 0});
  if (pair) {
    t.push_back(P{true, 1, {}, {}, 1});
    t.push_back(P{false, 0, {sep_id}, {sep}, 1});
  }
  return t;
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

absl::Status Tokenizer::Finish(absl::string_view source_name) {
  source_ = std::string(source_name);
  // Ids of added tokens beyond the model vocabulary extend id_to_token_.
  for (const AddedToken& a : added_tokens_) {
    if (a.id < 0) return Err(source_name, absl::StrCat("added token '", a.content, "' has no id"));
    const auto id = static_cast<size_t>(a.id);
    if (id >= id_to_token_.size()) {
      if (id > id_to_token_.size() + 1'000'000) {
        return Err(source_name, absl::StrCat("added token '", a.content, "' has id ", a.id,
                                             ", far beyond the vocabulary"));
      }
      id_to_token_.resize(id + 1);
    }
    if (id_to_token_[id].empty()) {
      id_to_token_[id] = a.content;
    } else if (id_to_token_[id] != a.content) {
      return Err(source_name, absl::StrCat("added token '", a.content, "' has id ", a.id,
                                           ", which is the vocabulary's '", id_to_token_[id], "'"));
    }
  }
  // Matching patterns: the content, or for normalized=true the content normalized as the text
  // will be. Longest first, so that the first match at a position is the longest.
  for (const AddedToken& a : added_tokens_) {
    AddedMatcher& m = a.normalized ? normalized_added_ : raw_added_;
    std::string pattern = a.content;
    if (a.normalized && normalizer_.enabled) {
      std::vector<NChar> chars;
      Normalize(a.content, 0, a.content.size(), chars);
      pattern.clear();
      char buf[4];
      for (const NChar& c : chars) {
        pattern.append(buf, static_cast<size_t>(unicode::EncodeUtf8(c.cp, buf)));
      }
      if (pattern.empty()) {
        return Err(source_name, absl::StrCat("added token '", a.content,
                                             "' (normalized=true) is empty once normalized"));
      }
    }
    m.tokens.push_back(&a);
    m.patterns.push_back(std::move(pattern));
  }
  for (AddedMatcher* m : {&raw_added_, &normalized_added_}) {
    std::vector<size_t> order(m->tokens.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return m->patterns[x].size() > m->patterns[y].size();
    });
    AddedMatcher sorted;
    for (size_t i : order) {
      sorted.tokens.push_back(m->tokens[i]);
      sorted.patterns.push_back(m->patterns[i]);
      sorted.first_byte[static_cast<unsigned char>(m->patterns[i][0])] = true;
    }
    *m = std::move(sorted);
  }
  for (const auto* tmpl : {&single_template_, &pair_template_}) {
    for (const TemplatePiece& p : *tmpl) {
      for (int32_t id : p.special_ids) {
        if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) {
          return Err(source_name, absl::StrCat("post_processor: special token id ", id,
                                               " is outside the vocabulary"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromTokenizerJson(
    absl::string_view text, absl::string_view source, const absl::string_view* config_json) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Err(source, "not a JSON object");
  std::unique_ptr<Tokenizer> t(new Tokenizer());

  // model
  const auto model_it = j.find("model");
  if (model_it == j.end() || !model_it->is_object()) return Err(source, "no model object");
  const json& model = *model_it;
  const std::string model_type = model.value("type", "");
  // Old files have no "type": the Rust crate then recognises the model by its fields.
  const bool wordpiece_shape = model.contains("vocab") && model["vocab"].is_object() &&
                               model.contains("continuing_subword_prefix") &&
                               model.contains("max_input_chars_per_word");
  if (model_type != "WordPiece" && !(model_type.empty() && wordpiece_shape)) {
    return Err(source, absl::StrCat("model type '", model_type.empty() ? "unknown" : model_type,
                                    "' is not supported (supported: WordPiece)"));
  }
  ATTN_RETURN_IF_ERROR(CheckKeys(
      model,
      {"type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"},
      source, "model"));
  if (!model.contains("vocab") || !model["vocab"].is_object()) {
    return Err(source, "model.vocab must be an object {token: id}");
  }
  ATTN_ASSIGN_OR_RETURN(std::string unk, GetString(model, "unk_token", source, "model"));
  std::string prefix = "##";
  if (model.contains("continuing_subword_prefix")) {
    ATTN_ASSIGN_OR_RETURN(prefix, GetString(model, "continuing_subword_prefix", source, "model"));
  }
  int max_chars = 100;
  if (const auto it = model.find("max_input_chars_per_word"); it != model.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0 ||
        it->get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return Err(source, "model.max_input_chars_per_word must be a positive integer");
    }
    max_chars = static_cast<int>(it->get<int64_t>());
  }
  const json& vocab = model["vocab"];
  std::vector<std::pair<std::string, int32_t>> entries;
  entries.reserve(vocab.size());
  t->id_to_token_.assign(vocab.size(), std::string());
  std::vector<bool> seen(vocab.size(), false);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() >= static_cast<int64_t>(vocab.size())) {
      return Err(source, absl::StrCat("model.vocab['", it.key(), "'] = ", it->dump(),
                                      ": ids must be 0..", vocab.size() - 1));
    }
    const auto id = static_cast<size_t>(it->get<int64_t>());
    if (seen[id]) {
      return Err(source, absl::StrCat("model.vocab: id ", id, " is used twice ('",
                                      t->id_to_token_[id], "' and '", it.key(), "')"));
    }
    seen[id] = true;
    t->id_to_token_[id] = it.key();
    entries.emplace_back(it.key(), static_cast<int32_t>(id));
  }
  ATTN_RETURN_IF_ERROR(t->model_.Init(entries, unk, prefix, max_chars, source));

  // normalizer, pre_tokenizer
  ATTN_ASSIGN_OR_RETURN(
      t->normalizer_, ParseNormalizer(j.contains("normalizer") ? j["normalizer"] : json(), source));
  ATTN_RETURN_IF_ERROR(
      ParsePreTokenizer(j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(), source));

  // post_processor
  const json post = j.contains("post_processor") ? j["post_processor"] : json();
  if (post.is_null()) {
    t->single_template_ = {TemplatePiece{true, 0, {}, {}, 0}};
    t->pair_template_ = {TemplatePiece{true, 0, {}, {}, 0}, TemplatePiece{true, 1, {}, {}, 1}};
  } else {
    const std::string type = post.is_object() ? post.value("type", "") : "";
    if (type == "TemplateProcessing") {
      ATTN_RETURN_IF_ERROR(
          CheckKeys(post, {"type", "single", "pair", "special_tokens"}, source, "post_processor"));
      const json special =
          post.contains("special_tokens") ? post["special_tokens"] : json::object();
      ATTN_ASSIGN_OR_RETURN(t->single_template_,
                            ParseTemplate(post.value("single", json()), special, false, source));
      ATTN_ASSIGN_OR_RETURN(t->pair_template_,
                            ParseTemplate(post.value("pair", json()), special, true, source));
    } else if (type == "BertProcessing") {
      ATTN_RETURN_IF_ERROR(CheckKeys(post, {"type", "sep", "cls"}, source, "post_processor"));
      auto token = [&](const char* key) -> absl::StatusOr<std::pair<std::string, int32_t>> {
        const auto it = post.find(key);
        if (it == post.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string() ||
            !(*it)[1].is_number_integer()) {
          return Err(source, absl::StrCat("post_processor.", key, " must be [token, id]"));
        }
        return std::make_pair((*it)[0].get<std::string>(), (*it)[1].get<int32_t>());
      };
      ATTN_ASSIGN_OR_RETURN(auto sep, token("sep"));
      ATTN_ASSIGN_OR_RETURN(auto cls, token("cls"));
      t->single_template_ = BertTemplate(false, cls.second, cls.first, sep.second, sep.first);
      t->pair_template_ = BertTemplate(true, cls.second, cls.first, sep.second, sep.first);
    } else {
      return Err(source, absl::StrCat("post_processor type '", type.empty() ? post.dump() : type,
                                      "' is not supported (supported: TemplateProcessing, "
                                      "BertProcessing, or null)"));
    }
  }

  // added_tokens
  if (const auto it = j.find("added_tokens"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Err(source, "added_tokens is not an array");
    for (size_t i = 0; i < it->size(); ++i) {
      ATTN_ASSIGN_OR_RETURN(
          AddedToken a, ParseAddedToken((*it)[i], source, absl::StrCat("added_tokens[", i, "]")));
      if (a.id < 0) return Err(source, absl::StrCat("added_tokens[", i, "] has no id"));
      t->added_tokens_.push_back(std::move(a));
    }
  }

  // truncation / padding: the per-request TokenizeOptions decide; a file that asks for a
  // truncation we could not reproduce (stride, another strategy) is rejected.
  if (const auto it = j.find("truncation"); it != j.end() && !it->is_null()) {
    if (!it->is_object() || it->value("stride", 0) != 0 ||
        it->value("strategy", "LongestFirst") != "LongestFirst") {
      return Err(source, absl::StrCat("truncation ", it->dump(),
                                      " is not supported (only LongestFirst without stride)"));
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
    const NormalizerOptions& n = t->normalizer_;
    auto check = [&](const char* key, bool actual) -> absl::Status {
      const auto k = cfg.find(key);
      if (k == cfg.end() || k->is_null() || !k->is_boolean() || k->get<bool>() == actual) {
        return absl::OkStatus();
      }
      return Err(config_source, absl::StrCat("tokenizer_config.json says ", key, "=", k->dump(),
                                             " but the tokenizer.json normalizer disagrees"));
    };
    if (n.enabled) {
      ATTN_RETURN_IF_ERROR(check("do_lower_case", n.lowercase));
      ATTN_RETURN_IF_ERROR(check("tokenize_chinese_chars", n.handle_chinese_chars));
      ATTN_RETURN_IF_ERROR(check("strip_accents", n.strip_accents));
    }
  }
  ATTN_RETURN_IF_ERROR(t->Finish(source));
  return t;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromVocab(
    std::vector<std::string> vocab, const BertTokenizerOptions& options) {
  constexpr absl::string_view kSource = "vocab";
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  std::vector<std::pair<std::string, int32_t>> entries;
  entries.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) {
    // As transformers' load_vocab: a repeated token maps to its last line.
    entries.emplace_back(vocab[i], static_cast<int32_t>(i));
  }
  ATTN_RETURN_IF_ERROR(t->model_.Init(entries, options.unk_token, options.continuing_subword_prefix,
                                      options.max_input_chars_per_word, kSource));
  t->id_to_token_ = std::move(vocab);
  t->normalizer_.enabled = true;
  t->normalizer_.clean_text = options.clean_text;
  t->normalizer_.handle_chinese_chars = options.handle_chinese_chars;
  t->normalizer_.lowercase = options.lowercase;
  t->normalizer_.strip_accents = options.strip_accents.value_or(options.lowercase);
  t->model_max_length_ = options.model_max_length;

  const int32_t cls = t->model_.Find(options.cls_token);
  const int32_t sep = t->model_.Find(options.sep_token);
  if (cls < 0 || sep < 0) {
    return Err(kSource, absl::StrCat("cls_token '", options.cls_token, "' and sep_token '",
                                     options.sep_token, "' must be in the vocabulary"));
  }
  t->single_template_ = BertTemplate(false, cls, options.cls_token, sep, options.sep_token);
  t->pair_template_ = BertTemplate(true, cls, options.cls_token, sep, options.sep_token);
  // The special tokens become added tokens matched in the raw text, as when transformers
  // converts the slow tokenizer (only those in the vocabulary).
  absl::flat_hash_set<std::string> have;
  for (const AddedToken& a : options.extra_added_tokens) {
    t->added_tokens_.push_back(a);
    have.insert(a.content);
  }
  for (const std::string* s : {&options.pad_token, &options.unk_token, &options.cls_token,
                               &options.sep_token, &options.mask_token}) {
    const int32_t id = t->model_.Find(*s);
    if (id < 0 || s->empty() || !have.insert(*s).second) continue;
    AddedToken a;
    a.content = *s;
    a.id = id;
    t->added_tokens_.push_back(std::move(a));
  }
  ATTN_RETURN_IF_ERROR(t->Finish(kSource));
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
