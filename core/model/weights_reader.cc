#include "core/model/weights_reader.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "core/util/check.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

absl::Status ShapeMismatch(absl::string_view source, absl::string_view name,
                           std::span<const int64_t> actual, std::span<const int64_t> expected) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": tensor '", name, "' has shape ",
                                                 ShapeToString(actual), ", expected ",
                                                 ShapeToString(expected)));
}

// A NaN or infinity in a weight poisons every output it touches: refuse it at load, naming it.
absl::Status CheckFinite(const std::string& source, absl::string_view name, const Tensor& t) {
  const float* v = t.data();
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": tensor '", name, "' holds ",
                                                     v[i], " at element ", i,
                                                     ": weights must be finite"));
    }
  }
  return absl::OkStatus();
}

uint16_t LoadU16(const std::byte* p) {
  // safetensors is little-endian, as is every host we build for.
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {  // inf / nan
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {  // normal
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {  // zero
    bits = sign;
  } else {  // subnormal half: normalise into an f32 normal
    exp = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

float BFloat16ToFloat(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

std::vector<std::string> SafetensorsWeightsReader::Names() const {
  std::vector<std::string> names;
  for (const StTensor& t : file_->tensors()) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<std::vector<int64_t>> SafetensorsWeightsReader::Shape(
    absl::string_view name) const {
  const StTensor* t = file_->Find(name);
  if (t == nullptr) {
    return absl::NotFoundError(absl::StrCat(source(), ": missing tensor '", name, "'"));
  }
  return t->shape;
}

absl::StatusOr<DType> SafetensorsWeightsReader::StoredDType(absl::string_view name) const {
  const StTensor* t = file_->Find(name);
  if (t == nullptr) {
    return absl::NotFoundError(absl::StrCat(source(), ": missing tensor '", name, "'"));
  }
  switch (t->dtype) {
    case StDType::kF32:
      return DType::kF32;
    case StDType::kF16:
      return DType::kF16;
    case StDType::kBF16:
      return DType::kBF16;
    default:
      return absl::InvalidArgumentError(absl::StrCat(source(), ": tensor '", name,
                                                     "' has dtype ", StDTypeName(t->dtype),
                                                     ", not a weight type (F32, F16, BF16)"));
  }
}

absl::StatusOr<Tensor> SafetensorsWeightsReader::Read(absl::string_view name,
                                                      std::span<const int64_t> expected_shape) {
  const StTensor* t = file_->Find(name);
  if (t == nullptr) {
    return absl::NotFoundError(absl::StrCat(source(), ": missing tensor '", name, "'"));
  }
  if (!std::equal(t->shape.begin(), t->shape.end(), expected_shape.begin(), expected_shape.end())) {
    return ShapeMismatch(source(), name, t->shape, expected_shape);
  }
  Tensor out(t->shape);
  float* dst = out.data();
  const int64_t n = out.size();
  switch (t->dtype) {
    case StDType::kF32:
      // An empty tensor has no buffer: memcpy from or to nullptr is undefined even for 0 bytes.
      if (n > 0) std::memcpy(dst, t->data, static_cast<size_t>(n) * sizeof(float));
      break;
    case StDType::kF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = HalfToFloat(LoadU16(t->data + 2 * i));
      break;
    case StDType::kBF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = BFloat16ToFloat(LoadU16(t->data + 2 * i));
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(source(), ": tensor '", name, "' has dtype ", StDTypeName(t->dtype),
                       "; only F32, F16 and BF16 weights are supported"));
  }
  file_->Release(*t);
  ATTN_RETURN_IF_ERROR(CheckFinite(source(), name, out));
  return out;
}

void InMemoryWeightsReader::Add(std::string name, std::vector<int64_t> shape,
                                std::vector<float> values) {
  ATTN_CHECK(NumElements(shape) == static_cast<int64_t>(values.size()));
  tensors_[std::move(name)] = Entry{std::move(shape), std::move(values)};
}

bool InMemoryWeightsReader::Has(absl::string_view name) const {
  return tensors_.find(name) != tensors_.end();
}

std::vector<std::string> InMemoryWeightsReader::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : tensors_) names.push_back(name);
  return names;
}

absl::StatusOr<std::vector<int64_t>> InMemoryWeightsReader::Shape(absl::string_view name) const {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return absl::NotFoundError(absl::StrCat(source_, ": missing tensor '", name, "'"));
  }
  return it->second.shape;
}

absl::StatusOr<DType> InMemoryWeightsReader::StoredDType(absl::string_view name) const {
  if (!Has(name)) return absl::NotFoundError(absl::StrCat(source_, ": missing tensor '", name, "'"));
  return DType::kF32;
}

absl::StatusOr<Tensor> InMemoryWeightsReader::Read(absl::string_view name,
                                                   std::span<const int64_t> expected_shape) {
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    return absl::NotFoundError(absl::StrCat(source_, ": missing tensor '", name, "'"));
  }
  const Entry& e = it->second;
  if (!std::equal(e.shape.begin(), e.shape.end(), expected_shape.begin(), expected_shape.end())) {
    return ShapeMismatch(source_, name, e.shape, expected_shape);
  }
  Tensor out(e.shape);
  std::copy(e.values.begin(), e.values.end(), out.data());
  ATTN_RETURN_IF_ERROR(CheckFinite(source_, name, out));
  return out;
}

}  // namespace attnserve::core
