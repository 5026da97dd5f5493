// The model interface: what the batcher, the request layer and the offline commands use of a
// loaded model, whatever its family.
//
//   Model    immutable after loading, shared by every thread (std::shared_ptr<const Model>):
//            the weights, prepared for compute, and the ModelSpec describing them.
//   Session  the per-thread state that runs packed batches through a Model: workspace, compute
//            primitives. Created on, and bound to, the thread that uses it (oneDNN 2.x
//            primitives must run on the thread that created them). Not thread-safe.
//
// Families (core/model/<family>/) implement both and register with core/model/registry.h.
#ifndef ATTNSERVE_CORE_MODEL_MODEL_H_
#define ATTNSERVE_CORE_MODEL_MODEL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"

#include "core/heads/classifier.h"
#include "core/model/model_spec.h"
#include "core/model/packed_batch.h"

namespace attnserve::core {

class Session {
 public:
  virtual ~Session() = default;

  // The description of the model this session runs.
  virtual const ModelSpec& spec() const = 0;

  // The last hidden state of every token of `batch`: [num_tokens, hidden], row-major. Blocks for
  // the forward pass. Precondition: every sequence passed ValidateSequence
  // (core/model/validate.h) against the model's spec; this is not checked again here. The span
  // stays valid until the next Forward() or the session's destruction.
  virtual absl::StatusOr<std::span<const float>> Forward(const PackedBatch& batch) = 0;

  // Allocates the workspace for batches of up to `max_tokens` tokens and sequences of up to
  // `max_length`, so that serving never allocates it later.
  virtual void Reserve(int64_t max_tokens, int64_t max_length) = 0;

  // The model's sequence-classification head (Model::classifier()), applied by the caller to
  // Forward's first token of each sequence; nullptr when the model has none.
  virtual const SequenceClassifier* classifier() const { return nullptr; }

  // Compute primitives created up front (none are created after creation).
  virtual int num_primitives() const = 0;
  // The implementation chosen for each kernel, for reports ("qkv=brg:avx512_core ...").
  virtual std::string ImplSummary() const = 0;
};

class Model {
 public:
  virtual ~Model() = default;

  virtual const ModelSpec& spec() const = 0;

  // The sequence-classification head when the checkpoint has one (spec().classifier describes
  // its labels; spec().tasks() lists kClassify), else nullptr. Owned by the model.
  virtual const SequenceClassifier* classifier() const { return nullptr; }

  // A session for the calling thread, which must be the only one to use it.
  virtual absl::StatusOr<std::unique_ptr<Session>> CreateSession() const = 0;

  // Bytes of weights held in memory after packing.
  virtual int64_t bytes() const = 0;
  // Floating-point operations of one forward pass over `batch` (for GFLOP/s reports).
  virtual double ForwardFlops(const PackedBatch& batch) const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_MODEL_H_
