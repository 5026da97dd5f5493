#include "core/model/encoder_model.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/dnnl/dnnl_util.h"
#include "core/layers/relative_position_bias.h"
#include "core/model/validate.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Reads tensors by stem under the spellings of EncoderTensorNames.
class Loader {
 public:
  Loader(WeightsReader& weights, const std::vector<std::string>& prefixes)
      : weights_(weights), prefixes_(prefixes) {}

  absl::StatusOr<Tensor> Read(const std::string& name, std::vector<int64_t> shape) {
    for (const std::string& c : Candidates(name)) {
      if (weights_.Has(c)) return weights_.Read(c, shape);
    }
    return absl::NotFoundError(absl::StrCat(weights_.source(), ": missing tensor '", name,
                                            "' (looked for '",
                                            absl::StrJoin(Candidates(name), "', '"), "')"));
  }

  std::string source() const { return weights_.source(); }
  absl::StatusOr<std::vector<int64_t>> Shape(const std::string& stored_name) const {
    return weights_.Shape(stored_name);
  }

  // The name under which the checkpoint has `name`, or "" when it has none.
  std::string Find(const std::string& name) const {
    for (const std::string& c : Candidates(name)) {
      if (weights_.Has(c)) return c;
    }
    return "";
  }

 private:
  std::vector<std::string> Candidates(const std::string& name) const {
    std::vector<std::string> bases = {name};
    const std::string ln_weight = "LayerNorm.weight", ln_bias = "LayerNorm.bias";
    if (name.ends_with(ln_weight)) {
      bases.push_back(name.substr(0, name.size() - std::strlen("weight")) + "gamma");
    } else if (name.ends_with(ln_bias)) {
      bases.push_back(name.substr(0, name.size() - std::strlen("bias")) + "beta");
    }
    std::vector<std::string> candidates = bases;
    for (const std::string& p : prefixes_) {
      for (const std::string& b : bases) candidates.push_back(p + b);
    }
    return candidates;
  }

  WeightsReader& weights_;
  const std::vector<std::string>& prefixes_;
};

// The classification head of `names` when the checkpoint has its output tensor (nullptr and
// `spec` cleared when not). The rows of the output tensor are the labels: `spec` (from
// config.json) must name as many, or none (then LABEL_<i>).
absl::StatusOr<std::unique_ptr<const SequenceClassifier>> LoadClassifier(
    const ClassifierTensorNames& names, Loader& loader, int64_t hidden, ClassifierSpec& spec) {
  const std::string out_weight =
      names.out.empty() || !spec.head_declared ? "" : loader.Find(names.out + ".weight");
  if (out_weight.empty()) {
    spec = ClassifierSpec();
    return nullptr;
  }
  ATTN_ASSIGN_OR_RETURN(Tensor dense_w, loader.Read(names.dense + ".weight", {hidden, hidden}));
  ATTN_ASSIGN_OR_RETURN(Tensor dense_b, loader.Read(names.dense + ".bias", {hidden}));
  // The label count is the tensor's rows.
  ATTN_ASSIGN_OR_RETURN(const std::vector<int64_t> shape, loader.Shape(out_weight));
  if (shape.size() != 2 || shape[0] < 1 || shape[1] != hidden) {
    return absl::InvalidArgumentError(
        absl::StrCat(loader.source(), ": tensor '", out_weight, "' must be [num_labels, ", hidden,
                     "]; has ", shape.size(), " dimensions of which the first is ",
                     shape.empty() ? 0 : shape[0]));
  }
  const int64_t labels = shape[0];
  if (spec.labels.empty()) {
    for (int64_t i = 0; i < labels; ++i) spec.labels.push_back(absl::StrCat("LABEL_", i));
  } else if (static_cast<int64_t>(spec.labels.size()) != labels) {
    return absl::InvalidArgumentError(absl::StrCat(
        loader.source(), ": tensor '", out_weight, "' has ", labels,
        " labels but config.json's id2label/num_labels names ", spec.labels.size()));
  }
  ATTN_ASSIGN_OR_RETURN(Tensor out_w, loader.Read(names.out + ".weight", {labels, hidden}));
  ATTN_ASSIGN_OR_RETURN(Tensor out_b, loader.Read(names.out + ".bias", {labels}));
  return SequenceClassifier::Create(std::move(dense_w), std::move(dense_b), std::move(out_w),
                                    std::move(out_b), names.activation);
}

// The Session of an EncoderModel: embeddings, then the layer stack, on packed batches.
// Bound to the thread that created it (oneDNN 2.x primitives must run there; checked).
class EncoderSession final : public Session {
 public:
  static absl::StatusOr<std::unique_ptr<EncoderSession>> Create(
      std::shared_ptr<const EncoderModel> model) {
    ATTN_CHECK(model != nullptr);
    if (model->layers().empty()) return absl::InvalidArgumentError("the model has no layers");
    std::unique_ptr<EncoderSession> s(new EncoderSession(std::move(model)));
    s->owner_ = std::this_thread::get_id();
    ATTN_RETURN_IF_ERROR(CreateCpuEngine(s->engine_, &s->stream_));
    ATTN_ASSIGN_OR_RETURN(s->stack_,
                          EncoderLayerStack::Create(s->engine_, s->model_->arch().layer_shape(),
                                                    s->model_->layers().front()));
    return s;
  }

  const ModelSpec& spec() const override { return model_->spec(); }
  const SequenceClassifier* classifier() const override { return model_->classifier(); }

  absl::StatusOr<std::span<const float>> Forward(const PackedBatch& batch) override {
    ATTN_CHECK_MSG(std::this_thread::get_id() == owner_,
                   "an encoder session used from a thread other than the one that created it");
    if (batch.num_sequences() == 0) return absl::InvalidArgumentError("the batch is empty");
    ATTN_DCHECK_OK(ValidateBatch(model_->spec(), batch));
    const EncoderArch& a = model_->arch();
    const int64_t tokens = batch.num_tokens();
    const int64_t padded = RoundUpRows(tokens);
    const int64_t h = a.hidden_size;
    EnsureCapacity(padded);
    SetFlushDenormalsInTeam();
    PositionIdsForward(batch.ids(), batch.offsets(), a.positions, a.padding_idx, positions_);
    EmbeddingsForward(batch.ids(), batch.type_ids(), positions_, model_->embedding_tables(),
                      hidden_.data());
    // The rows past the last token go through the matmuls too: they must be finite.
    std::memset(hidden_.data() + tokens * h, 0,
                static_cast<size_t>((padded - tokens) * h) * sizeof(float));
    try {
      stack_->Forward(stream_, model_->layers(), batch.offsets(), batch.max_length(),
                      hidden_.data(), model_->relative_bias());
    } catch (const dnnl::error& e) {
      return DnnlErrorToStatus(e, "encoder forward");
    }
    return std::span<const float>(hidden_.data(), static_cast<size_t>(tokens * h));
  }

  void Reserve(int64_t max_tokens, int64_t max_length) override {
    EnsureCapacity(RoundUpRows(max_tokens));
    stack_->Reserve(RoundUpRows(max_tokens), max_length);
  }
  int num_primitives() const override { return stack_->num_primitives(); }
  std::string ImplSummary() const override { return stack_->ImplSummary(); }

 private:
  explicit EncoderSession(std::shared_ptr<const EncoderModel> model) : model_(std::move(model)) {}

  void EnsureCapacity(int64_t padded_rows) {
    if (padded_rows <= capacity_rows_) return;
    // Not zeroed: pages are only touched (and resident) once a batch that large comes.
    hidden_.Reset(static_cast<size_t>(padded_rows * model_->arch().hidden_size));
    capacity_rows_ = padded_rows;
  }

  std::shared_ptr<const EncoderModel> model_;
  std::thread::id owner_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::unique_ptr<EncoderLayerStack> stack_;
  int64_t capacity_rows_ = 0;
  AlignedBuffer<float> hidden_;
  std::vector<int32_t> positions_;
};

}  // namespace

EncoderLayerShape EncoderArch::layer_shape() const {
  return EncoderLayerShape{hidden_size, num_heads, intermediate_size, norm_eps, activation};
}

int EncoderArch::max_tokens() const {
  return positions == PositionIds::kAfterPadding ? position_table_size - padding_idx - 1
                                                 : position_table_size;
}

ModelSpec EncoderSpec(const EncoderArch& arch, absl::string_view architecture) {
  ModelSpec spec;
  spec.architecture = std::string(architecture);
  spec.hidden_size = arch.hidden_size;
  spec.num_layers = arch.num_layers;
  spec.num_heads = arch.num_heads;
  spec.intermediate_size = arch.intermediate_size;
  spec.max_positions = arch.max_tokens();
  spec.vocab_size = arch.vocab_size;
  spec.type_vocab_size = std::max(arch.type_vocab_size, 1);
  spec.defaults.max_seq_length = spec.max_positions;
  spec.compute_dtype = DType::kF32;
  return spec;
}

absl::StatusOr<std::shared_ptr<const Model>> EncoderFamily::Build(const FamilyConfig& config,
                                                                  ModelSpec spec,
                                                                  WeightsReader& weights) const {
  const auto* c = dynamic_cast<const EncoderFamilyConfig*>(&config);
  ATTN_CHECK_MSG(c != nullptr, "an encoder family's Build given another family's config");
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<const EncoderModel> model,
                        EncoderModel::FromWeights(c->arch, c->names, weights, std::move(spec)));
  return std::shared_ptr<const Model>(std::move(model));
}

absl::StatusOr<std::unique_ptr<const EncoderModel>> EncoderModel::FromWeights(
    const EncoderArch& arch, const EncoderTensorNames& names, WeightsReader& weights,
    ModelSpec spec) {
  if (arch.hidden_size <= 0 || arch.num_heads <= 0 || arch.hidden_size % arch.num_heads != 0 ||
      arch.max_tokens() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an encoder of hidden size ", arch.hidden_size, ", ", arch.num_heads, " heads and ",
        arch.max_tokens(), " usable positions cannot be built: heads must divide the hidden size",
        " and at least one position must be usable"));
  }
  std::unique_ptr<EncoderModel> m(new EncoderModel());
  m->arch_ = arch;
  m->spec_ = std::move(spec);
  const int64_t h = arch.hidden_size, inter = arch.intermediate_size;
  Loader loader(weights, names.prefixes);
  auto w = [](const std::string& stem) { return stem + ".weight"; };
  auto b = [](const std::string& stem) { return stem + ".bias"; };

  ATTN_ASSIGN_OR_RETURN(m->word_, loader.Read(w(names.word_embeddings), {arch.vocab_size, h}));
  ATTN_ASSIGN_OR_RETURN(m->position_,
                        loader.Read(w(names.position_embeddings), {arch.position_table_size, h}));
  if (arch.type_vocab_size > 0) {
    ATTN_ASSIGN_OR_RETURN(m->token_type_,
                          loader.Read(w(names.token_type_embeddings), {arch.type_vocab_size, h}));
  }
  ATTN_ASSIGN_OR_RETURN(m->emb_norm_gamma_, loader.Read(w(names.embeddings_norm), {h}));
  ATTN_ASSIGN_OR_RETURN(m->emb_norm_beta_, loader.Read(b(names.embeddings_norm), {h}));
  if (arch.relative_bias_rows > 0) {
    if (arch.relative_bias_rows < arch.relative_bias_buckets) {
      return absl::InvalidArgumentError(absl::StrCat(
          weights.source(), ": the relative attention bias has ", arch.relative_bias_rows,
          " buckets, fewer than the ", arch.relative_bias_buckets, " the model uses"));
    }
    ATTN_ASSIGN_OR_RETURN(
        const Tensor table,
        loader.Read(w(names.relative_attention_bias), {arch.relative_bias_rows, arch.num_heads}));
    // Once for every distance the longest sequence has; all layers and sessions share it.
    m->relative_bias_by_distance_ =
        RelativeBiasByDistance(table.data(), arch.num_heads, arch.relative_bias_buckets,
                               arch.relative_bias_max_distance, arch.max_tokens());
    m->relative_bias_ = RelativeScoreBias{m->relative_bias_by_distance_.data(), arch.max_tokens()};
  }

  dnnl::engine engine;
  ATTN_RETURN_IF_ERROR(CreateCpuEngine(engine));
  using T = EncoderLayerTensors;
  const struct {
    const std::string& stem;
    int64_t out, in;  // in = 0: a norm, [out]
    Tensor T::*weight;
    Tensor T::*bias;
  } parts[] = {
      {names.query, h, h, &T::query_weight, &T::query_bias},
      {names.key, h, h, &T::key_weight, &T::key_bias},
      {names.value, h, h, &T::value_weight, &T::value_bias},
      {names.attention_output, h, h, &T::attention_output_weight, &T::attention_output_bias},
      {names.attention_norm, h, 0, &T::attention_norm_gamma, &T::attention_norm_beta},
      {names.ffn_in, inter, h, &T::ffn_in_weight, &T::ffn_in_bias},
      {names.ffn_out, h, inter, &T::ffn_out_weight, &T::ffn_out_bias},
      {names.ffn_norm, h, 0, &T::ffn_norm_gamma, &T::ffn_norm_beta},
  };
  for (int i = 0; i < arch.num_layers; ++i) {
    const std::string p = absl::StrCat(names.layer, i, ".");
    EncoderLayerTensors t;
    for (const auto& part : parts) {
      std::vector<int64_t> shape = {part.out, part.in};
      if (part.in == 0) shape.pop_back();
      ATTN_ASSIGN_OR_RETURN(t.*part.weight, loader.Read(w(p + part.stem), shape));
      ATTN_ASSIGN_OR_RETURN(t.*part.bias, loader.Read(b(p + part.stem), {part.out}));
    }
    ATTN_ASSIGN_OR_RETURN(EncoderLayerWeights layer,
                          PackEncoderLayer(engine, std::move(t), m->spec_.compute_dtype));
    m->layers_.push_back(std::move(layer));
  }
  ATTN_ASSIGN_OR_RETURN(m->classifier_,
                        LoadClassifier(names.classifier, loader, h, m->spec_.classifier));
  return std::unique_ptr<const EncoderModel>(std::move(m));
}

EmbeddingTables EncoderModel::embedding_tables() const {
  return EmbeddingTables{word_.data(),
                         position_.data(),
                         arch_.type_vocab_size > 0 ? token_type_.data() : nullptr,
                         emb_norm_gamma_.data(),
                         emb_norm_beta_.data(),
                         arch_.hidden_size,
                         arch_.norm_eps};
}

absl::StatusOr<std::unique_ptr<Session>> EncoderModel::CreateSession() const {
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<EncoderSession> session,
                        EncoderSession::Create(shared_from_this()));
  return std::unique_ptr<Session>(std::move(session));
}

double EncoderModel::ForwardFlops(const PackedBatch& batch) const {
  // Dense layers: 2 x (QKV 3H^2 + output H^2 + FFN 2HI) per token and layer; attention: QK^T and
  // PV, 2 x 2 x n^2 x H per sequence and layer.
  const double h = arch_.hidden_size, inter = arch_.intermediate_size, layers = arch_.num_layers;
  const double dense_per_token = 2.0 * (4.0 * h * h + 2.0 * h * inter) * layers;
  double f = 0.0;
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const double n = static_cast<double>(batch.length(s));
    f += dense_per_token * n + 4.0 * n * n * h * layers;
  }
  return f;
}

int64_t EncoderModel::bytes() const {
  int64_t b = (word_.size() + position_.size() + token_type_.size() + emb_norm_gamma_.size() +
               emb_norm_beta_.size()) *
              static_cast<int64_t>(sizeof(float));
  for (const EncoderLayerWeights& l : layers_) b += l.bytes();
  b += static_cast<int64_t>(relative_bias_by_distance_.size() * sizeof(float));
  return b;
}

}  // namespace attnserve::core
