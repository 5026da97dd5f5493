// The Viterbi search is the Rust crate's encode_optimized (SentencePiece's unigram_model.cc
// fast path): positions are visited in order, the pieces starting at each come from the trie in
// order of length, and a later candidate replaces a node's best only when strictly better, so
// ties go to the earliest start. Scores are doubles summed in the same order.
#include "core/tokenizer/models/unigram.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/unicode.h"
#include "core/util/status_macros.h"

namespace attnserve::core {

using tokenizer_json::Err;

namespace {
constexpr double kUnkPenalty = 10.0;

struct BestNode {
  double score;
  int32_t id;
  uint32_t start;  // character where the piece ending here starts
  bool set;
};

struct PathPiece {
  int32_t id;
  uint32_t begin, end;  // characters within the word
};

// serde_json (without its float_roundtrip feature, as tokenizers builds it) does not round a
// decimal number correctly: it takes the digits as an integer, converts that to f64 and divides
// (or multiplies) by the f64 nearest to 10^k. The result can be 1 ulp off the correctly rounded
// value that nlohmann gives, and Viterbi ties between pieces then go the other way. This
// recomputes serde's value from the shortest decimal digits of `v`, which are the digits written
// in the file when it was written by serde_json or Python (both print floats shortest).
double SerdeJsonF64(double v) {
  static const auto* const kPow10 = [] {
    auto* t = new std::array<double, 309>;
    for (int i = 0; i <= 308; ++i) {
      (*t)[static_cast<size_t>(i)] = std::strtod(("1e" + std::to_string(i)).c_str(), nullptr);
    }
    return t;
  }();
  if (!std::isfinite(v) || v == 0) return v;
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), std::fabs(v));
  if (r.ec != std::errc()) return v;
  uint64_t digits = 0;
  int exponent = 0, ndigits = 0;
  bool after_point = false;
  const char* p = buf;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p == '.') {
      after_point = true;
      continue;
    }
    if (ndigits >= 19) return v;  // cannot happen for a shortest form (<= 17 digits)
    digits = digits * 10 + static_cast<uint64_t>(*p - '0');
    ++ndigits;
    if (after_point) --exponent;
  }
  if (p < r.ptr) exponent += std::atoi(p + 1);
  double f = static_cast<double>(digits);
  while (true) {
    if (exponent >= -308 && exponent <= 308) {
      if (exponent >= 0) {
        f *= (*kPow10)[static_cast<size_t>(exponent)];
      } else {
        f /= (*kPow10)[static_cast<size_t>(-exponent)];
      }
      break;
    }
    if (exponent > 308 || f == 0) break;  // serde rejects the former; the latter stays 0
    f /= 1e308;
    exponent += 308;
  }
  return v < 0 ? -f : f;
}

template <typename T>
void ShrinkIfHuge(std::vector<T>& v) {
  if (v.capacity() > (size_t{1} << 16)) std::vector<T>().swap(v);
}
}  // namespace

absl::StatusOr<std::unique_ptr<Unigram>> Unigram::Create(
    std::vector<std::pair<std::string, double>> vocab, int32_t unk_id, bool byte_fallback,
    absl::string_view source) {
  if (vocab.empty() && unk_id >= 0) return Err(source, "model (Unigram).vocab is empty");
  if (unk_id < -1 || (unk_id >= 0 && static_cast<size_t>(unk_id) >= vocab.size())) {
    return Err(source, absl::StrCat("model (Unigram).unk_id ", unk_id,
                                    " is outside the vocabulary (", vocab.size(), " pieces)"));
  }
  std::unique_ptr<Unigram> m(new Unigram());
  m->unk_id_ = unk_id;
  m->byte_fallback_ = byte_fallback;
  m->min_score_ = INFINITY;
  m->pieces_.reserve(vocab.size());
  m->scores_.reserve(vocab.size());
  m->ids_.reserve(vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) {
    m->min_score_ = std::min(m->min_score_, vocab[i].second);
    m->ids_[vocab[i].first] = static_cast<int32_t>(i);  // the last of duplicates wins
    m->pieces_.push_back(std::move(vocab[i].first));
    m->scores_.push_back(vocab[i].second);
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    const auto it = m->ids_.find(name);
    m->byte_ids_[static_cast<size_t>(b)] = it == m->ids_.end() ? -1 : it->second;
  }

  // The trie, built from the distinct pieces in byte order: a node's children then arrive in
  // label order, and are laid out contiguously afterwards.
  std::vector<std::pair<absl::string_view, int32_t>> keys;
  keys.reserve(m->ids_.size());
  for (const auto& [piece, id] : m->ids_) {
    if (!piece.empty()) keys.emplace_back(piece, id);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<std::vector<Edge>> children(1);
  std::vector<int32_t> node_id(1, -1);
  for (const auto& [key, id] : keys) {
    uint32_t node = 0;
    for (const char ch : key) {
      const auto c = static_cast<uint8_t>(ch);
      auto& kids = children[node];
      if (!kids.empty() && kids.back().label == c) {
        node = kids.back().child;
      } else {
        const auto child = static_cast<uint32_t>(children.size());
        kids.push_back({c, child});
        children.emplace_back();
        node_id.push_back(-1);
        node = child;
      }
    }
    node_id[node] = id;
  }
  m->first_edge_.resize(children.size() + 1);
  for (size_t i = 0; i < children.size(); ++i) {
    m->first_edge_[i] = static_cast<uint32_t>(m->edges_.size());
    m->edges_.insert(m->edges_.end(), children[i].begin(), children[i].end());
  }
  m->first_edge_[children.size()] = static_cast<uint32_t>(m->edges_.size());
  m->node_id_ = std::move(node_id);
  for (const Edge& e : children[0]) m->root_child_[e.label] = e.child;
  return m;
}

absl::StatusOr<std::unique_ptr<TokenizerModel>> Unigram::FromJson(const nlohmann::json& j,
                                                                  absl::string_view source) {
  constexpr absl::string_view kWhere = "model (Unigram)";
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(j, {"type", "unk_id", "vocab", "byte_fallback"}, source, kWhere));
  const auto unk = j.find("unk_id");
  const bool no_unk = unk == j.end() || unk->is_null();
  if (!no_unk &&
      (!unk->is_number_integer() || unk->get<int64_t>() < 0 || unk->get<int64_t>() > INT32_MAX)) {
    return Err(source, absl::StrCat(kWhere, ".unk_id must be an id; was ", unk->dump()));
  }
  ATTN_ASSIGN_OR_RETURN(const bool byte_fallback,
                        tokenizer_json::GetBool(j, "byte_fallback", false, source, kWhere));
  const auto v = j.find("vocab");
  if (v == j.end() || !v->is_array()) {
    return Err(source, absl::StrCat(kWhere, ".vocab must be an array of [piece, score]"));
  }
  std::vector<std::pair<std::string, double>> vocab;
  vocab.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const nlohmann::json& e = (*v)[i];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number()) {
      return Err(source, absl::StrCat(kWhere, ".vocab[", i, "] must be [piece, score]; was ",
                                      e.dump().substr(0, 80)));
    }
    // An integer score converts exactly in both parsers; a decimal one as serde_json reads it.
    vocab.emplace_back(e[0].get<std::string>(), e[1].is_number_float()
                                                    ? SerdeJsonF64(e[1].get<double>())
                                                    : e[1].get<double>());
  }
  ATTN_ASSIGN_OR_RETURN(
      auto m, Create(std::move(vocab), no_unk ? -1 : static_cast<int32_t>(unk->get<int64_t>()),
                     byte_fallback, source));
  return std::unique_ptr<TokenizerModel>(std::move(m));
}

int32_t Unigram::TokenToId(absl::string_view token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

absl::string_view Unigram::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return {};
  return pieces_[static_cast<size_t>(id)];
}

std::string Unigram::Describe() const {
  return absl::StrCat("Unigram (", pieces_.size(), " pieces, ",
                      unk_id_ < 0 ? "no unk" : absl::StrCat("unk '", pieces_[unk_id_], "'"),
                      byte_fallback_ ? ", byte_fallback" : "", ")");
}

void Unigram::Tokenize(const NormalizedString& s, absl::Span<const CharSpan> words,
                       std::vector<ModelToken>& out) const {
  for (const CharSpan& w : words) {
    if (w.end <= w.begin) continue;
    TokenizeWord(s.utf8, s.char_pos.data() + w.begin, w.end - w.begin, w.begin, out);
  }
}

void Unigram::EmitUnknown(absl::string_view text, uint32_t char_begin, uint32_t char_end,
                          std::vector<ModelToken>& out) const {
  // As the crate's tokenize(): the fused string may itself be a piece (e.g. a literal "<unk>").
  if (const auto it = ids_.find(text); it != ids_.end()) {
    out.push_back({it->second, char_begin, char_end});
    return;
  }
  if (byte_fallback_ && std::all_of(text.begin(), text.end(), [&](char c) {
        return byte_ids_[static_cast<uint8_t>(c)] >= 0;
      })) {
    for (const char c : text)
      out.push_back({byte_ids_[static_cast<uint8_t>(c)], char_begin, char_end});
    return;
  }
  out.push_back({unk_id_, char_begin, char_end});
}

void Unigram::TokenizeWord(absl::string_view utf8, const uint32_t* char_pos, uint32_t num_chars,
                           uint32_t first_char, std::vector<ModelToken>& out) const {
  thread_local std::vector<BestNode> best;
  thread_local std::vector<PathPiece> path;
  best.assign(num_chars + 1, BestNode{0.0, -1, 0, false});
  best[0].set = true;
  const double unk_score = min_score_ - kUnkPenalty;
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const uint32_t end_byte = char_pos[num_chars];

  for (uint32_t c = 0; c < num_chars; ++c) {
    const double base = best[c].score;
    bool has_single = false;
    uint32_t pos = char_pos[c];
    uint32_t k = c;  // characters fully consumed: pos == char_pos[k] at a boundary
    uint32_t node = root_child_[bytes[pos]];
    ++pos;
    while (node != 0) {
      if (pos == char_pos[k + 1]) ++k;
      const int32_t id = node_id_[node];
      if (id >= 0 && pos == char_pos[k]) {
        BestNode& t = best[k];
        const double cand = scores_[static_cast<size_t>(id)] + base;
        if (!t.set || cand > t.score) t = {cand, id, c, true};
        if (k == c + 1) has_single = true;
      }
      if (pos >= end_byte) break;
      const uint8_t b = bytes[pos];
      const Edge* e0 = edges_.data() + first_edge_[node];
      const Edge* e1 = edges_.data() + first_edge_[node + 1];
      const Edge* e =
          std::lower_bound(e0, e1, b, [](const Edge& x, uint8_t v) { return x.label < v; });
      node = (e != e1 && e->label == b) ? e->child : 0;
      ++pos;
    }
    if (!has_single) {
      if (unk_id_ < 0) {  // the crate fails here, whatever the best path would have been
        out.push_back({kUnencodableToken, first_char + c, first_char + c + 1});
        return;
      }
      BestNode& t = best[c + 1];
      const double cand = unk_score + base;
      if (!t.set || cand > t.score) t = {cand, unk_id_, c, true};
    }
  }

  path.clear();
  for (uint32_t e = num_chars; e > 0;) {
    const BestNode& n = best[e];
    path.push_back({n.id, n.start, e});
    e = n.start;
  }
  std::reverse(path.begin(), path.end());
  for (size_t i = 0; i < path.size();) {
    if (path[i].id != unk_id_) {
      out.push_back({path[i].id, first_char + path[i].begin, first_char + path[i].end});
      ++i;
      continue;
    }
    size_t j = i;
    while (j < path.size() && path[j].id == unk_id_) ++j;  // fuse consecutive unknowns
    const uint32_t b = path[i].begin, e = path[j - 1].end;
    EmitUnknown(utf8.substr(char_pos[b], char_pos[e] - char_pos[b]), first_char + b, first_char + e,
                out);
    i = j;
  }
  ShrinkIfHuge(best);
  ShrinkIfHuge(path);
}

}  // namespace attnserve::core
