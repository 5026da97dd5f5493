#include "core/tokenizer/models/bpe.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "core/tokenizer/json_util.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

using tokenizer_json::Err;

// A symbol of the word being merged (the crate's word::Symbol): a token id, its byte length
// in the word, and its neighbours (-1: none). len == 0 marks a symbol merged into its left.
struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  uint32_t len;
};

// A candidate merge of the symbol at `pos` with its right neighbour.
struct Candidate {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
};
// std heap functions build a max-heap: "less" = larger (rank, pos), so the top is the lowest
// rank, then the leftmost position, as the crate's min-heap.
struct LaterCandidate {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

// Per-thread buffers of TokenizeWord (reused; shrunk after a huge word).
struct WordBuffers {
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  std::string piece;
};

WordBuffers& Buffers() {
  thread_local WordBuffers b;
  return b;
}

absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& model,
                                                          const char* key,
                                                          absl::string_view source) {
  const auto it = model.find(key);
  if (it == model.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Err(source, absl::StrCat("model.", key, " must be a string or null"));
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Bpe>> Bpe::Create(
    absl::flat_hash_map<std::string, int32_t> vocab,
    const std::vector<std::pair<std::string, std::string>>& merges, const Options& options,
    absl::string_view source) {
  if (vocab.empty()) return Err(source, "model.vocab is empty");
  std::unique_ptr<Bpe> m(new Bpe());
  m->options_ = options;
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab) max_id = std::max(max_id, id);
  m->vocab_r_.resize(static_cast<size_t>(max_id) + 1);
  for (const auto& [token, id] : vocab) m->vocab_r_[static_cast<size_t>(id)] = token;
  m->vocab_ = std::move(vocab);
  const size_t prefix_len =
      options.continuing_subword_prefix ? options.continuing_subword_prefix->size() : 0;
  m->merges_.reserve(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const int32_t a_id = m->TokenToId(a), b_id = m->TokenToId(b);
    // As the crate: the merged token is a + b without b's continuing_subword_prefix.
    joined = a;
    if (b.size() >= prefix_len) joined.append(b, prefix_len, std::string::npos);
    const int32_t new_id = b.size() >= prefix_len ? m->TokenToId(joined) : -1;
    if (a_id < 0 || b_id < 0 || new_id < 0) {
      return Err(source, absl::StrCat("model.merges[", rank, "] ('", a, "', '", b, "'): '",
                                      a_id < 0 ? a : b_id < 0 ? b : joined,
                                      "' is not in the vocabulary"));
    }
    m->merges_[PairKey(a_id, b_id)] = {static_cast<uint32_t>(rank), new_id};
  }
  for (int b = 0; b < 256; ++b) {
    m->byte_ids_[static_cast<size_t>(b)] = m->TokenToId(absl::StrFormat("<0x%02X>", b));
  }
  if (options.unk_token) {
    m->unk_id_ = m->TokenToId(*options.unk_token);
    if (m->unk_id_ < 0) {
      return Err(source, absl::StrCat("model.unk_token '", *options.unk_token,
                                      "' is not in the vocabulary"));
    }
  }
  return m;
}

absl::StatusOr<std::unique_ptr<TokenizerModel>> Bpe::FromJson(const nlohmann::json& model,
                                                              absl::string_view source) {
  using tokenizer_json::GetBool;
  ATTN_RETURN_IF_ERROR(tokenizer_json::CheckKeys(
      model,
      {"type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
       "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges"},
      source, "model(BPE)"));
  if (const auto d = model.find("dropout"); d != model.end() && !d->is_null()) {
    if (!d->is_number() || d->get<double>() != 0.0) {
      return Err(source, absl::StrCat("model(BPE).dropout ", d->dump(),
                                      " is not supported (only null or 0: dropout is random)"));
    }
  }
  Options o;
  ATTN_ASSIGN_OR_RETURN(o.unk_token, OptionalString(model, "unk_token", source));
  ATTN_ASSIGN_OR_RETURN(o.continuing_subword_prefix,
                        OptionalString(model, "continuing_subword_prefix", source));
  ATTN_ASSIGN_OR_RETURN(o.end_of_word_suffix, OptionalString(model, "end_of_word_suffix", source));
  ATTN_ASSIGN_OR_RETURN(o.fuse_unk, GetBool(model, "fuse_unk", false, source, "model"));
  ATTN_ASSIGN_OR_RETURN(o.byte_fallback, GetBool(model, "byte_fallback", false, source, "model"));
  ATTN_ASSIGN_OR_RETURN(o.ignore_merges, GetBool(model, "ignore_merges", false, source, "model"));

  const auto v = model.find("vocab");
  if (v == model.end() || !v->is_object()) {
    return Err(source, "model(BPE).vocab must be an object {token: id}");
  }
  absl::flat_hash_map<std::string, int32_t> vocab;
  vocab.reserve(v->size());
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
        it->get<int64_t>() >= std::numeric_limits<int32_t>::max()) {
      return Err(source, absl::StrCat("model.vocab['", it.key(), "'] = ", it->dump(),
                                      ": ids must be integers >= 0"));
    }
    vocab[it.key()] = static_cast<int32_t>(it->get<int64_t>());
  }
  const auto ml = model.find("merges");
  if (ml == model.end() || !ml->is_array()) {
    return Err(source, "model(BPE).merges must be an array");
  }
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(ml->size());
  for (size_t i = 0; i < ml->size(); ++i) {
    const nlohmann::json& e = (*ml)[i];
    if (e.is_string()) {
      // The old form "a b": exactly one space (the crate's convert_merges_to_hashmap).
      const std::string& line = e.get_ref<const std::string&>();
      const size_t sp = line.find(' ');
      if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos) {
        return Err(source, absl::StrCat("model.merges[", i, "] '", line,
                                        "' is not two tokens separated by one space"));
      }
      merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    } else {
      return Err(source, absl::StrCat("model.merges[", i, "] must be \"a b\" or [\"a\", \"b\"]"));
    }
  }
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<Bpe> m, Create(std::move(vocab), merges, o, source));
  return std::unique_ptr<TokenizerModel>(std::move(m));
}

std::string Bpe::Describe() const {
  return absl::StrCat("BPE (", merges_.size(), " merges",
                      options_.byte_fallback ? ", byte_fallback" : "",
                      options_.ignore_merges ? ", ignore_merges" : "",
                      options_.unk_token ? absl::StrCat(", unk '", *options_.unk_token, "'") : "",
                      ")");
}

int32_t Bpe::TokenToId(absl::string_view token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

absl::string_view Bpe::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_r_.size()) return {};
  return vocab_r_[static_cast<size_t>(id)];
}

void Bpe::Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                   std::vector<ModelToken>& out) const {
  for (const CharSpan& w : words) {
    TokenizeWord(s.utf8, s.char_pos.data() + w.begin, w.end - w.begin, w.begin, out);
  }
  WordBuffers& b = Buffers();
  if (b.symbols.capacity() > (size_t{1} << 16) || b.heap.capacity() > (size_t{1} << 16)) {
    b = WordBuffers();
  }
}

void Bpe::TokenizeWord(absl::string_view utf8, const uint32_t* char_pos, uint32_t num_chars,
                       uint32_t first_char, std::vector<ModelToken>& out) const {
  if (num_chars == 0) return;
  const uint32_t word_start = char_pos[0];
  const uint32_t word_bytes = char_pos[num_chars] - word_start;
  const absl::string_view word = utf8.substr(word_start, word_bytes);
  if (options_.ignore_merges) {
    if (const int32_t id = TokenToId(word); id >= 0) {
      out.push_back({id, first_char, first_char + num_chars});
      return;
    }
  }
  WordBuffers& b = Buffers();
  std::vector<Symbol>& sym = b.symbols;
  sym.clear();
  auto add = [&](int32_t id, uint32_t len) {
    const auto n = static_cast<int32_t>(sym.size());
    sym.push_back({id, n - 1, -1, len});
    if (n > 0) sym[static_cast<size_t>(n - 1)].next = n;
  };
  // The pending unknown: (unk id, byte length), as the crate's merge_word.
  bool unk_pending = false;
  uint32_t unk_len = 0;
  const bool has_affix = (options_.continuing_subword_prefix &&
                          !options_.continuing_subword_prefix->empty()) ||
                         (options_.end_of_word_suffix && !options_.end_of_word_suffix->empty());
  for (uint32_t i = 0; i < num_chars; ++i) {
    const uint32_t byte_len = char_pos[i + 1] - char_pos[i];
    absl::string_view piece = utf8.substr(char_pos[i], byte_len);
    if (has_affix) {
      b.piece.clear();
      if (i > 0 && options_.continuing_subword_prefix) {
        b.piece.append(*options_.continuing_subword_prefix);
      }
      b.piece.append(piece.data(), piece.size());
      if (i + 1 == num_chars && options_.end_of_word_suffix) {
        b.piece.append(*options_.end_of_word_suffix);
      }
      piece = b.piece;
    }
    if (const int32_t id = TokenToId(piece); id >= 0) {
      if (unk_pending) {
        add(unk_id_, unk_len);
        unk_pending = false;
      }
      add(id, byte_len);
      continue;
    }
    if (options_.byte_fallback) {
      // All bytes of the piece (affixes included, as the crate) must have a <0xNN> token.
      bool all = true;
      for (const char c : piece) all = all && byte_ids_[static_cast<uint8_t>(c)] >= 0;
      if (all) {
        for (const char c : piece) add(byte_ids_[static_cast<uint8_t>(c)], 1);
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (unk_pending && options_.fuse_unk) {
        unk_len += byte_len;
      } else {
        if (unk_pending) add(unk_id_, unk_len);
        unk_pending = true;
        unk_len = byte_len;
      }
    }
  }
  if (unk_pending) add(unk_id_, unk_len);

  // Word::merge_all.
  std::vector<Candidate>& heap = b.heap;
  heap.clear();
  auto candidate = [&](uint32_t pos, int32_t left, int32_t right) {
    const auto it = merges_.find(PairKey(left, right));
    if (it == merges_.end()) return;
    heap.push_back({it->second.rank, pos, it->second.new_id});
    std::push_heap(heap.begin(), heap.end(), LaterCandidate());
  };
  for (size_t i = 0; i + 1 < sym.size(); ++i) {
    const auto it = merges_.find(PairKey(sym[i].id, sym[i + 1].id));
    if (it != merges_.end()) heap.push_back({it->second.rank, static_cast<uint32_t>(i), it->second.new_id});
  }
  std::make_heap(heap.begin(), heap.end(), LaterCandidate());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), LaterCandidate());
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = sym[top.pos];
    if (left.len == 0 || left.next < 0) continue;
    const auto right_pos = static_cast<size_t>(left.next);
    const Symbol right = sym[right_pos];
    // A stale entry: the pair at pos no longer gives this token.
    const auto it = merges_.find(PairKey(left.id, right.id));
    if (it == merges_.end() || it->second.new_id != top.new_id) continue;
    left.id = top.new_id;
    left.len += right.len;
    left.next = right.next;
    sym[right_pos].len = 0;
    if (right.next >= 0) sym[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
    const Symbol cur = sym[top.pos];
    if (cur.prev >= 0) {
      candidate(static_cast<uint32_t>(cur.prev), sym[static_cast<size_t>(cur.prev)].id, cur.id);
    }
    if (cur.next >= 0) candidate(top.pos, cur.id, sym[static_cast<size_t>(cur.next)].id);
  }

  // Byte offsets in the word -> characters (a token over part of a character covers it all).
  uint32_t pos = 0;  // byte offset in the word
  uint32_t c = 0;    // character containing byte `pos`
  for (const Symbol& x : sym) {
    if (x.len == 0) continue;
    const uint32_t start = std::min(pos, word_bytes - 1);
    const uint32_t end = std::min(pos + x.len, word_bytes);
    pos += x.len;
    while (c + 1 < num_chars && char_pos[c + 1] - word_start <= start) ++c;
    uint32_t last = c;
    while (last + 1 < num_chars && char_pos[last + 1] - word_start < end) ++last;
    out.push_back({x.id, first_char + c, first_char + last + 1});
  }
}

}  // namespace attnserve::core
