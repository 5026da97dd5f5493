// The ModernBERT family (config.json model_type "modernbert": answerdotai/ModernBERT-*,
// Alibaba-NLP/gte-modernbert-base, nomic-ai/modernbert-embed-base, ...): pre-norm layers with
// rotary positions, GeGLU feed-forward blocks, alternating global and sliding-window attention,
// and a final norm (core/model/modernbert/modernbert_model.h). Tensors bare (ModernBertModel)
// or under "model." (ModernBertFor*).
//
// Config keys: vocab_size, hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, hidden_activation, max_position_embeddings, norm_eps, norm_bias,
// attention_bias, mlp_bias, local_attention, and which layers are local and their rotary
// thetas in either spelling: transformers 5's layer_types ("full_attention" /
// "sliding_attention") and rope_parameters, or the Hub checkpoints' global_attn_every_n_layers
// (layer i is global when i % n == 0), global_rope_theta and local_rope_theta. A rope_type
// other than "default" (scaled rotary) is refused. No token types: the tokenizer's are dropped.
#ifndef ATTNSERVE_CORE_MODEL_MODERNBERT_MODERNBERT_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_MODERNBERT_MODERNBERT_FAMILY_H_

#include "core/model/family.h"

namespace attnserve::core {

const ModelFamily& ModernBertFamily();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_MODERNBERT_MODERNBERT_FAMILY_H_
