#include "core/model/modernbert/modernbert_model.h"

#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

#include "core/dnnl/dnnl_util.h"
#include "core/layers/sliding_window_attention.h"
#include "core/layers/token_embeddings.h"
#include "core/model/validate.h"
#include "core/ops/layer_norm.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// The Session of a ModernBertModel: embeddings, the layer stack, the final norm, on packed
// batches. Bound to the thread that created it (oneDNN 2.x primitives must run there; checked).
class ModernBertSession final : public Session {
 public:
  static absl::StatusOr<std::unique_ptr<ModernBertSession>> Create(
      std::shared_ptr<const ModernBertModel> model) {
    ATTN_CHECK(model != nullptr);
    if (model->layers().empty()) return absl::InvalidArgumentError("the model has no layers");
    std::unique_ptr<ModernBertSession> s(new ModernBertSession(std::move(model)));
    s->owner_ = std::this_thread::get_id();
    ATTN_RETURN_IF_ERROR(CreateCpuEngine(s->engine_, &s->stream_));
    ATTN_ASSIGN_OR_RETURN(s->stack_,
                          PreNormLayerStack::Create(s->engine_, s->model_->arch().layer_shape(),
                                                    s->model_->layers().front()));
    return s;
  }

  const ModelSpec& spec() const override { return model_->spec(); }

  absl::StatusOr<std::span<const float>> Forward(const PackedBatch& batch) override {
    ATTN_CHECK_MSG(std::this_thread::get_id() == owner_,
                   "a ModernBERT session used from a thread other than the one that created it");
    if (batch.num_sequences() == 0) return absl::InvalidArgumentError("the batch is empty");
    ATTN_DCHECK_OK(ValidateBatch(model_->spec(), batch));
    const ModernBertArch& a = model_->arch();
    const int64_t tokens = batch.num_tokens();
    const int64_t padded = RoundUpRows(tokens);
    const int64_t h = a.hidden_size;
    EnsureCapacity(padded);
    SetFlushDenormalsInTeam();
    TokenEmbeddingsForward(batch.ids(), model_->word_embeddings().data(),
                           model_->embeddings_norm_gamma().data(),
                           model_->embeddings_norm_beta().data(), h, a.norm_eps, hidden_.data());
    // The rows past the last token go through the matmuls too: they must be finite.
    std::memset(hidden_.data() + tokens * h, 0,
                static_cast<size_t>((padded - tokens) * h) * sizeof(float));
    try {
      stack_->Forward(stream_, model_->layers(), model_->rotary_tables(), batch.offsets(),
                      batch.max_length(), hidden_.data());
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, "ModernBERT forward");
    }
    LayerNormRows(hidden_.data(), tokens, h, model_->final_norm_gamma().data(),
                  model_->final_norm_beta().data(), a.norm_eps);
    return std::span<const float>(hidden_.data(), static_cast<size_t>(tokens * h));
  }

  void Reserve(int64_t max_tokens, int64_t max_length) override {
    EnsureCapacity(RoundUpRows(max_tokens));
    stack_->Reserve(RoundUpRows(max_tokens), max_length);
  }
  int num_primitives() const override { return stack_->num_primitives(); }
  std::string ImplSummary() const override { return stack_->ImplSummary(); }

 private:
  explicit ModernBertSession(std::shared_ptr<const ModernBertModel> model)
      : model_(std::move(model)) {}

  void EnsureCapacity(int64_t padded_rows) {
    if (padded_rows <= capacity_rows_) return;
    // Not zeroed: pages are only touched (and resident) once a batch that large comes.
    hidden_.Reset(static_cast<size_t>(padded_rows * model_->arch().hidden_size));
    capacity_rows_ = padded_rows;
  }

  std::shared_ptr<const ModernBertModel> model_;
  std::thread::id owner_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unique_ptr<PreNormLayerStack> stack_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> hidden_;
};

// Reads tensors bare or under ModernBertFor*'s "model." prefix.
class Loader {
 public:
  explicit Loader(WeightsReader& weights) : weights_(weights) {}

  absl::StatusOr<Tensor> Read(const std::string& name, std::vector<int64_t> shape) {
    for (const std::string& c : {name, "model." + name}) {
      if (weights_.Has(c)) return weights_.Read(c, shape);
    }
    return absl::NotFoundError(absl::StrCat(weights_.source(), ": missing tensor '", name,
                                            "' (looked for '", name, "', 'model.", name, "')"));
  }

  // The bias `name` if `present`, else an empty tensor (a layer without bias).
  absl::StatusOr<Tensor> ReadBias(bool present, const std::string& name, int64_t size) {
    if (!present) return Tensor();
    return Read(name, {size});
  }

  // The dense layer `stem` ([out, in] weight; a bias [out] if `has_bias`), packed on `engine`.
  absl::StatusOr<PackedDense> ReadDense(const dnnl::engine& engine, const std::string& stem,
                                        int64_t out, int64_t in, bool has_bias) {
    ATTN_ASSIGN_OR_RETURN(const Tensor weight, Read(stem + ".weight", {out, in}));
    ATTN_ASSIGN_OR_RETURN(const Tensor bias, ReadBias(has_bias, stem + ".bias", out));
    return PackedDense::CreateWithOptionalBias(engine, weight, bias);
  }

  // A LayerNorm's beta: read if the norms have a bias, else zeros of `size`.
  absl::StatusOr<Tensor> ReadNormBias(bool present, const std::string& name, int64_t size) {
    if (present) return Read(name, {size});
    Tensor zero({size});
    std::memset(zero.data(), 0, static_cast<size_t>(size) * sizeof(float));
    return zero;
  }

 private:
  WeightsReader& weights_;
};

}  // namespace

PreNormLayerShape ModernBertArch::layer_shape() const {
  return PreNormLayerShape{hidden_size, num_heads, intermediate_size,
                           norm_eps,    activation, half_window};
}

absl::StatusOr<std::unique_ptr<const ModernBertModel>> ModernBertModel::FromWeights(
    const ModernBertArch& arch, WeightsReader& weights, ModelSpec spec) {
  if (arch.hidden_size <= 0 || arch.num_heads <= 0 || arch.hidden_size % arch.num_heads != 0 ||
      arch.head_dim() % 2 != 0 || arch.max_positions <= 0 ||
      static_cast<int>(arch.local_layers.size()) != arch.num_layers) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a ModernBERT encoder of hidden size ", arch.hidden_size, ", ", arch.num_heads,
        " heads, ", arch.max_positions, " positions and ", arch.local_layers.size(),
        " layer kinds for ", arch.num_layers, " layers cannot be built: heads must divide the ",
        "hidden size into an even head size (rotary), and every layer needs a kind"));
  }
  std::unique_ptr<ModernBertModel> m(new ModernBertModel());
  m->arch_ = arch;
  m->spec_ = std::move(spec);
  const int64_t h = arch.hidden_size, inter = arch.intermediate_size;
  Loader loader(weights);
  ATTN_ASSIGN_OR_RETURN(m->word_,
                        loader.Read("embeddings.tok_embeddings.weight", {arch.vocab_size, h}));
  ATTN_ASSIGN_OR_RETURN(m->emb_norm_gamma_, loader.Read("embeddings.norm.weight", {h}));
  ATTN_ASSIGN_OR_RETURN(m->emb_norm_beta_,
                        loader.ReadNormBias(arch.norm_bias, "embeddings.norm.bias", h));
  ATTN_ASSIGN_OR_RETURN(m->final_norm_gamma_, loader.Read("final_norm.weight", {h}));
  ATTN_ASSIGN_OR_RETURN(m->final_norm_beta_,
                        loader.ReadNormBias(arch.norm_bias, "final_norm.bias", h));

  dnnl::engine engine;
  ATTN_RETURN_IF_ERROR(CreateCpuEngine(engine));
  for (int i = 0; i < arch.num_layers; ++i) {
    const std::string p = absl::StrCat("layers.", i, ".");
    PreNormLayerWeights l;
    l.local = arch.local_layers[static_cast<size_t>(i)];
    // transformers makes layer 0's attn_norm nn.Identity (no tensor), whatever the config.
    if (i > 0) {
      ATTN_ASSIGN_OR_RETURN(l.attn_norm_gamma, loader.Read(p + "attn_norm.weight", {h}));
      ATTN_ASSIGN_OR_RETURN(l.attn_norm_beta,
                            loader.ReadNormBias(arch.norm_bias, p + "attn_norm.bias", h));
    }
    ATTN_ASSIGN_OR_RETURN(
        l.qkv, loader.ReadDense(engine, p + "attn.Wqkv", 3 * h, h, arch.attention_bias));
    ATTN_ASSIGN_OR_RETURN(l.attn_out,
                          loader.ReadDense(engine, p + "attn.Wo", h, h, arch.attention_bias));
    ATTN_ASSIGN_OR_RETURN(l.mlp_norm_gamma, loader.Read(p + "mlp_norm.weight", {h}));
    ATTN_ASSIGN_OR_RETURN(l.mlp_norm_beta,
                          loader.ReadNormBias(arch.norm_bias, p + "mlp_norm.bias", h));
    ATTN_ASSIGN_OR_RETURN(const Tensor wi, loader.Read(p + "mlp.Wi.weight", {2 * inter, h}));
    ATTN_ASSIGN_OR_RETURN(const Tensor bi,
                          loader.ReadBias(arch.mlp_bias, p + "mlp.Wi.bias", 2 * inter));
    ATTN_ASSIGN_OR_RETURN(const Tensor wmo, loader.Read(p + "mlp.Wo.weight", {h, inter}));
    ATTN_ASSIGN_OR_RETURN(const Tensor bmo, loader.ReadBias(arch.mlp_bias, p + "mlp.Wo.bias", h));
    ATTN_ASSIGN_OR_RETURN(l.mlp, PackGluMlp(engine, wi, bi, wmo, bmo));
    m->layers_.push_back(std::move(l));
  }
  m->global_rotary_ = RotaryTable(arch.head_dim(), arch.global_rope_theta, arch.max_positions);
  m->local_rotary_ = RotaryTable(arch.head_dim(), arch.local_rope_theta, arch.max_positions);
  return std::unique_ptr<const ModernBertModel>(std::move(m));
}

absl::StatusOr<std::unique_ptr<Session>> ModernBertModel::CreateSession() const {
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<ModernBertSession> session,
                        ModernBertSession::Create(shared_from_this()));
  return std::unique_ptr<Session>(std::move(session));
}

double ModernBertModel::ForwardFlops(const PackedBatch& batch) const {
  // Dense layers: 2 x (QKV 3H^2 + output H^2 + GLU 3HI) per token and layer; attention: QK^T
  // and PV, 2 x 2 x H per (query, key) pair kept — n^2 in a global layer, the window's pairs in
  // a local one.
  const double h = arch_.hidden_size, inter = arch_.intermediate_size;
  const double dense_per_token = 2.0 * (4.0 * h * h + 3.0 * h * inter) * arch_.num_layers;
  int local = 0;
  for (bool l : arch_.local_layers) local += l ? 1 : 0;
  const int global = arch_.num_layers - local;
  double f = 0.0;
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const int64_t n = batch.length(s);
    const double nd = static_cast<double>(n);
    f += dense_per_token * nd + 4.0 * h * (nd * nd * global +
                                           static_cast<double>(SlidingWindowPairs(
                                               n, arch_.half_window)) *
                                               local);
  }
  return f;
}

int64_t ModernBertModel::bytes() const {
  int64_t b = (word_.size() + emb_norm_gamma_.size() + emb_norm_beta_.size() +
               final_norm_gamma_.size() + final_norm_beta_.size()) *
                  static_cast<int64_t>(sizeof(float)) +
              global_rotary_.bytes() + local_rotary_.bytes();
  for (const PreNormLayerWeights& l : layers_) b += l.bytes();
  return b;
}

}  // namespace attnserve::core
