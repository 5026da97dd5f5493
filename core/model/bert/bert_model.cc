#include "core/model/bert/bert_model.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/dnnl/dnnl_util.h"
#include "core/model/bert/bert_encoder.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Checkpoint tensor names: canonical (BertModel) name first, then the spellings other exports
// use for the same tensor: "bert." prefix (BertFor* heads), TF-era LayerNorm gamma/beta.
std::vector<std::string> CandidateNames(const std::string& name) {
  std::vector<std::string> bases = {name};
  const std::string ln_weight = "LayerNorm.weight", ln_bias = "LayerNorm.bias";
  if (name.ends_with(ln_weight)) {
    bases.push_back(name.substr(0, name.size() - std::strlen("weight")) + "gamma");
  } else if (name.ends_with(ln_bias)) {
    bases.push_back(name.substr(0, name.size() - std::strlen("bias")) + "beta");
  }
  std::vector<std::string> out;
  for (const auto& b : bases) out.push_back(b);
  for (const auto& b : bases) out.push_back("bert." + b);
  return out;
}

class Loader {
 public:
  explicit Loader(WeightsReader& weights) : weights_(weights) {}

  absl::StatusOr<Tensor> Read(const std::string& name, std::vector<int64_t> shape) {
    const std::vector<std::string> candidates = CandidateNames(name);
    for (const std::string& c : candidates) {
      if (weights_.Has(c)) return weights_.Read(c, shape);
    }
    return absl::NotFoundError(absl::StrCat(weights_.source(), ": missing tensor '", name,
                                            "' (looked for '", absl::StrJoin(candidates, "', '"),
                                            "')"));
  }

 private:
  WeightsReader& weights_;
};

// Rows of `parts` stacked: [n0 + n1 + ..., cols].
Tensor Concat(const std::vector<const Tensor*>& parts) {
  int64_t rows = 0;
  for (const Tensor* p : parts) rows += p->dim(0);
  std::vector<int64_t> shape = parts[0]->shape();
  shape[0] = rows;
  Tensor out(shape);
  float* dst = out.data();
  for (const Tensor* p : parts) {
    std::memcpy(dst, p->data(), static_cast<size_t>(p->size()) * sizeof(float));
    dst += p->size();
  }
  return out;
}

}  // namespace

ModelSpec BertModel::SpecOf(const BertConfig& config) {
  ModelSpec spec;
  spec.architecture = "bert";
  spec.hidden_size = config.hidden_size;
  spec.num_layers = config.num_hidden_layers;
  spec.num_heads = config.num_attention_heads;
  spec.intermediate_size = config.intermediate_size;
  spec.max_positions = config.max_position_embeddings;
  spec.vocab_size = config.vocab_size;
  spec.type_vocab_size = config.type_vocab_size;
  spec.defaults.max_seq_length = config.max_position_embeddings;
  spec.compute_dtype = DType::kF32;
  return spec;
}

absl::StatusOr<std::unique_ptr<const BertModel>> BertModel::FromWeights(const BertConfig& config,
                                                                        WeightsReader& weights) {
  return FromWeights(config, weights, SpecOf(config));
}

absl::StatusOr<std::unique_ptr<const BertModel>> BertModel::FromWeights(const BertConfig& config,
                                                                        WeightsReader& weights,
                                                                        ModelSpec spec) {
  ATTN_RETURN_IF_ERROR(config.Validate("config"));
  std::unique_ptr<BertModel> m(new BertModel());
  m->config_ = config;
  m->spec_ = std::move(spec);
  const int64_t h = config.hidden_size, inter = config.intermediate_size;
  Loader loader(weights);

  ATTN_ASSIGN_OR_RETURN(m->word_,
                        loader.Read("embeddings.word_embeddings.weight", {config.vocab_size, h}));
  ATTN_ASSIGN_OR_RETURN(m->position_, loader.Read("embeddings.position_embeddings.weight",
                                                  {config.max_position_embeddings, h}));
  ATTN_ASSIGN_OR_RETURN(m->token_type_, loader.Read("embeddings.token_type_embeddings.weight",
                                                    {config.type_vocab_size, h}));
  ATTN_ASSIGN_OR_RETURN(m->emb_ln_gamma_, loader.Read("embeddings.LayerNorm.weight", {h}));
  ATTN_ASSIGN_OR_RETURN(m->emb_ln_beta_, loader.Read("embeddings.LayerNorm.bias", {h}));

  dnnl::engine engine;
  try {
    engine = dnnl::engine(dnnl::engine::kind::cpu, 0);
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, "creating the oneDNN CPU engine");
  }
  for (int i = 0; i < config.num_hidden_layers; ++i) {
    const std::string p = absl::StrCat("encoder.layer.", i, ".");
    ATTN_ASSIGN_OR_RETURN(Tensor wq, loader.Read(p + "attention.self.query.weight", {h, h}));
    ATTN_ASSIGN_OR_RETURN(Tensor bq, loader.Read(p + "attention.self.query.bias", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor wk, loader.Read(p + "attention.self.key.weight", {h, h}));
    ATTN_ASSIGN_OR_RETURN(Tensor bk, loader.Read(p + "attention.self.key.bias", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor wv, loader.Read(p + "attention.self.value.weight", {h, h}));
    ATTN_ASSIGN_OR_RETURN(Tensor bv, loader.Read(p + "attention.self.value.bias", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor wo, loader.Read(p + "attention.output.dense.weight", {h, h}));
    ATTN_ASSIGN_OR_RETURN(Tensor bo, loader.Read(p + "attention.output.dense.bias", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor w1, loader.Read(p + "intermediate.dense.weight", {inter, h}));
    ATTN_ASSIGN_OR_RETURN(Tensor b1, loader.Read(p + "intermediate.dense.bias", {inter}));
    ATTN_ASSIGN_OR_RETURN(Tensor w2, loader.Read(p + "output.dense.weight", {h, inter}));
    ATTN_ASSIGN_OR_RETURN(Tensor b2, loader.Read(p + "output.dense.bias", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor g1, loader.Read(p + "attention.output.LayerNorm.weight", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor be1, loader.Read(p + "attention.output.LayerNorm.bias", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor g2, loader.Read(p + "output.LayerNorm.weight", {h}));
    ATTN_ASSIGN_OR_RETURN(Tensor be2, loader.Read(p + "output.LayerNorm.bias", {h}));

    const Tensor wqkv = Concat({&wq, &wk, &wv});
    const Tensor bqkv = Concat({&bq, &bk, &bv});
    ATTN_ASSIGN_OR_RETURN(PackedDense qkv, PackedDense::Create(engine, wqkv, bqkv));
    ATTN_ASSIGN_OR_RETURN(PackedDense attn_out, PackedDense::Create(engine, wo, bo));
    ATTN_ASSIGN_OR_RETURN(PackedDense ffn_in, PackedDense::Create(engine, w1, b1));
    ATTN_ASSIGN_OR_RETURN(PackedDense ffn_out, PackedDense::Create(engine, w2, b2));
    m->layers_.push_back(Layer{std::move(qkv), std::move(attn_out), std::move(ffn_in),
                               std::move(ffn_out), std::move(g1), std::move(be1), std::move(g2),
                               std::move(be2)});
  }
  return std::unique_ptr<const BertModel>(std::move(m));
}

EmbeddingTables BertModel::embedding_tables() const {
  return EmbeddingTables{word_.data(),          position_.data(),    token_type_.data(),
                         emb_ln_gamma_.data(),  emb_ln_beta_.data(), config_.hidden_size,
                         config_.layer_norm_eps};
}

absl::StatusOr<std::unique_ptr<Session>> BertModel::CreateSession() const {
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<BertEncoder> encoder,
                        BertEncoder::Create(shared_from_this()));
  return std::unique_ptr<Session>(std::move(encoder));
}

double BertModel::ForwardFlops(const PackedBatch& batch) const {
  // Dense layers: 2 x (QKV 3H^2 + output H^2 + FFN 2HI) per token and layer; attention: QK^T and
  // PV, 2 x 2 x n^2 x H per sequence and layer.
  const double h = config_.hidden_size, inter = config_.intermediate_size,
               layers = config_.num_hidden_layers;
  const double dense_per_token = 2.0 * (4.0 * h * h + 2.0 * h * inter) * layers;
  double f = 0.0;
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const double n = static_cast<double>(batch.length(s));
    f += dense_per_token * n + 4.0 * n * n * h * layers;
  }
  return f;
}

int64_t BertModel::bytes() const {
  int64_t b = (word_.size() + position_.size() + token_type_.size() + emb_ln_gamma_.size() +
               emb_ln_beta_.size()) *
              static_cast<int64_t>(sizeof(float));
  for (const Layer& l : layers_) {
    b += l.qkv.bytes() + l.attn_out.bytes() + l.ffn_in.bytes() + l.ffn_out.bytes();
    b += (l.attn_ln_gamma.size() + l.attn_ln_beta.size() + l.ffn_ln_gamma.size() +
          l.ffn_ln_beta.size()) *
         static_cast<int64_t>(sizeof(float));
  }
  return b;
}

}  // namespace attnserve::core
