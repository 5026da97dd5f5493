// The BERT checkpoint layout of EncoderModel (core/model/encoder_model.h): BertConfig to
// EncoderArch and ModelSpec, Hugging Face BertModel tensor names. The RoBERTa family reuses these
// with its own positions and prefix.
#ifndef ATTNSERVE_CORE_MODEL_BERT_BERT_MODEL_H_
#define ATTNSERVE_CORE_MODEL_BERT_BERT_MODEL_H_

#include <memory>

#include "absl/status/statusor.h"

#include "core/model/bert/bert_config.h"
#include "core/model/encoder_model.h"
#include "core/model/model_spec.h"
#include "core/model/weights_reader.h"

namespace attnserve::core {

// Sizes, activation and norm of `config`; positions from 0, a token-type table.
EncoderArch BertArch(const BertConfig& config);

// Hugging Face BertModel names ("encoder.layer.N.attention.self.query", ...), also under the
// "bert." prefix (BertFor* heads) and with TF-era LayerNorm gamma/beta.
EncoderTensorNames BertTensorNames();

// The architecture part of the description of a model with `config` (architecture "bert",
// sizes, vocabularies, fp32 compute; defaults: mean pooling, max_seq_length = positions).
ModelSpec BertSpec(const BertConfig& config);

// A BERT encoder from `weights` (errors name the source and the tensor); `spec` is what it
// reports, BertSpec(config) by default. `config` is validated first.
absl::StatusOr<std::unique_ptr<const EncoderModel>> LoadBertModel(const BertConfig& config,
                                                                  WeightsReader& weights);
absl::StatusOr<std::unique_ptr<const EncoderModel>> LoadBertModel(const BertConfig& config,
                                                                  WeightsReader& weights,
                                                                  ModelSpec spec);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_BERT_BERT_MODEL_H_
