// WeightsReader: where a model's tensors come from, by name, as float32.
//
// Two implementations: SafetensorsWeightsReader (a checkpoint on disk, F32/F16/BF16) and
// InMemoryWeightsReader (the built-in demo model and tests). Layers never see files: the model
// loader asks a reader for "encoder.layer.3.attention.self.query.weight" with the shape it expects.
//
// Thread-safety: not thread-safe; a reader is used by one loader at a time.
#ifndef ATTNSERVE_CORE_MODEL_WEIGHTS_READER_H_
#define ATTNSERVE_CORE_MODEL_WEIGHTS_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include "core/model/safetensors.h"
#include "core/tensor/dtype.h"
#include "core/tensor/tensor.h"

namespace attnserve::core {

class WeightsReader {
 public:
  virtual ~WeightsReader() = default;
  // Names the source in error messages ("/models/x/model.safetensors").
  virtual std::string source() const = 0;
  virtual bool Has(absl::string_view name) const = 0;
  virtual std::vector<std::string> Names() const = 0;
  // The stored shape of tensor `name`; NotFound if absent.
  virtual absl::StatusOr<std::vector<int64_t>> Shape(absl::string_view name) const = 0;
  // The dtype tensor `name` is stored in (what Read converts from), so that a family can pack it
  // in a precision that keeps it (bf16 weights as bf16, say); NotFound if absent,
  // InvalidArgument for a stored dtype that is not a floating-point weight type.
  virtual absl::StatusOr<DType> StoredDType(absl::string_view name) const = 0;
  // Reads tensor `name` as float32. NotFound if absent; InvalidArgument naming the tensor if its
  // shape is not `expected_shape` or its dtype cannot be converted to float32.
  virtual absl::StatusOr<Tensor> Read(absl::string_view name,
                                      std::span<const int64_t> expected_shape) = 0;
};

class SafetensorsWeightsReader final : public WeightsReader {
 public:
  explicit SafetensorsWeightsReader(std::unique_ptr<SafetensorsFile> file)
      : file_(std::move(file)) {}
  std::string source() const override { return file_->display_name(); }
  bool Has(absl::string_view name) const override { return file_->Find(name) != nullptr; }
  std::vector<std::string> Names() const override;
  absl::StatusOr<std::vector<int64_t>> Shape(absl::string_view name) const override;
  absl::StatusOr<DType> StoredDType(absl::string_view name) const override;
  // Converts F32, F16 and BF16 and releases the tensor's file pages afterwards, so the mapped
  // checkpoint does not stay resident next to the converted copy.
  absl::StatusOr<Tensor> Read(absl::string_view name,
                              std::span<const int64_t> expected_shape) override;

 private:
  std::unique_ptr<SafetensorsFile> file_;
};

class InMemoryWeightsReader final : public WeightsReader {
 public:
  explicit InMemoryWeightsReader(std::string source) : source_(std::move(source)) {}
  // Adds (or replaces) a tensor; `values` must hold NumElements(shape) floats.
  void Add(std::string name, std::vector<int64_t> shape, std::vector<float> values);
  std::string source() const override { return source_; }
  bool Has(absl::string_view name) const override;
  std::vector<std::string> Names() const override;
  absl::StatusOr<std::vector<int64_t>> Shape(absl::string_view name) const override;
  // Always kF32: tensors are held as floats.
  absl::StatusOr<DType> StoredDType(absl::string_view name) const override;
  absl::StatusOr<Tensor> Read(absl::string_view name,
                              std::span<const int64_t> expected_shape) override;

 private:
  struct Entry {
    std::vector<int64_t> shape;
    std::vector<float> values;
  };
  std::string source_;
  std::map<std::string, Entry, std::less<>> tensors_;
};

// Conversions of one IEEE half / bfloat16 value (exact: every value is representable in f32).
float HalfToFloat(uint16_t h);
float BFloat16ToFloat(uint16_t b);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_WEIGHTS_READER_H_
