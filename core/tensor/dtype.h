// DType: the element type of stored and packed weights and of compute, one vocabulary for the
// whole tree (checkpoint readers, packed dense layers, the model description, Info, metrics).
#ifndef ATTNSERVE_CORE_TENSOR_DTYPE_H_
#define ATTNSERVE_CORE_TENSOR_DTYPE_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace attnserve::core {

enum class DType : uint8_t {
  kF32,
  kF16,
  kBF16,
  kInt8,  // symmetric s8 with per-channel scales (packed weights only)
};

// "fp32", "fp16", "bf16", "int8".
constexpr absl::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kF32:
      return "fp32";
    case DType::kF16:
      return "fp16";
    case DType::kBF16:
      return "bf16";
    case DType::kInt8:
      return "int8";
  }
  return "?";
}

// Bytes of one element.
constexpr int DTypeSize(DType t) {
  switch (t) {
    case DType::kF32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
      return 2;
    case DType::kInt8:
      return 1;
  }
  return 0;
}

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TENSOR_DTYPE_H_
