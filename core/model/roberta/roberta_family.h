// The RoBERTa family: config.json model_type "roberta" (all-distilroberta-v1, ...),
// "xlm-roberta" (multilingual-e5, bge-m3, paraphrase-multilingual-*) and "camembert". Their
// encoder is BERT's (core/model/bert/bert_model.h: the same config keys and layer tensors) with
// fairseq positions — real tokens start at pad_token_id + 1 (PositionIds::kAfterPadding), so a
// table of max_position_embeddings rows takes max_position_embeddings - pad_token_id - 1 tokens
// (514 -> 512) — and tensor names bare or under "roberta.". Their checkpoints usually have one
// token type; the pooler is not used.
#ifndef ATTNSERVE_CORE_MODEL_ROBERTA_ROBERTA_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_ROBERTA_ROBERTA_FAMILY_H_

#include "core/model/family.h"

namespace attnserve::core {

const ModelFamily& RobertaFamily();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_ROBERTA_ROBERTA_FAMILY_H_
