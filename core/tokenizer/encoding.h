// The options and the result of Tokenizer::Encode (core/tokenizer/tokenizer.h includes this).
#ifndef ATTNSERVE_CORE_TOKENIZER_ENCODING_H_
#define ATTNSERVE_CORE_TOKENIZER_ENCODING_H_

#include <cstdint>
#include <string>
#include <vector>

namespace attnserve::core {

enum class TruncationDirection { kRight, kLeft };

// How a pair is cut to the maximum length: tokenizer.json's truncation.strategy (Hugging Face's
// TruncationStrategy). LongestFirst when the file has no truncation.
enum class TruncationStrategy { kLongestFirst, kOnlyFirst, kOnlySecond };

// Per-call options of Tokenizer::Encode.
struct TokenizeOptions {
  // Add the template's special tokens ([CLS] ... [SEP], [CLS] A [SEP] B [SEP]).
  bool add_special_tokens = true;
  // Longest result in tokens, special tokens included; 0 = no limit.
  int max_length = 0;
  // false: a result longer than max_length is InvalidArgument "has N tokens; the maximum is M".
  // true: cut to max_length (pairs: by the tokenizer's TruncationStrategy, as Hugging Face) and
  // set Encoding::truncated.
  bool truncate = false;
  TruncationDirection direction = TruncationDirection::kRight;
  // Fill Encoding::tokens (costs one string per token).
  bool return_tokens = false;
};

// The result of one Encode call: parallel arrays, one entry per token.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  // Only with TokenizeOptions::return_tokens: vocabulary entries, except that an added token
  // found in the text is the text it matched (with what lstrip / rstrip took; normalized for
  // normalized=true), as Hugging Face's Encoding::get_tokens.
  std::vector<std::string> tokens;
  // Byte offsets [start, end) into the original UTF-8 of the text the token came from (text or
  // text_pair; type_ids tell which for BERT templates); (0, 0) for template special tokens.
  std::vector<uint32_t> offsets_start;
  std::vector<uint32_t> offsets_end;
  bool truncated = false;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_ENCODING_H_
