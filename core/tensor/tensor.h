// Tensor: a shape plus an owned, aligned float32 buffer (row-major). Used for weights as they
// come out of a checkpoint, before packing. Not thread-safe; movable.
#ifndef ATTNSERVE_CORE_TENSOR_TENSOR_H_
#define ATTNSERVE_CORE_TENSOR_TENSOR_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

// Number of elements of `shape`, or -1 if a dimension is negative or the product overflows int64.
int64_t NumElements(std::span<const int64_t> shape);
// "[768, 3072]"
std::string ShapeToString(std::span<const int64_t> shape);

class Tensor {
 public:
  Tensor() = default;
  // Allocates an uninitialized tensor of `shape`; every dimension must be >= 0.
  explicit Tensor(std::vector<int64_t> shape);

  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_[i]; }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::span<float> span() { return data_.span(); }
  std::span<const float> span() const { return data_.span(); }

 private:
  std::vector<int64_t> shape_;
  AlignedBuffer<float> data_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TENSOR_TENSOR_H_
