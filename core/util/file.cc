#include "core/util/file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace attnserve {

absl::StatusOr<std::string> ReadFileToString(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), ": cannot open"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat(path.string(), ": read error"));
  return ss.str();
}

}  // namespace attnserve
