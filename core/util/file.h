// Whole-file reads with errors that name the path.
#ifndef ATTNSERVE_CORE_UTIL_FILE_H_
#define ATTNSERVE_CORE_UTIL_FILE_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace attnserve {

// The bytes of `path`. NotFound "PATH: cannot open" / Internal "PATH: read error".
absl::StatusOr<std::string> ReadFileToString(const std::filesystem::path& path);

}  // namespace attnserve

#endif  // ATTNSERVE_CORE_UTIL_FILE_H_
