// The Qwen3 family (config.json model_type "qwen3": Qwen/Qwen3-Embedding-0.6B, -4B, -8B): a
// decoder-only stack run as an encoder of its last hidden state (core/model/qwen3/qwen3_model.h)
// — causal grouped-query attention with per-head q/k RMSNorm and rotary positions, SwiGLU
// feed-forward blocks, RMSNorm. Tensors bare (Qwen3Model) or under "model." (Qwen3For*).
//
// Config keys: vocab_size, hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads (default: num_attention_heads), head_dim (default
// hidden_size / num_attention_heads), max_position_embeddings, rms_norm_eps, rope_theta or
// transformers 5's rope_parameters, attention_bias, hidden_act (only "silu"). Refused with a
// load error: rope scaling (rope_scaling, or a rope_type other than "default"), sliding-window
// layers (use_sliding_window, a layer_types entry other than "full_attention"). Without
// sentence-transformers files the embedding defaults are Qwen3-Embedding's: last-token pooling,
// normalized. No token types: the tokenizer's are dropped.
#ifndef ATTNSERVE_CORE_MODEL_QWEN3_QWEN3_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_QWEN3_QWEN3_FAMILY_H_

#include "core/model/family.h"

namespace attnserve::core {

const ModelFamily& Qwen3Family();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_QWEN3_QWEN3_FAMILY_H_
