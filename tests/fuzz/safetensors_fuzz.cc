// libFuzzer target for the safetensors reader (core/model/safetensors.h) and the weights reader
// on top of it (core/model/weights_reader.h), as the model loader uses them on model.safetensors:
// any bytes through SafetensorsFile::FromBytes (the same Parse() as Open() on a mapped file:
// header length, JSON header, dtypes, shapes, offsets, tiling and overlap checks). When a file
// loads, every tensor must lie inside the data section, tile it exactly, and its bytes are read
// and compared with the input's (a bad offset is an ASan report or a failed check here); then
// each tensor goes through SafetensorsWeightsReader: Shape, StoredDType, Read as float32 (and Read
// with a wrong shape, which must fail).
//
// A custom mutator keeps the 8-byte header length in step with the JSON header most of the time,
// so that mutations reach the checks behind the JSON parse.
//
//   safetensors_fuzz -max_total_time=60 CORPUS_DIR tests/fuzz/safetensors_seeds
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "core/model/safetensors.h"
#include "core/model/weights_reader.h"
#include "core/tensor/tensor.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using attnserve::core::DType;
using attnserve::core::SafetensorsFile;
using attnserve::core::SafetensorsWeightsReader;
using attnserve::core::StDType;
using attnserve::core::StDTypeSize;
using attnserve::core::StTensor;

constexpr const char* kTarget = "safetensors_fuzz";

void Fail(const std::string& what) { attnserve::fuzz::Fail(kTarget, what); }

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void StoreLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  std::minstd_rand rng(seed);
  if (size < 8 || rng() % 4 == 0) return LLVMFuzzerMutate(data, size, max_size);
  const uint64_t header_len = LoadLe64(data);
  if (header_len > size - 8) return LLVMFuzzerMutate(data, size, max_size);
  const std::string rest(reinterpret_cast<const char*>(data) + 8 + header_len,
                         size - 8 - header_len);
  if (rng() % 3 == 0 && !rest.empty()) {
    // The data section alone (the tensors' values).
    return 8 + header_len +
           LLVMFuzzerMutate(data + 8 + header_len, rest.size(), max_size - 8 - header_len);
  }
  // The JSON header, then the length rewritten and the data section moved behind it.
  std::vector<uint8_t> header(max_size - 8 - rest.size());
  std::memcpy(header.data(), data + 8, header_len);
  const size_t new_len = LLVMFuzzerMutate(header.data(), header_len, header.size());
  StoreLe64(data, new_len);
  std::memcpy(data + 8, header.data(), new_len);
  std::memcpy(data + 8 + new_len, rest.data(), rest.size());
  return 8 + new_len + rest.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = SafetensorsFile::FromBytes(std::string(reinterpret_cast<const char*>(data), size),
                                         "fuzz.safetensors");
  if (!file.ok()) {
    attnserve::fuzz::CheckError(kTarget, file.status());
    if (file.status().message().find("fuzz.safetensors") == absl::string_view::npos) {
      Fail("the error does not name the file: " + file.status().ToString());
    }
    return 0;
  }
  // It loaded: the header length and the tensors must describe the input exactly.
  const uint64_t header_len = LoadLe64(data);
  if (header_len > size - 8) Fail("header length past the end accepted");
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = size - data_start;
  uint64_t covered = 0;
  for (const StTensor& t : (*file)->tensors()) {
    if (t.begin != covered) Fail(absl::StrCat("tensor '", t.name, "' does not start where the previous ended"));
    if (t.end < t.begin || t.end > data_size) Fail(absl::StrCat("tensor '", t.name, "' outside the data section"));
    const int64_t n = attnserve::core::NumElements(t.shape);
    if (n < 0 || static_cast<uint64_t>(n) * static_cast<uint64_t>(StDTypeSize(t.dtype)) != t.end - t.begin) {
      Fail(absl::StrCat("tensor '", t.name, "': byte count does not match dtype x shape"));
    }
    // Every byte of the tensor, as the model would read it (ASan checks the accesses).
    if (t.end > t.begin && std::memcmp(t.data, data + data_start + t.begin, t.end - t.begin) != 0) {
      Fail(absl::StrCat("tensor '", t.name, "': data does not point at its bytes"));
    }
    if ((*file)->Find(t.name) != &t) Fail(absl::StrCat("Find('", t.name, "') is another tensor"));
    covered = t.end;
  }
  if (covered != data_size) Fail("the tensors do not cover the data section");

  SafetensorsWeightsReader reader(*std::move(file));
  for (const std::string& name : reader.Names()) {
    if (!reader.Has(name)) Fail("Names() lists a tensor Has() does not know");
    auto shape = reader.Shape(name);
    if (!shape.ok()) Fail("Shape() of a listed tensor failed");
    auto dtype = reader.StoredDType(name);
    auto tensor = reader.Read(name, *shape);
    if (dtype.ok() != tensor.ok() &&
        !(dtype.ok() && tensor.status().message().find("must be finite") != absl::string_view::npos)) {
      Fail(absl::StrCat("StoredDType and Read disagree on '", name, "': ",
                        dtype.status().ToString(), " / ", tensor.status().ToString()));
    }
    if (tensor.ok()) {
      if (tensor->shape() != *shape) Fail("Read returned another shape");
      for (int64_t i = 0; i < tensor->size(); ++i) {
        if (!std::isfinite(tensor->data()[i])) Fail("Read returned a non-finite weight");
      }
    } else {
      attnserve::fuzz::CheckError(kTarget, tensor.status());
    }
    std::vector<int64_t> wrong = *shape;
    wrong.push_back(1);
    if (reader.Read(name, wrong).ok()) Fail("Read accepted a wrong shape");
  }
  if (reader.Read("no such tensor", {}).status().code() != absl::StatusCode::kNotFound) {
    Fail("Read of a missing tensor is not NotFound");
  }
  return 0;
}
