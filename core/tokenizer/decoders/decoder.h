// Decoder: turns tokens back into text (Hugging Face's `decoder`), chosen by tokenizer.json's
// decoder "type" (see core/tokenizer/stage_registry.h). Decoding is not on any hot path.
#ifndef ATTNSERVE_CORE_TOKENIZER_DECODERS_DECODER_H_
#define ATTNSERVE_CORE_TOKENIZER_DECODERS_DECODER_H_

#include <string>
#include <vector>

namespace attnserve::core {

// Implementations are immutable after creation and thread-safe.
class Decoder {
 public:
  virtual ~Decoder() = default;

  // Hugging Face's Decoder::decode_chain: each token rewritten (in place), one output per token.
  virtual void DecodeChain(std::vector<std::string>& tokens) const = 0;

  // Hugging Face's Decoder::decode: DecodeChain, then the pieces concatenated.
  std::string Decode(std::vector<std::string> tokens) const;

  virtual std::string Describe() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_DECODERS_DECODER_H_
