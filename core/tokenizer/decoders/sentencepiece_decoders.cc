#include "core/tokenizer/decoders/sentencepiece_decoders.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/normalizers/simple_normalizers.h"
#include "core/tokenizer/stage_registry.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::CheckKeys;
using tokenizer_json::Err;

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Rust's u8::from_str_radix(s, 16) for a 2-byte s (it accepts a leading '+').
int ParseByte(absl::string_view s) {
  if (s[0] == '+') return HexDigit(s[1]);
  const int hi = HexDigit(s[0]), lo = HexDigit(s[1]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string EncodeChar(char32_t cp) {
  char buf[4];
  return std::string(buf, static_cast<size_t>(unicode::EncodeUtf8(cp, buf)));
}

}  // namespace

// ---- ByteFallback ----

absl::StatusOr<std::unique_ptr<Decoder>> ByteFallbackDecoder::FromJson(const nlohmann::json& j,
                                                                       absl::string_view source) {
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type"}, source, "decoder (ByteFallback)"));
  return std::make_unique<ByteFallbackDecoder>();
}

void ByteFallbackDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  std::vector<std::string> out;
  out.reserve(tokens.size());
  std::string bytes;
  auto flush = [&] {
    if (bytes.empty()) return;
    if (unicode::ValidateUtf8(bytes).ok()) {
      out.push_back(bytes);
    } else {
      for (size_t i = 0; i < bytes.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
    }
    bytes.clear();
  };
  for (std::string& t : tokens) {
    const int b = t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>'
                      ? ParseByte(absl::string_view(t).substr(3, 2))
                      : -1;
    if (b >= 0) {
      bytes.push_back(static_cast<char>(b));
      continue;
    }
    flush();
    out.push_back(std::move(t));
  }
  flush();
  tokens = std::move(out);
}

// ---- Fuse ----

absl::StatusOr<std::unique_ptr<Decoder>> FuseDecoder::FromJson(const nlohmann::json& j,
                                                               absl::string_view source) {
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type"}, source, "decoder (Fuse)"));
  return std::make_unique<FuseDecoder>();
}

void FuseDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  std::string all = absl::StrJoin(tokens, "");
  tokens.clear();
  tokens.push_back(std::move(all));
}

// ---- Strip ----

absl::StatusOr<std::unique_ptr<Decoder>> StripDecoder::FromJson(const nlohmann::json& j,
                                                                absl::string_view source) {
  constexpr absl::string_view kWhere = "decoder (Strip)";
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type", "content", "start", "stop"}, source, kWhere));
  ATTN_ASSIGN_OR_RETURN(std::string content,
                        tokenizer_json::GetString(j, "content", source, kWhere));
  if (!unicode::ValidateUtf8(content).ok() || DecodeUtf8String(content).size() != 1) {
    return Err(source, absl::StrCat(kWhere, ".content must be one character"));
  }
  size_t n[2];
  const char* keys[2] = {"start", "stop"};
  for (int i = 0; i < 2; ++i) {
    const auto it = j.find(keys[i]);
    if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0) {
      return Err(source, absl::StrCat(kWhere, ".", keys[i], " must be a count >= 0"));
    }
    n[i] = it->get<size_t>();
  }
  return std::make_unique<StripDecoder>(DecodeUtf8String(content)[0], n[0], n[1]);
}

std::string StripDecoder::Describe() const {
  return absl::StrCat("Strip('", EncodeChar(content_), "', start=", start_, ", stop=", stop_, ")");
}

void StripDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  for (std::string& t : tokens) {
    const std::vector<char32_t> chars = DecodeUtf8String(t);
    size_t b = 0;
    while (b < start_ && b < chars.size() && chars[b] == content_) ++b;
    size_t e = chars.size();
    // The Rust crate indexes past the start of a token shorter than `stop` (a panic); here the
    // cut just stops there.
    for (size_t i = 0; i < stop_ && e > b && chars[e - 1] == content_; ++i) --e;
    std::string s;
    for (size_t i = b; i < e; ++i) s += EncodeChar(chars[i]);
    t = std::move(s);
  }
}

// ---- Replace ----

absl::StatusOr<std::unique_ptr<Decoder>> ReplaceDecoder::FromJson(const nlohmann::json& j,
                                                                  absl::string_view source) {
  constexpr absl::string_view kWhere = "decoder (Replace)";
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type", "pattern", "content"}, source, kWhere));
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<Regex> pattern,
                        tokenizer_json::GetPattern(j, "pattern", /*empty_ok=*/false, source,
                                                   kWhere));
  ATTN_ASSIGN_OR_RETURN(std::string content,
                        tokenizer_json::GetString(j, "content", source, kWhere));
  return std::make_unique<ReplaceDecoder>(std::move(pattern), std::move(content));
}

std::string ReplaceDecoder::Describe() const {
  return absl::StrCat("Replace('", pattern_->pattern(), "' -> '", content_, "')");
}

void ReplaceDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  thread_local std::vector<RegexMatch> matches;
  std::string replaced;
  for (std::string& t : tokens) {
    matches.clear();
    pattern_->FindAll(t, matches);
    if (matches.empty()) continue;
    replaced.clear();
    size_t at = 0;
    for (const RegexMatch& m : matches) {
      replaced.append(t, at, m.start - at).append(content_);
      at = m.end;
    }
    replaced.append(t, at, std::string::npos);
    t.swap(replaced);
  }
}

// ---- Metaspace ----

absl::StatusOr<std::unique_ptr<Decoder>> MetaspaceDecoder::FromJson(const nlohmann::json& j,
                                                                    absl::string_view source) {
  ATTN_ASSIGN_OR_RETURN(MetaspaceOptions o, MetaspaceOptions::FromJson(j, source, "decoder"));
  return std::make_unique<MetaspaceDecoder>(o);
}

void MetaspaceDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  const std::string rep = EncodeChar(options_.replacement);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const bool drop = i == 0 && options_.prepend_scheme != MetaspaceOptions::PrependScheme::kNever;
    tokens[i] = absl::StrReplaceAll(tokens[i], {{rep, drop ? "" : " "}});
  }
}

// ---- Sequence ----

absl::StatusOr<std::unique_ptr<Decoder>> SequenceDecoder::FromJson(const nlohmann::json& j,
                                                                   absl::string_view source) {
  ATTN_RETURN_IF_ERROR(CheckKeys(j, {"type", "decoders"}, source, "decoder (Sequence)"));
  const auto it = j.find("decoders");
  if (it == j.end() || !it->is_array()) {
    return Err(source, "decoder (Sequence).decoders must be an array");
  }
  std::vector<std::unique_ptr<Decoder>> list;
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& e = (*it)[i];
    const std::string where = absl::StrCat(source, ": decoder.decoders[", i, "]");
    if (!e.is_object()) return Err(where, "not an object");
    const std::string type = tokenizer_json::TypeOf(e);
    ATTN_ASSIGN_OR_RETURN(auto d,
                          DecoderRegistry().Create(type, e, where, type.empty() ? e.dump() : ""));
    list.push_back(std::move(d));
  }
  return std::make_unique<SequenceDecoder>(std::move(list));
}

std::string SequenceDecoder::Describe() const {
  return absl::StrCat(
      "Sequence[",
      absl::StrJoin(decoders_, ", ",
                    [](std::string* out, const auto& d) { absl::StrAppend(out, d->Describe()); }),
      "]");
}

void SequenceDecoder::DecodeChain(std::vector<std::string>& tokens) const {
  for (const auto& d : decoders_) d->DecodeChain(tokens);
}

}  // namespace attnserve::core
