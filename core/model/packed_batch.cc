#include "core/model/packed_batch.h"

#include <algorithm>

#include "core/util/check.h"

namespace attnserve::core {

void PackedBatch::Clear() {
  ids_.clear();
  type_ids_.clear();
  offsets_.assign(1, 0);
  max_length_ = 0;
}

void PackedBatch::Add(std::span<const int32_t> ids, std::span<const int32_t> type_ids) {
  ATTN_CHECK(type_ids.empty() || type_ids.size() == ids.size());
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  if (type_ids.empty()) {
    type_ids_.resize(ids_.size(), 0);
  } else {
    type_ids_.insert(type_ids_.end(), type_ids.begin(), type_ids.end());
  }
  offsets_.push_back(static_cast<int64_t>(ids_.size()));
  max_length_ = std::max<int64_t>(max_length_, static_cast<int64_t>(ids.size()));
}

}  // namespace attnserve::core
