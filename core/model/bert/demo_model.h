// The built-in "demo" model: a small BERT (2 layers, hidden 128, 4 heads) with deterministic
// pseudo-random weights and a small uncased English WordPiece vocabulary, so that every command
// and RPC works on a fresh machine with no model files. Its vectors are reproducible but carry no
// meaning.
#ifndef ATTNSERVE_CORE_MODEL_BERT_DEMO_MODEL_H_
#define ATTNSERVE_CORE_MODEL_BERT_DEMO_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "core/model/bert/bert_config.h"
#include "core/model/model_spec.h"
#include "core/model/weights_reader.h"

namespace attnserve::core {

inline constexpr char kDemoModelName[] = "demo";

// WordPiece vocabulary, index = token id: [PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, [MASK]=103
// (the bert-base-uncased ids), single characters, "##" continuations, common English words.
const std::vector<std::string>& DemoVocabulary();
BertConfig DemoConfig();
// DemoConfig() as a Hugging Face config.json.
std::string DemoConfigJson();
EmbeddingDefaults DemoEmbeddingDefaults();
// Tensors under Hugging Face BertModel names.
std::unique_ptr<InMemoryWeightsReader> MakeDemoWeights(const BertConfig& config, uint64_t seed = 1);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_BERT_DEMO_MODEL_H_
