// PostProcessor: the last encoding stage of the tokenizer pipeline (Hugging Face's
// `post_processor`): adds the special tokens and the type ids. Chosen by tokenizer.json's
// post_processor "type" (see core/tokenizer/stage_registry.h).
#ifndef ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_POST_PROCESSOR_H_
#define ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_POST_PROCESSOR_H_

#include <string>

#include "absl/status/status.h"

#include "core/tokenizer/encoding.h"
#include "core/tokenizer/token_sequence.h"

namespace attnserve::core {

// Implementations are immutable after creation and thread-safe; they own their special tokens.
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;

  // Number of special tokens added to a single input / a pair (truncation leaves room for them).
  virtual int num_special_tokens(bool pair) const = 0;

  // Appends to `out` the final tokens of `a` (and `b` when not null): the sequences' tokens with
  // their type ids, and the special tokens (offsets (0, 0)) when add_special_tokens. Moves the
  // strings out of a.tokens / b->tokens (filled only when return_tokens). One call per Encode.
  virtual void Process(TokenSequence& a, TokenSequence* b, bool add_special_tokens,
                       bool return_tokens, Encoding& out) const = 0;

  // InvalidArgument "post_processor: special token id N is outside the vocabulary" when a
  // special token's id is not in [0, vocab_size).
  virtual absl::Status CheckIds(int vocab_size) const = 0;

  // True when Process reads the sequences' token strings (ByteLevel offset trimming): the
  // tokenizer then fills TokenSequence::tokens even without return_tokens.
  virtual bool needs_tokens() const { return false; }

  virtual std::string Describe() const = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_POST_PROCESSORS_POST_PROCESSOR_H_
