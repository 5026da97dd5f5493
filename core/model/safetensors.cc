#include "core/model/safetensors.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#include "core/tensor/tensor.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

struct DTypeInfo {
  StDType dtype;
  absl::string_view name;
  int size;
};

constexpr std::array<DTypeInfo, 12> kDTypes = {{
    {StDType::kF64, "F64", 8},
    {StDType::kF32, "F32", 4},
    {StDType::kF16, "F16", 2},
    {StDType::kBF16, "BF16", 2},
    {StDType::kI64, "I64", 8},
    {StDType::kI32, "I32", 4},
    {StDType::kI16, "I16", 2},
    {StDType::kI8, "I8", 1},
    {StDType::kU8, "U8", 1},
    {StDType::kBool, "BOOL", 1},
    {StDType::kF8E4M3, "F8_E4M3", 1},
    {StDType::kF8E5M2, "F8_E5M2", 1},
}};

// The reference implementation refuses headers above 100 MB; so do we, before allocating.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

absl::Status Corrupt(absl::string_view file, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", what));
}

}  // namespace

bool ParseStDType(absl::string_view name, StDType* dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.name == name) {
      *dtype = info.dtype;
      return true;
    }
  }
  return false;
}

absl::string_view StDTypeName(StDType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info.name;
  }
  return "?";
}

int StDTypeSize(StDType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info.size;
  }
  return 0;
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": fstat failed: ", std::strerror(err)));
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->display_name_ = path;
  file->size_ = static_cast<uint64_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat(path, ": mmap failed: ", std::strerror(err)));
    }
    file->base_ = static_cast<const std::byte*>(p);
    file->mapped_ = true;
    // Tensors are read front to back once, at load.
    ::madvise(p, file->size_, MADV_SEQUENTIAL);
  }
  ::close(fd);
  ATTN_RETURN_IF_ERROR(file->Parse());
  return file;
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::FromBytes(
    std::string bytes, std::string display_name) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->display_name_ = std::move(display_name);
  file->owned_bytes_ = std::move(bytes);
  file->base_ = reinterpret_cast<const std::byte*>(file->owned_bytes_.data());
  file->size_ = file->owned_bytes_.size();
  ATTN_RETURN_IF_ERROR(file->Parse());
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapped_) ::munmap(const_cast<std::byte*>(base_), size_);
}

absl::Status SafetensorsFile::Parse() {
  const std::string& f = display_name_;
  if (size_ < 8) {
    return Corrupt(f, absl::StrCat("truncated: the file has ", size_,
                                   " bytes, fewer than the 8-byte header length"));
  }
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) {
    header_len = (header_len << 8) | std::to_integer<uint64_t>(base_[i]);
  }
  if (header_len > size_ - 8) {
    return Corrupt(f, absl::StrCat("header length ", header_len, " runs past the end of the file (",
                                   size_, " bytes): the file is truncated or not safetensors"));
  }
  if (header_len > kMaxHeaderBytes) {
    return Corrupt(f, absl::StrCat("header length ", header_len, " exceeds the ", kMaxHeaderBytes,
                                   "-byte limit"));
  }
  data_start_ = 8 + header_len;
  const uint64_t data_size = size_ - data_start_;
  const absl::string_view header_text(reinterpret_cast<const char*>(base_ + 8), header_len);

  nlohmann::json header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) {
    return Corrupt(f,
                   "the header (bytes 8.." + std::to_string(data_start_) + ") is not valid JSON");
  }
  if (!header.is_object()) return Corrupt(f, "the header is not a JSON object");

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) return Corrupt(f, "__metadata__ is not an object");
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string()) {
          return Corrupt(f, absl::StrCat("__metadata__ value of '", m.key(), "' is not a string"));
        }
        metadata_[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = absl::StrCat("tensor '", name, "'");
    if (!entry.is_object()) return Corrupt(f, where + ": entry is not an object");
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) {
      return Corrupt(f, where + ": missing or non-string 'dtype'");
    }
    if (shape_it == entry.end() || !shape_it->is_array()) {
      return Corrupt(f, where + ": missing or non-array 'shape'");
    }
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
      return Corrupt(f, where + ": 'data_offsets' must be an array [begin, end]");
    }
    StTensor t;
    t.name = name;
    const std::string dtype_name = dtype_it->get<std::string>();
    if (!ParseStDType(dtype_name, &t.dtype)) {
      return Corrupt(f, absl::StrCat(where, ": unknown dtype '", dtype_name, "'"));
    }
    for (const nlohmann::json& d : *shape_it) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) {
        return Corrupt(f, absl::StrCat(where, ": shape ", shape_it->dump(),
                                       " has a dimension that is not a non-negative integer"));
      }
      t.shape.push_back(d.get<int64_t>());
    }
    for (const nlohmann::json& o : *offsets_it) {
      if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0)) {
        return Corrupt(f, absl::StrCat(where, ": data_offsets ", offsets_it->dump(),
                                       " are not non-negative integers"));
      }
    }
    t.begin = (*offsets_it)[0].get<uint64_t>();
    t.end = (*offsets_it)[1].get<uint64_t>();
    if (t.begin > t.end) {
      return Corrupt(f, absl::StrCat(where, ": data_offsets [", t.begin, ", ", t.end,
                                     "] end before they begin"));
    }
    if (t.end > data_size) {
      return Corrupt(f,
                     absl::StrCat(where, ": data_offsets [", t.begin, ", ", t.end,
                                  "] run past the end of the data section (", data_size,
                                  " bytes, file offset ", data_start_, "): the file is truncated"));
    }
    const int64_t n = NumElements(t.shape);
    const uint64_t elem = static_cast<uint64_t>(StDTypeSize(t.dtype));
    if (n < 0 || static_cast<uint64_t>(n) > std::numeric_limits<uint64_t>::max() / elem) {
      return Corrupt(f, absl::StrCat(where, ": shape ", ShapeToString(t.shape), " is too large"));
    }
    if (static_cast<uint64_t>(n) * elem != t.end - t.begin) {
      return Corrupt(
          f, absl::StrCat(where, ": ", dtype_name, " ", ShapeToString(t.shape), " needs ",
                          static_cast<uint64_t>(n) * elem, " bytes but data_offsets [", t.begin,
                          ", ", t.end, "] hold ", t.end - t.begin));
    }
    t.data = base_ + data_start_ + t.begin;
    tensors_.push_back(std::move(t));
  }

  std::sort(tensors_.begin(), tensors_.end(), [](const StTensor& a, const StTensor& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  // As the reference library (safetensors' validate): in offset order the tensors tile the data
  // section exactly, from byte 0 to its end. A gap or trailing bytes mean the header does not
  // describe the data: a header length that is off by a few bytes, say, shifts every tensor.
  uint64_t covered = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const StTensor& cur = tensors_[i];
    if (cur.begin < covered) {
      const StTensor& prev = tensors_[i - 1];
      return Corrupt(
          f, absl::StrCat("tensors '", prev.name, "' [", prev.begin, ", ", prev.end, ") and '",
                          cur.name, "' [", cur.begin, ", ", cur.end, ") overlap"));
    }
    if (cur.begin > covered) {
      return Corrupt(f, absl::StrCat("bytes [", covered, ", ", cur.begin,
                                     ") of the data section belong to no tensor (tensor '",
                                     cur.name, "' starts at ", cur.begin, ")"));
    }
    covered = cur.end;
  }
  if (covered != data_size) {
    return Corrupt(f, absl::StrCat("the data section has ", data_size,
                                   " bytes but its tensors cover ", covered,
                                   ": the header length (", header_len,
                                   ") or the data_offsets are wrong"));
  }
  for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
  return absl::OkStatus();
}

const StTensor* SafetensorsFile::Find(absl::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::Release(const StTensor& tensor) const {
  if (!mapped_ || tensor.end == tensor.begin) return;
  // madvise needs page-aligned ranges: release only the pages wholly inside the tensor.
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t lo = reinterpret_cast<uintptr_t>(tensor.data);
  const uintptr_t hi = lo + (tensor.end - tensor.begin);
  const uintptr_t first = (lo + page - 1) / page * page;
  const uintptr_t last = hi / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace attnserve::core
