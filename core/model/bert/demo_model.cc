#include "core/model/bert/demo_model.h"

#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {
namespace {

constexpr absl::string_view kWords =
    "the of and to in a is that for it as was with be by on not he i this are or his from at "
    "which but have an they you were her she there one all we their can has been if more when "
    "will would who so no what up out about into than them time only its other new some could "
    "these two may first then do any like my now over such our man me even most made after also "
    "did many before must through back years where much your way well down should because each "
    "just those people how too little state good very make world still own see men work long "
    "get here between both life being under never day same another know while last might us "
    "great old year off come since against go came right used take three hello text "
    "embedding embeddings vector vectors model models search query document sentence token "
    "tokens language server service fast quick brown fox jumps lazy dog cat data machine "
    "learning neural network attention transformer encoder inference batch request response "
    "why question answer example test";

constexpr absl::string_view kSuffixes =
    "s es ed ing er ers ly tion tions ment ness able al ize ity ous ive ist est ful less y";

// splitmix64: tiny, fast, and the same on every platform and compiler.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1).
  float Symmetric() { return static_cast<float>(Next() >> 40) / 8388608.0f - 1.0f; }

 private:
  uint64_t state_;
};

std::vector<float> Random(SplitMix64& rng, int64_t n, float center, float spread) {
  std::vector<float> values(static_cast<size_t>(n));
  for (float& x : values) x = center + spread * rng.Symmetric();
  return values;
}

std::vector<std::string> BuildVocabulary() {
  std::vector<std::string> vocab;
  absl::flat_hash_set<std::string> seen;
  auto add = [&](std::string token) {
    if (seen.insert(token).second) vocab.push_back(std::move(token));
  };
  add("[PAD]");
  for (int i = 0; i < 99; ++i) add(absl::StrCat("[unused", i, "]"));
  for (const char* t : {"[UNK]", "[CLS]", "[SEP]", "[MASK]"}) add(t);
  for (int c = 33; c < 127; ++c) {
    if (c >= 'A' && c <= 'Z') continue;  // uncased
    add(std::string(1, static_cast<char>(c)));
  }
  for (char c = 'a'; c <= 'z'; ++c) add(absl::StrCat("##", std::string(1, c)));
  for (char c = '0'; c <= '9'; ++c) add(absl::StrCat("##", std::string(1, c)));
  for (absl::string_view w : absl::StrSplit(kWords, ' ', absl::SkipEmpty())) add(std::string(w));
  for (absl::string_view x : absl::StrSplit(kSuffixes, ' ', absl::SkipEmpty())) {
    add(absl::StrCat("##", x));
  }
  return vocab;
}

}  // namespace

const std::vector<std::string>& DemoVocabulary() {
  static const std::vector<std::string>* const vocab =
      new std::vector<std::string>(BuildVocabulary());
  return *vocab;
}

BertConfig DemoConfig() {
  BertConfig c;
  c.vocab_size = static_cast<int>(DemoVocabulary().size());
  c.hidden_size = 128;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.intermediate_size = 512;
  c.max_position_embeddings = 512;
  c.type_vocab_size = 2;
  c.layer_norm_eps = 1e-12f;
  c.hidden_act = Activation::kGeluErf;
  return c;
}

std::string DemoConfigJson() {
  const BertConfig c = DemoConfig();
  return absl::StrCat(R"({"model_type": "bert", "vocab_size": )", c.vocab_size,
                      R"(, "hidden_size": )", c.hidden_size, R"(, "num_hidden_layers": )",
                      c.num_hidden_layers, R"(, "num_attention_heads": )", c.num_attention_heads,
                      R"(, "intermediate_size": )", c.intermediate_size,
                      R"(, "max_position_embeddings": )", c.max_position_embeddings,
                      R"(, "type_vocab_size": )", c.type_vocab_size,
                      R"(, "layer_norm_eps": 1e-12, "hidden_act": "gelu"})");
}

EmbeddingDefaults DemoEmbeddingDefaults() {
  EmbeddingDefaults d;
  d.pooling = Pooling::kMean;
  d.normalize = true;
  d.max_seq_length = DemoConfig().max_position_embeddings;
  return d;
}

std::unique_ptr<InMemoryWeightsReader> MakeDemoWeights(const BertConfig& c, uint64_t seed) {
  auto w = std::make_unique<InMemoryWeightsReader>("demo model");
  SplitMix64 rng(seed);
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  // Uniform with std 0.02 (BERT's initializer_range): spread = 0.02 * sqrt(3).
  const float std_spread = 0.0346f;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float center, float spread) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    w->Add(name, std::move(shape), Random(rng, n, center, spread));
  };
  add("embeddings.word_embeddings.weight", {c.vocab_size, h}, 0.0f, std_spread);
  add("embeddings.position_embeddings.weight", {c.max_position_embeddings, h}, 0.0f, std_spread);
  add("embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}, 0.0f, std_spread);
  add("embeddings.LayerNorm.weight", {h}, 1.0f, 0.1f);
  add("embeddings.LayerNorm.bias", {h}, 0.0f, 0.02f);
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = absl::StrCat("encoder.layer.", i, ".");
    for (const char* qkv : {"query", "key", "value"}) {
      add(absl::StrCat(p, "attention.self.", qkv, ".weight"), {h, h}, 0.0f, std_spread);
      add(absl::StrCat(p, "attention.self.", qkv, ".bias"), {h}, 0.0f, 0.02f);
    }
    add(p + "attention.output.dense.weight", {h, h}, 0.0f, std_spread);
    add(p + "attention.output.dense.bias", {h}, 0.0f, 0.02f);
    add(p + "attention.output.LayerNorm.weight", {h}, 1.0f, 0.1f);
    add(p + "attention.output.LayerNorm.bias", {h}, 0.0f, 0.02f);
    add(p + "intermediate.dense.weight", {inter, h}, 0.0f, std_spread);
    add(p + "intermediate.dense.bias", {inter}, 0.0f, 0.02f);
    add(p + "output.dense.weight", {h, inter}, 0.0f, std_spread);
    add(p + "output.dense.bias", {h}, 0.0f, 0.02f);
    add(p + "output.LayerNorm.weight", {h}, 1.0f, 0.1f);
    add(p + "output.LayerNorm.bias", {h}, 0.0f, 0.02f);
  }
  return w;
}

}  // namespace attnserve::core
