#include "core/heads/embed_outputs.h"

#include <cmath>

#include "absl/strings/str_cat.h"

#include "core/heads/sentence_dense.h"
#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

bool AllFinite(std::span<const float> v) {
  for (float x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

}  // namespace

absl::Status EmbedBatch(Session& session, const PackedBatch& batch,
                        std::span<const OutputSpec> specs, std::vector<SequenceOutput>& out) {
  ATTN_CHECK(static_cast<int>(specs.size()) == batch.num_sequences());
  const ModelSpec& model_spec = session.spec();
  const int hidden = model_spec.hidden_size;
  const bool dense = model_spec.sentence_dense != nullptr && !model_spec.sentence_dense->empty();
  const SequenceClassifier* classifier = session.classifier();
  for (const OutputSpec& spec : specs) {
    ATTN_RETURN_IF_ERROR(ValidatePoolingOptions(spec.pooling, model_spec.embedding_size()));
    if (spec.logits && classifier == nullptr) {
      return absl::FailedPreconditionError("the model has no classification head");
    }
  }
  ATTN_ASSIGN_OR_RETURN(std::span<const float> states, session.Forward(batch));
  out.resize(specs.size());
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const OutputSpec& spec = specs[static_cast<size_t>(s)];
    SequenceOutput& o = out[static_cast<size_t>(s)];
    const int64_t rows = batch.length(s);
    const float* first = states.data() + batch.begin(s) * hidden;
    o.num_tokens = static_cast<int>(rows);
    if (spec.logits) {
      o.embedding.clear();
      o.logits.resize(static_cast<size_t>(classifier->num_labels()));
      classifier->Logits(first, o.logits);
    } else if (dense) {
      o.logits.clear();
      // sentence-transformers' order: Pooling, Dense..., then (ours) Matryoshka and Normalize.
      std::vector<float> v(static_cast<size_t>(hidden)), next;
      PoolTokens(first, rows, hidden,
                 PoolingOptions{spec.pooling.pooling, false, 0, spec.pooling.skip_tokens}, v);
      for (const SentenceDense& d : *model_spec.sentence_dense) {
        next.resize(static_cast<size_t>(d.out));
        ApplySentenceDense(d, v, next);
        v.swap(next);
      }
      v.resize(static_cast<size_t>(PooledDims(spec.pooling, model_spec.embedding_size())));
      if (spec.pooling.normalize) NormalizeL2(v);
      o.embedding = std::move(v);
    } else {
      o.logits.clear();
      o.embedding.resize(static_cast<size_t>(PooledDims(spec.pooling, hidden)));
      PoolTokens(first, rows, hidden, spec.pooling, o.embedding);
    }
    if (spec.token_embeddings) {
      o.token_embeddings.assign(first, first + rows * hidden);
    } else {
      o.token_embeddings.clear();
    }
    // Never send a NaN or an infinity as an embedding (JSON has no spelling for them, and a
    // client would index it): with finite weights this is an overflow or a bug, said as such.
    o.status = AllFinite(o.embedding) && AllFinite(o.token_embeddings) && AllFinite(o.logits)
                   ? absl::OkStatus()
                   : absl::InternalError(absl::StrCat(
                         "the model computed a non-finite value for this input (", rows,
                         " tokens); nothing was returned for it"));
  }
  return absl::OkStatus();
}

}  // namespace attnserve::core
