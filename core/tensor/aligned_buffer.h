// AlignedBuffer: an owned, 64-byte aligned, uninitialized array of floats.
//
// Activations and packed weights live in these buffers: 64-byte alignment keeps AVX-512 loads on
// cache-line boundaries. Not thread-safe; movable, not copyable.
#ifndef ATTNSERVE_CORE_TENSOR_ALIGNED_BUFFER_H_
#define ATTNSERVE_CORE_TENSOR_ALIGNED_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <utility>

namespace attnserve::core {

template <typename T>
class AlignedBuffer {
 public:
  static constexpr std::size_t kAlignment = 64;

  AlignedBuffer() = default;
  // Allocates `size` elements (uninitialized). Throws std::bad_alloc when memory is exhausted.
  explicit AlignedBuffer(std::size_t size) { Reset(size); }
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  // Replaces the contents with `size` uninitialized elements.
  void Reset(std::size_t size) {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    if (size == 0) return;
    const std::size_t bytes = (size * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
    data_ = static_cast<T*>(std::aligned_alloc(kAlignment, bytes));
    if (data_ == nullptr) throw std::bad_alloc();
    size_ = size;
  }
  // Grows to at least `size` elements; the contents are not preserved when it grows.
  void EnsureSize(std::size_t size) {
    if (size > size_) Reset(size);
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::span<T> span() { return {data_, size_}; }
  std::span<const T> span() const { return {data_, size_}; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TENSOR_ALIGNED_BUFFER_H_
