// The accuracy gate of reduced-precision compute: a model loaded in int8 is compared with the
// same weights in fp32 on a built-in calibration set, vector by vector (cosine of the pooled
// sentence vectors), and the server refuses to start when the worst vector is below a threshold.
//
// The calibration set: a few hundred varied texts built from the sentences below (short, long,
// pairs joined, code, numbers, other scripts) when the model has a tokenizer; deterministic
// varied id sequences (lengths 2..128, ids spread over the vocabulary) when it has none.
// Everything here is a pure function of its arguments; thread-compatible.
#ifndef ATTNSERVE_CORE_MODEL_ACCURACY_GATE_H_
#define ATTNSERVE_CORE_MODEL_ACCURACY_GATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "core/model/model.h"
#include "core/tensor/dtype.h"
#include "core/tokenizer/tokenizer.h"

namespace attnserve::core {

// What the gate measured: the pooled vectors of `num_inputs` calibration inputs in `dtype`
// against fp32 (cosine similarity), and the threshold it was held to.
struct AccuracyReport {
  DType dtype = DType::kF32;
  int num_inputs = 0;
  std::string calibration;  // "256 built-in sentences" | "256 built-in id sequences"
  double min_cosine = 1.0;
  double mean_cosine = 1.0;
  double threshold = 0.0;
  bool passed = true;

  // "min cosine 0.9973, mean 0.9991 vs fp32 over 256 built-in sentences (gate >= 0.98)"
  std::string Summary() const;
};

// The calibration inputs for a model of `spec`: token ids (each a complete model input, special
// tokens included, at most spec.defaults.max_seq_length long). Built-in texts through
// `tokenizer` when it is not null, else id sequences. `description` receives what they are.
absl::StatusOr<std::vector<std::vector<int32_t>>> CalibrationInputs(const ModelSpec& spec,
                                                                    const Tokenizer* tokenizer,
                                                                    std::string* description);

// Runs `inputs` through `candidate` and `reference` (same architecture and sizes), pooled with
// the model's default pooling, and returns the per-vector cosine figures (threshold and passed
// are left for the caller). Blocks; creates a session of each model on the calling thread.
absl::StatusOr<AccuracyReport> CompareWithReference(
    const Model& candidate, const Model& reference,
    const std::vector<std::vector<int32_t>>& inputs);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_ACCURACY_GATE_H_
