// Reader for the safetensors format (https://huggingface.co/docs/safetensors):
//   u64 little-endian header length N | N bytes of JSON header | data section.
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end)} relative to the
// data section; "__metadata__" holds free-form strings.
//
// Open() memory-maps the file read-only and validates everything before any tensor is used, so a
// damaged file is an error that names the file, the tensor and the offset, never a crash: file
// shorter than 8 bytes, header length past the end of the file, header that is not JSON or not of
// the expected form, unknown dtype, negative dimension, byte count that does not match
// dtype x shape, offsets past the end of the data, overlapping tensors.
//
// Thread-safety: immutable after Open(); Find() and the tensor data may be read from any thread.
#ifndef ATTNSERVE_CORE_MODEL_SAFETENSORS_H_
#define ATTNSERVE_CORE_MODEL_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

enum class StDType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2 };

// "F32" -> kF32; false for a name the format does not define.
bool ParseStDType(absl::string_view name, StDType* dtype);
absl::string_view StDTypeName(StDType dtype);
int StDTypeSize(StDType dtype);

struct StTensor {
  std::string name;
  StDType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // data_offsets, relative to the start of the data section
  uint64_t end = 0;
  const std::byte* data = nullptr;  // points into the mapping; end - begin bytes
};

class SafetensorsFile {
 public:
  // Maps and validates the file at `path`.
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  // Validates an in-memory image (tests, fuzzing); `display_name` stands for the file in errors.
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> FromBytes(std::string bytes,
                                                                    std::string display_name);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  // nullptr if there is no tensor `name`.
  const StTensor* Find(absl::string_view name) const;
  // Tensors in data-offset order.
  const std::vector<StTensor>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& display_name() const { return display_name_; }

  // Hints that the pages of `tensor` will not be read again: for a mapped file they are dropped
  // from the resident set (and re-read from disk if touched later). No-op for in-memory images.
  void Release(const StTensor& tensor) const;

 private:
  SafetensorsFile() = default;
  absl::Status Parse();

  std::string display_name_;
  const std::byte* base_ = nullptr;  // whole file
  uint64_t size_ = 0;
  bool mapped_ = false;
  std::string owned_bytes_;  // FromBytes() only
  uint64_t data_start_ = 0;
  std::vector<StTensor> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_MODEL_SAFETENSORS_H_
