// EmbedBatch: a model's forward pass on a packed batch, then each sequence's own outputs (pooled
// vector with its own pooling options, and optionally its per-token vectors; or the logits of the
// model's classification head). Sequences of one
// batch may ask for different outputs: the server batches requests of many clients together.
#ifndef ATTNSERVE_CORE_HEADS_EMBED_OUTPUTS_H_
#define ATTNSERVE_CORE_HEADS_EMBED_OUTPUTS_H_

#include <span>
#include <vector>

#include "absl/status/status.h"

#include "core/heads/pooling.h"
#include "core/model/model.h"

namespace attnserve::core {

struct OutputSpec {
  PoolingOptions pooling;
  bool token_embeddings = false;  // also return the last hidden state of every token
  // The classification head's logits instead of the pooled vector (Predict, Rerank): the
  // session's model must have the head (Session::classifier()).
  bool logits = false;
};

struct SequenceOutput {
  std::vector<float> embedding;         // PooledDims(pooling, hidden) floats; empty with logits
  std::vector<float> logits;            // num_labels floats when asked for, else empty
  std::vector<float> token_embeddings;  // [num_tokens, hidden] when asked for, else empty
  int num_tokens = 0;
  // Internal when the outputs hold a non-finite value: they must not be sent.
  absl::Status status;
};

// `specs` has one entry per sequence of `batch` (validated with ValidatePoolingOptions).
// On success `out` holds one SequenceOutput per sequence, in order, each with its own status. Blocks for the forward pass;
// call on the session's thread.
absl::Status EmbedBatch(Session& session, const PackedBatch& batch,
                        std::span<const OutputSpec> specs, std::vector<SequenceOutput>& out);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_HEADS_EMBED_OUTPUTS_H_
