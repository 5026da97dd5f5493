// The MPNet family (config.json model_type "mpnet": all-mpnet-base-v2, multi-qa-mpnet-base-*,
// ...). BERT's post-norm layers under MPNetModel's names (encoder.layer.N.attention.attn.{q,k,v,o},
// attention.LayerNorm, intermediate.dense, output.dense, output.LayerNorm; bare or under
// "mpnet."), no token types, fairseq positions after padding index 1 (fixed in transformers'
// MPNetEmbeddings, whatever pad_token_id says: 514 rows take 512 tokens), and one relative
// position bias shared by all layers: encoder.relative_attention_bias [relative_attention_num_buckets,
// heads], looked up with 32 bidirectional buckets up to distance 128 (MPNetEncoder's
// compute_position_bias) and added to every layer's attention scores.
#ifndef ATTNSERVE_CORE_MODEL_MPNET_MPNET_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_MPNET_MPNET_FAMILY_H_

#include "core/model/family.h"

namespace attnserve::core {

const ModelFamily& MpnetFamily();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_MPNET_MPNET_FAMILY_H_
