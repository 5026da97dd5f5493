// The DistilBERT family (config.json model_type "distilbert": msmarco-distilbert-*,
// distilbert-base-*, ...). BERT's post-norm layers under DistilBertModel's names
// (transformer.layer.N.attention.{q,k,v,out}_lin, sa_layer_norm, ffn.lin1/lin2,
// output_layer_norm), learned positions from 0, LayerNorm eps 1e-12 (fixed, as in transformers),
// and no token types: the model has no token-type table, a client's type id other than 0 is
// refused, and a tokenizer's type ids are dropped (Hugging Face's tokenizer returns none).
// Config keys: vocab_size, dim, n_heads, n_layers, hidden_dim, max_position_embeddings,
// activation, pad_token_id; sinusoidal_pos_embds=true is refused.
#ifndef ATTNSERVE_CORE_MODEL_DISTILBERT_DISTILBERT_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_DISTILBERT_DISTILBERT_FAMILY_H_

#include "core/model/family.h"

namespace attnserve::core {

const ModelFamily& DistilBertFamily();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_DISTILBERT_DISTILBERT_FAMILY_H_
