#include "core/model/qwen3/qwen3_model.h"

#include <cstring>
#include <thread>

#include <omp.h>

#include "absl/strings/str_cat.h"

#include "core/dnnl/dnnl_util.h"
#include "core/layers/rms_norm.h"
#include "core/layers/sliding_window_attention.h"
#include "core/model/validate.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// The Session of a Qwen3Model. Bound to the thread that created it (oneDNN 2.x primitives must
// run there; checked).
class Qwen3Session final : public Session {
 public:
  static absl::StatusOr<std::unique_ptr<Qwen3Session>> Create(
      std::shared_ptr<const Qwen3Model> model) {
    ATTN_CHECK(model != nullptr);
    if (model->layers().empty()) return absl::InvalidArgumentError("the model has no layers");
    std::unique_ptr<Qwen3Session> s(new Qwen3Session(std::move(model)));
    s->owner_ = std::this_thread::get_id();
    ATTN_RETURN_IF_ERROR(CreateCpuEngine(s->engine_, &s->stream_));
    const Qwen3LayerWeights& first = s->model_->layers().front();
    ATTN_ASSIGN_OR_RETURN(s->qkv_, DenseKernel::Create(s->engine_, first.qkv, DensePostOp::kNone));
    ATTN_ASSIGN_OR_RETURN(s->o_,
                          DenseKernel::Create(s->engine_, first.o, DensePostOp::kResidualAdd));
    ATTN_ASSIGN_OR_RETURN(s->mlp_, GluMlp::Create(s->engine_, first.mlp, DensePostOp::kSilu));
    return s;
  }

  const ModelSpec& spec() const override { return model_->spec(); }

  absl::StatusOr<std::span<const float>> Forward(const PackedBatch& batch) override {
    ATTN_CHECK_MSG(std::this_thread::get_id() == owner_,
                   "a Qwen3 session used from a thread other than the one that created it");
    if (batch.num_sequences() == 0) return absl::InvalidArgumentError("the batch is empty");
    ATTN_DCHECK_OK(ValidateBatch(model_->spec(), batch));
    const Qwen3Arch& a = model_->arch();
    const int64_t tokens = batch.num_tokens();
    const int64_t padded = RoundUpRows(tokens);
    const int64_t h = a.hidden_size;
    const int64_t ld_qkv = a.qkv_width();
    Reserve(tokens, batch.max_length());
    SetFlushDenormalsInTeam();
    const std::span<const int32_t> ids = batch.ids();
    const float* embed = model_->embed_tokens().data();
    for (int64_t t = 0; t < tokens; ++t) {
      const int64_t id = ids[static_cast<size_t>(t)];
      std::memcpy(hidden_.data() + t * h, embed + id * h, static_cast<size_t>(h) * sizeof(float));
    }
    // The rows past the last token go through the matmuls too: they must be finite. ctx_ is the
    // one matmul input that no matmul writes (attention writes the token rows only).
    std::memset(hidden_.data() + tokens * h, 0,
                static_cast<size_t>((padded - tokens) * h) * sizeof(float));
    std::memset(ctx_.data() + tokens * a.q_width(), 0,
                static_cast<size_t>((padded - tokens) * a.q_width()) * sizeof(float));
    const size_t bytes = static_cast<size_t>(padded * h) * sizeof(float);
    BlockAttentionLayout layout;
    layout.q = qkv_buf_.data();
    layout.ld_q = ld_qkv;
    layout.k = qkv_buf_.data() + a.q_width();
    layout.v = qkv_buf_.data() + a.q_width() + a.kv_width();
    layout.ld_kv = ld_qkv;
    layout.ctx = ctx_.data();
    layout.ld_ctx = a.q_width();
    layout.num_heads = a.num_heads;
    layout.num_kv_heads = a.num_kv_heads;
    layout.head_dim = a.head_dim;
    try {
      for (const Qwen3LayerWeights& l : model_->layers()) {
        std::memcpy(normed_.data(), hidden_.data(), bytes);
        RmsNormRows(normed_.data(), padded, h, h, l.input_norm.data(), a.rms_norm_eps);
        qkv_->Run(stream_, normed_.data(), tokens, l.qkv, qkv_buf_.data());
        RmsNormHeads(qkv_buf_.data(), tokens, ld_qkv, 0, a.num_heads, a.head_dim,
                     l.q_norm.data(), a.rms_norm_eps);
        RmsNormHeads(qkv_buf_.data(), tokens, ld_qkv, a.num_heads, a.num_kv_heads, a.head_dim,
                     l.k_norm.data(), a.rms_norm_eps);
        ApplyRotaryToHeads(qkv_buf_.data(), ld_qkv, batch.offsets(), a.num_heads + a.num_kv_heads,
                           a.head_dim, model_->rotary());
        BlockAttentionForward(layout, batch.offsets(), kCausalWindow, attention_scratch_);
        o_->Run(stream_, ctx_.data(), tokens, l.o, hidden_.data());
        std::memcpy(normed_.data(), hidden_.data(), bytes);
        RmsNormRows(normed_.data(), padded, h, h, l.post_norm.data(), a.rms_norm_eps);
        mlp_->Forward(stream_, normed_.data(), tokens, l.mlp, hidden_.data());
      }
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, "Qwen3 forward");
    }
    RmsNormRows(hidden_.data(), tokens, h, h, model_->final_norm().data(), a.rms_norm_eps);
    return std::span<const float>(hidden_.data(), static_cast<size_t>(tokens * h));
  }

  void Reserve(int64_t max_tokens, int64_t max_length) override {
    attention_scratch_.Reserve(omp_get_max_threads(), max_length);
    const int64_t rows = RoundUpRows(max_tokens);
    mlp_->Reserve(rows);
    if (rows <= capacity_rows_) return;
    const Qwen3Arch& a = model_->arch();
    const auto r = static_cast<size_t>(rows);
    // Not zeroed: pages are only touched (and resident) once a batch that large comes.
    hidden_.Reset(r * static_cast<size_t>(a.hidden_size));
    normed_.Reset(r * static_cast<size_t>(a.hidden_size));
    qkv_buf_.Reset(r * static_cast<size_t>(a.qkv_width()));
    ctx_.Reset(r * static_cast<size_t>(a.q_width()));
    capacity_rows_ = rows;
  }
  int num_primitives() const override {
    return qkv_->num_primitives() + o_->num_primitives() + mlp_->num_primitives();
  }
  std::string ImplSummary() const override {
    return absl::StrCat("qkv=", qkv_->impl_name(), " attn_out=", o_->impl_name(), " ",
                        mlp_->ImplSummary());
  }

 private:
  explicit Qwen3Session(std::shared_ptr<const Qwen3Model> model) : model_(std::move(model)) {}

  std::shared_ptr<const Qwen3Model> model_;
  std::thread::id owner_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unique_ptr<DenseKernel> qkv_, o_;
  std::unique_ptr<GluMlp> mlp_;
  BlockAttentionScratch attention_scratch_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> hidden_, normed_, qkv_buf_, ctx_;
};

// Reads tensors bare or under the "model." prefix of Qwen3For*.
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

  absl::StatusOr<Tensor> ReadBias(bool present, const std::string& name, int64_t size) {
    if (!present) return Tensor();
    return Read(name, {size});
  }

 private:
  WeightsReader& weights_;
};

// Rows of `parts` stacked: [sum of rows, cols] (or [sum] for vectors).
Tensor Stack(const std::vector<const Tensor*>& parts) {
  int64_t rows = 0;
  for (const Tensor* p : parts) rows += p->dim(0);
  std::vector<int64_t> shape = parts.front()->shape();
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

int64_t Qwen3LayerWeights::bytes() const {
  return qkv.bytes() + o.bytes() + mlp.bytes() +
         (input_norm.size() + q_norm.size() + k_norm.size() + post_norm.size()) *
             static_cast<int64_t>(sizeof(float));
}

absl::StatusOr<std::unique_ptr<const Qwen3Model>> Qwen3Model::FromWeights(
    const Qwen3Arch& arch, WeightsReader& weights, ModelSpec spec) {
  if (arch.hidden_size <= 0 || arch.num_heads <= 0 || arch.num_kv_heads <= 0 ||
      arch.num_heads % arch.num_kv_heads != 0 || arch.head_dim <= 0 || arch.head_dim % 2 != 0 ||
      arch.max_positions <= 0 || arch.num_layers <= 0 || arch.intermediate_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a Qwen3 model of hidden size ", arch.hidden_size, ", ", arch.num_heads, " heads over ",
        arch.num_kv_heads, " key/value heads of size ", arch.head_dim, ", ", arch.num_layers,
        " layers and ", arch.max_positions, " positions cannot be built: the key/value heads ",
        "must divide the heads, the head size must be even (rotary), all sizes positive"));
  }
  std::unique_ptr<Qwen3Model> m(new Qwen3Model());
  m->arch_ = arch;
  m->spec_ = std::move(spec);
  const int64_t h = arch.hidden_size, inter = arch.intermediate_size, d = arch.head_dim;
  const int64_t qw = arch.q_width(), kvw = arch.kv_width();
  Loader loader(weights);
  ATTN_ASSIGN_OR_RETURN(m->embed_, loader.Read("embed_tokens.weight", {arch.vocab_size, h}));
  ATTN_ASSIGN_OR_RETURN(m->final_norm_, loader.Read("norm.weight", {h}));
  dnnl::engine engine;
  ATTN_RETURN_IF_ERROR(CreateCpuEngine(engine));
  const bool bias = arch.attention_bias;
  for (int i = 0; i < arch.num_layers; ++i) {
    const std::string p = absl::StrCat("layers.", i, ".");
    const std::string a = p + "self_attn.";
    Qwen3LayerWeights l;
    ATTN_ASSIGN_OR_RETURN(l.input_norm, loader.Read(p + "input_layernorm.weight", {h}));
    ATTN_ASSIGN_OR_RETURN(l.post_norm, loader.Read(p + "post_attention_layernorm.weight", {h}));
    ATTN_ASSIGN_OR_RETURN(l.q_norm, loader.Read(a + "q_norm.weight", {d}));
    ATTN_ASSIGN_OR_RETURN(l.k_norm, loader.Read(a + "k_norm.weight", {d}));
    ATTN_ASSIGN_OR_RETURN(const Tensor wq, loader.Read(a + "q_proj.weight", {qw, h}));
    ATTN_ASSIGN_OR_RETURN(const Tensor wk, loader.Read(a + "k_proj.weight", {kvw, h}));
    ATTN_ASSIGN_OR_RETURN(const Tensor wv, loader.Read(a + "v_proj.weight", {kvw, h}));
    ATTN_ASSIGN_OR_RETURN(const Tensor bq, loader.ReadBias(bias, a + "q_proj.bias", qw));
    ATTN_ASSIGN_OR_RETURN(const Tensor bk, loader.ReadBias(bias, a + "k_proj.bias", kvw));
    ATTN_ASSIGN_OR_RETURN(const Tensor bv, loader.ReadBias(bias, a + "v_proj.bias", kvw));
    ATTN_ASSIGN_OR_RETURN(
        l.qkv, PackedDense::CreateWithOptionalBias(engine, Stack({&wq, &wk, &wv}),
                                                   bias ? Stack({&bq, &bk, &bv}) : Tensor()));
    ATTN_ASSIGN_OR_RETURN(const Tensor wo, loader.Read(a + "o_proj.weight", {h, qw}));
    ATTN_ASSIGN_OR_RETURN(const Tensor bo, loader.ReadBias(bias, a + "o_proj.bias", h));
    ATTN_ASSIGN_OR_RETURN(l.o, PackedDense::CreateWithOptionalBias(engine, wo, bo));
    ATTN_ASSIGN_OR_RETURN(const Tensor gate, loader.Read(p + "mlp.gate_proj.weight", {inter, h}));
    ATTN_ASSIGN_OR_RETURN(const Tensor up, loader.Read(p + "mlp.up_proj.weight", {inter, h}));
    ATTN_ASSIGN_OR_RETURN(const Tensor down, loader.Read(p + "mlp.down_proj.weight", {h, inter}));
    ATTN_ASSIGN_OR_RETURN(l.mlp,
                          PackGluMlpSeparate(engine, gate, Tensor(), up, Tensor(), down, Tensor()));
    m->layers_.push_back(std::move(l));
  }
  m->rotary_ = RotaryTable(arch.head_dim, arch.rope_theta, arch.max_positions);
  return std::unique_ptr<const Qwen3Model>(std::move(m));
}

absl::StatusOr<std::unique_ptr<Session>> Qwen3Model::CreateSession() const {
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<Qwen3Session> session,
                        Qwen3Session::Create(shared_from_this()));
  return std::unique_ptr<Session>(std::move(session));
}

double Qwen3Model::ForwardFlops(const PackedBatch& batch) const {
  // Dense layers: 2 x (QKV H (q + 2 kv) + output q H + SwiGLU 3 H I) per token and layer;
  // attention: QK^T and PV, 2 x 2 x q_width per (query, key) pair kept: n (n + 1) / 2 causal.
  const double h = arch_.hidden_size, inter = arch_.intermediate_size;
  const double qw = static_cast<double>(arch_.q_width());
  const double dense_per_token =
      2.0 * (h * static_cast<double>(arch_.qkv_width()) + qw * h + 3.0 * h * inter) *
      arch_.num_layers;
  double f = 0.0;
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const double n = static_cast<double>(batch.length(s));
    f += dense_per_token * n + 4.0 * qw * (n * (n + 1.0) / 2.0) * arch_.num_layers;
  }
  return f;
}

int64_t Qwen3Model::bytes() const {
  int64_t b = (embed_.size() + final_norm_.size()) * static_cast<int64_t>(sizeof(float)) +
              rotary_.bytes();
  for (const Qwen3LayerWeights& l : layers_) b += l.bytes();
  return b;
}

}  // namespace attnserve::core
