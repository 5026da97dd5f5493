// Input embeddings without positions (ModernBERT: positions are rotary, inside attention):
// out[t] = LayerNorm(word[ids[t]]).
#ifndef ATTNSERVE_CORE_LAYERS_TOKEN_EMBEDDINGS_H_
#define ATTNSERVE_CORE_LAYERS_TOKEN_EMBEDDINGS_H_

#include <cstdint>
#include <span>

namespace attnserve::core {

// `word` has rows of `hidden` floats; `gamma` and `beta` are the norm's [hidden] (a norm without
// bias passes zeros). The ids must already be validated against the table (the session does).
void TokenEmbeddingsForward(std::span<const int32_t> ids, const float* word, const float* gamma,
                            const float* beta, int64_t hidden, float eps, float* out);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_TOKEN_EMBEDDINGS_H_
