// The BERT family (config.json model_type "bert": BERT, MiniLM, bge-*-en, e5-*-v2, gte-base,
// ...): BertConfig from config.json, BertModel from the weights.
#ifndef ATTNSERVE_CORE_MODEL_BERT_BERT_FAMILY_H_
#define ATTNSERVE_CORE_MODEL_BERT_BERT_FAMILY_H_

#include "core/model/family.h"

namespace attnserve::core {

const ModelFamily& BertFamily();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_BERT_BERT_FAMILY_H_
