#include "core/tokenizer/models/word_level.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

absl::StatusOr<std::unique_ptr<TokenizerModel>> WordLevel::FromJson(const nlohmann::json& model,
                                                                    absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(model, {"type", "vocab", "unk_token"}, source, "model(WordLevel)"));
  std::unique_ptr<WordLevel> m(new WordLevel());
  m->unk_token_ = "<unk>";
  if (model.contains("unk_token")) {
    ATTN_ASSIGN_OR_RETURN(m->unk_token_,
                          tokenizer_json::GetString(model, "unk_token", source, "model"));
  }
  const auto v = model.find("vocab");
  if (v == model.end() || !v->is_object() || v->empty()) {
    return Err(source, "model(WordLevel).vocab must be a non-empty object {token: id}");
  }
  int32_t max_id = -1;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() >= std::numeric_limits<int32_t>::max()) {
      return Err(source, absl::StrCat("model.vocab['", it.key(), "'] = ", it->dump(),
                                      ": ids must be integers >= 0"));
    }
    const auto id = static_cast<int32_t>(it->get<int64_t>());
    m->vocab_[it.key()] = id;
    max_id = std::max(max_id, id);
  }
  m->vocab_r_.resize(static_cast<size_t>(max_id) + 1);
  for (const auto& [token, id] : m->vocab_) m->vocab_r_[static_cast<size_t>(id)] = token;
  m->unk_id_ = m->TokenToId(m->unk_token_);
  if (m->unk_id_ < 0) {
    return Err(source, absl::StrCat("model(WordLevel).unk_token '", m->unk_token_,
                                    "' is not in the vocabulary"));
  }
  return std::unique_ptr<TokenizerModel>(std::move(m));
}

void WordLevel::Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                         std::vector<ModelToken>& out) const {
  for (const CharSpan& w : words) {
    const uint32_t b = s.char_pos[w.begin];
    const int32_t id = TokenToId(absl::string_view(s.utf8).substr(b, s.char_pos[w.end] - b));
    out.push_back({id >= 0 ? id : unk_id_, w.begin, w.end});
  }
}

int32_t WordLevel::TokenToId(absl::string_view token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

absl::string_view WordLevel::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_r_.size()) return {};
  return vocab_r_[static_cast<size_t>(id)];
}

std::string WordLevel::Describe() const {
  return absl::StrCat("WordLevel (unk '", unk_token_, "')");
}

}  // namespace attnserve::core
