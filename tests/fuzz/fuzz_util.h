// Helpers shared by the fuzz targets.
#ifndef ATTNSERVE_TESTS_FUZZ_FUZZ_UTIL_H_
#define ATTNSERVE_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attnserve::fuzz {

// The byte that separates the files of one input (ASCII "record separator"): it cannot appear
// raw in JSON, so a fuzz input "config.json \x1e modules.json \x1e ..." is a whole directory.
inline constexpr char kFileSeparator = '\x1e';

// `data` cut at each kFileSeparator: at most `max_parts` parts (the last one takes the rest).
inline std::vector<absl::string_view> SplitFiles(absl::string_view data, size_t max_parts) {
  std::vector<absl::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t at = data.find(kFileSeparator);
    if (at == absl::string_view::npos) break;
    parts.push_back(data.substr(0, at));
    data.remove_prefix(at + 1);
  }
  parts.push_back(data);
  return parts;
}

// An invariant of the code under test does not hold: a finding, like an ASan report.
[[noreturn]] inline void Fail(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", target, what.c_str());
  std::abort();
}

// An error must say what is wrong: a non-OK status with a message. With FUZZ_VERBOSE=1 in the
// environment it is printed (to see where a seed stops).
inline void CheckError(const char* target, const absl::Status& s) {
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s: %s\n", target, s.ToString().c_str());
  if (s.ok() || s.message().empty()) Fail(target, "an error without a message: " + s.ToString());
}

}  // namespace attnserve::fuzz

#endif  // ATTNSERVE_TESTS_FUZZ_FUZZ_UTIL_H_
