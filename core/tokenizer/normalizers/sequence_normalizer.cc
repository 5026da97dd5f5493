#include "core/tokenizer/normalizers/sequence_normalizer.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/tokenizer/json_util.h"
#include "core/tokenizer/stage_registry.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Two buffers per nesting depth of Sequences, per thread: a Sequence inside a Sequence must not
// reuse its parent's buffers while the parent still reads them.
struct Buffers {
  std::vector<NormalizedChar> a, b;
};

class BufferLease {
 public:
  BufferLease() {
    if (depth_ == pool_.size()) pool_.push_back(std::make_unique<Buffers>());
    buffers_ = pool_[depth_++].get();
  }
  ~BufferLease() {
    --depth_;
    // A huge input must not pin its buffers to the thread for good.
    for (auto* v : {&buffers_->a, &buffers_->b}) {
      if (v->capacity() > (size_t{1} << 16)) std::vector<NormalizedChar>().swap(*v);
    }
  }
  BufferLease(const BufferLease&) = delete;
  BufferLease& operator=(const BufferLease&) = delete;
  Buffers& get() { return *buffers_; }

 private:
  static thread_local std::vector<std::unique_ptr<Buffers>> pool_;
  static thread_local size_t depth_;
  Buffers* buffers_;
};

thread_local std::vector<std::unique_ptr<Buffers>> BufferLease::pool_;
thread_local size_t BufferLease::depth_ = 0;

}  // namespace

absl::StatusOr<std::unique_ptr<Normalizer>> SequenceNormalizer::FromJson(const nlohmann::json& j,
                                                                         absl::string_view source) {
  ATTN_RETURN_IF_ERROR(
      tokenizer_json::CheckKeys(j, {"type", "normalizers"}, source, "normalizer (Sequence)"));
  const auto it = j.find("normalizers");
  if (it == j.end() || !it->is_array()) {
    return tokenizer_json::Err(source, "normalizer (Sequence).normalizers must be an array");
  }
  std::vector<std::unique_ptr<Normalizer>> list;
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& e = (*it)[i];
    const std::string where = absl::StrCat(source, ": normalizer.normalizers[", i, "]");
    if (!e.is_object()) return tokenizer_json::Err(where, "not an object");
    const std::string type = tokenizer_json::TypeOf(e);
    ATTN_ASSIGN_OR_RETURN(
        auto n, NormalizerRegistry().Create(type, e, where, type.empty() ? e.dump() : ""));
    list.push_back(std::move(n));
  }
  return std::make_unique<SequenceNormalizer>(std::move(list));
}

std::string SequenceNormalizer::Describe() const {
  return absl::StrCat(
      "Sequence[",
      absl::StrJoin(normalizers_, ", ",
                    [](std::string* out, const auto& n) { absl::StrAppend(out, n->Describe()); }),
      "]");
}

void SequenceNormalizer::Normalize(const NormalizedChar* in, size_t n,
                                   std::vector<NormalizedChar>& out) const {
  if (normalizers_.empty()) {
    out.insert(out.end(), in, in + n);
    return;
  }
  if (normalizers_.size() == 1) {
    normalizers_[0]->Normalize(in, n, out);
    return;
  }
  BufferLease lease;
  Buffers& buf = lease.get();
  buf.a.clear();
  normalizers_[0]->Normalize(in, n, buf.a);
  for (size_t i = 1; i + 1 < normalizers_.size(); ++i) {
    buf.b.clear();
    normalizers_[i]->Normalize(buf.a.data(), buf.a.size(), buf.b);
    std::swap(buf.a, buf.b);
  }
  normalizers_.back()->Normalize(buf.a.data(), buf.a.size(), out);
}

void SequenceNormalizer::NormalizeText(absl::string_view text, size_t begin, size_t end,
                                       std::vector<NormalizedChar>& out) const {
  if (normalizers_.empty()) {
    AppendOriginalChars(text, begin, end, out);
    return;
  }
  if (normalizers_.size() == 1) {
    normalizers_[0]->NormalizeText(text, begin, end, out);
    return;
  }
  BufferLease lease;
  Buffers& buf = lease.get();
  buf.a.clear();
  normalizers_[0]->NormalizeText(text, begin, end, buf.a);
  for (size_t i = 1; i + 1 < normalizers_.size(); ++i) {
    buf.b.clear();
    normalizers_[i]->Normalize(buf.a.data(), buf.a.size(), buf.b);
    std::swap(buf.a, buf.b);
  }
  normalizers_.back()->Normalize(buf.a.data(), buf.a.size(), out);
}

}  // namespace attnserve::core
