// PackedBatch: the token ids of several sequences, back to back — the input of every model's
// forward pass. Sequence s owns tokens [offsets()[s], offsets()[s + 1]). No padding anywhere.
//
// Not thread-safe; movable. A batch is built by one thread and read by the compute thread.
#ifndef ATTNSERVE_CORE_MODEL_PACKED_BATCH_H_
#define ATTNSERVE_CORE_MODEL_PACKED_BATCH_H_

#include <cstdint>
#include <span>
#include <vector>

namespace attnserve::core {

class PackedBatch {
 public:
  void Clear();
  // Appends a sequence. `type_ids` is empty (all zeros) or as long as `ids`.
  void Add(std::span<const int32_t> ids, std::span<const int32_t> type_ids = {});

  int num_sequences() const { return static_cast<int>(offsets_.size()) - 1; }
  int64_t num_tokens() const { return offsets_.back(); }
  int64_t begin(int s) const { return offsets_[static_cast<size_t>(s)]; }
  int64_t length(int s) const { return offsets_[static_cast<size_t>(s) + 1] - begin(s); }
  int64_t max_length() const { return max_length_; }
  std::span<const int32_t> ids() const { return ids_; }
  std::span<const int32_t> type_ids() const { return type_ids_; }
  std::span<const int64_t> offsets() const { return offsets_; }

 private:
  std::vector<int32_t> ids_;
  std::vector<int32_t> type_ids_;
  std::vector<int64_t> offsets_ = {0};
  int64_t max_length_ = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_PACKED_BATCH_H_
