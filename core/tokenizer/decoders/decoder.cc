#include "core/tokenizer/decoders/decoder.h"

#include <utility>

#include "absl/strings/str_join.h"

namespace attnserve::core {

std::string Decoder::Decode(std::vector<std::string> tokens) const {
  DecodeChain(tokens);
  return absl::StrJoin(tokens, "");
}

}  // namespace attnserve::core
