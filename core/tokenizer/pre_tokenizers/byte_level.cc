#include "core/tokenizer/pre_tokenizers/byte_level.h"

#include <array>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/pre_tokenizers/split.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

constexpr absl::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

const std::array<char32_t, 256>& ByteToChar() {
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
    }
    return t;
  }();
  return table;
}

// Appends the byte-level characters of s.chars[begin, end).
void AppendBytes(const NormalizedChar* chars, uint32_t begin, uint32_t end,
                 std::vector<NormalizedChar>& out) {
  const std::array<char32_t, 256>& table = ByteToChar();
  for (uint32_t i = begin; i < end; ++i) {
    const NormalizedChar& c = chars[i];
    if (c.cp < 0x80) {
      out.push_back({table[c.cp], c.start, c.end});
      continue;
    }
    char bytes[4];
    const int n = unicode::EncodeUtf8(c.cp, bytes);
    for (int k = 0; k < n; ++k) {
      out.push_back({table[static_cast<uint8_t>(bytes[k])], c.start, c.end});
    }
  }
}

}  // namespace

char32_t ByteLevelChar(uint8_t b) { return ByteToChar()[b]; }

int ByteLevelByte(char32_t c) {
  static const std::array<int16_t, 512> inverse = [] {
    std::array<int16_t, 512> t{};
    t.fill(-1);
    for (int b = 0; b < 256; ++b) t[ByteToChar()[static_cast<size_t>(b)]] = static_cast<int16_t>(b);
    return t;
  }();
  return c < 512 ? inverse[c] : -1;
}

absl::StatusOr<std::unique_ptr<ByteLevel>> ByteLevel::Create(const Options& options) {
  std::unique_ptr<ByteLevel> p(new ByteLevel(options));
  if (options.use_regex) {
    ATTN_ASSIGN_OR_RETURN(p->re_, Regex::Compile(kGpt2Pattern, "ByteLevel"));
  }
  return p;
}

absl::StatusOr<std::unique_ptr<PreTokenizer>> ByteLevel::FromJson(const nlohmann::json& config,
                                                                 absl::string_view source) {
  using tokenizer_json::GetBool;
  const char* where = "pre_tokenizer(ByteLevel)";
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      config, {"type", "add_prefix_space", "trim_offsets", "use_regex"}, source, where));
  Options o;
  ATTN_ASSIGN_OR_RETURN(o.add_prefix_space, GetBool(config, "add_prefix_space", true, source, where));
  ATTN_ASSIGN_OR_RETURN(o.trim_offsets, GetBool(config, "trim_offsets", true, source, where));
  ATTN_ASSIGN_OR_RETURN(o.use_regex, GetBool(config, "use_regex", true, source, where));
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<ByteLevel> p, Create(o));
  return std::unique_ptr<PreTokenizer>(std::move(p));
}

void ByteLevel::PreTokenize(const NormalizedString& s, uint32_t begin, uint32_t end,
                            std::vector<CharSpan>& words) const {
  // Without the rewrite there is no room for the prefix space; only the split is shown.
  thread_local std::vector<SplitSegment> segs, scratch;
  if (begin >= end) return;
  if (re_ == nullptr) {
    words.push_back({begin, end});
    return;
  }
  RegexSegments(*re_, s, begin, end, /*invert=*/false, segs);
  EmitSplits(segs, SplitBehavior::kIsolated, scratch, words);
  ShrinkIfHuge(segs);
  ShrinkIfHuge(scratch);
}

void ByteLevel::PreTokenizeInto(const NormalizedString& s, uint32_t begin, uint32_t end,
                                bool /*at_input_start*/, NormalizedString& out,
                                std::vector<CharSpan>& words) const {
  thread_local NormalizedString prefixed;
  thread_local std::vector<SplitSegment> segs, scratch;
  thread_local std::vector<CharSpan> split;
  if (begin >= end) return;
  const NormalizedString* src = &s;
  if (options_.add_prefix_space && s.chars[begin].cp != U' ') {
    // As NormalizedString::prepend: the space takes the first character's range.
    prefixed.chars.clear();
    prefixed.chars.push_back({U' ', s.chars[begin].start, s.chars[begin].end});
    prefixed.chars.insert(prefixed.chars.end(), s.chars.begin() + begin, s.chars.begin() + end);
    prefixed.SyncUtf8();
    src = &prefixed;
    end = static_cast<uint32_t>(prefixed.chars.size());
    begin = 0;
  }
  split.clear();
  if (re_ != nullptr) {
    RegexSegments(*re_, *src, begin, end, /*invert=*/false, segs);
    EmitSplits(segs, SplitBehavior::kIsolated, scratch, split);
  } else {
    split.push_back({begin, end});
  }
  for (const CharSpan& w : split) {
    const auto first = static_cast<uint32_t>(out.chars.size());
    AppendBytes(src->chars.data(), w.begin, w.end, out.chars);
    words.push_back({first, static_cast<uint32_t>(out.chars.size())});
  }
  if (prefixed.chars.capacity() > (size_t{1} << 16)) prefixed = NormalizedString();
  ShrinkIfHuge(segs);
  ShrinkIfHuge(scratch);
  ShrinkIfHuge(split);
}

std::string ByteLevel::Describe() const {
  return absl::StrCat("ByteLevel(add_prefix_space=", options_.add_prefix_space,
                      ", use_regex=", options_.use_regex, ")");
}

}  // namespace attnserve::core
