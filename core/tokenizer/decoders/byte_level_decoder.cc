#include "core/tokenizer/decoders/byte_level_decoder.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pre_tokenizers/byte_level.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

std::string Utf8Lossy(absl::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    // Expected length and the valid range of the second byte (Unicode Table 3-7).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    }
    size_t k = 1;  // bytes of a valid prefix
    if (len > 0) {
      while (k < len && i + k < n) {
        const unsigned char c = p[i + k];
        const bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
        if (!ok) break;
        ++k;
      }
    }
    if (len > 0 && k == len) {
      out.append(bytes.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");  // one U+FFFD per maximal invalid prefix
      i += k;
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Decoder>> ByteLevelDecoder::FromJson(const nlohmann::json& config,
                                                                   absl::string_view source) {
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      config, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, source, "decoder"));
  return std::make_unique<ByteLevelDecoder>();
}

void ByteLevelDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  std::string bytes;
  for (const std::string& t : tokens) {
    const size_t mark = bytes.size();
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    size_t i = 0;
    bool all = true;
    while (i < t.size()) {
      char32_t c;
      i += static_cast<size_t>(unicode::DecodeUtf8(p + i, &c));
      const int b = ByteLevelByte(c);
      if (b < 0) {
        all = false;
        break;
      }
      bytes.push_back(static_cast<char>(b));
    }
    if (!all) {
      bytes.resize(mark);
      bytes.append(t);
    }
  }
  tokens.assign(1, Utf8Lossy(bytes));
}

}  // namespace attnserve::core
