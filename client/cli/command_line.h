// Command-line parsing shared by the `attnserve` and `attnserve-cli` binaries.
//
// Flags are spelled with dashes on the command line (--max-batch-tokens, as in the docs), but
// Abseil flag names are C identifiers: both spellings are accepted by rewriting "--a-b[=v]" to
// "--a_b[=v]" before Abseil parses. Everything after a bare "--" is left alone. Header-only (and
// depending on Abseil only), so that the server binary can share it with the client CLI.
#ifndef ATTNSERVE_CLIENT_CLI_COMMAND_LINE_H_
#define ATTNSERVE_CLIENT_CLI_COMMAND_LINE_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace attnserve {

// The usage message, and `--help` listing this program's own flags (Abseil's default lists only
// the flags defined in a file named like the binary, which here is none of them).
inline void SetUsage(absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view path) {
    return !absl::StrContains(path, "absl/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
}

// Parses the flags (exits with a message on a bad one, as absl::ParseCommandLine) and returns
// the positional arguments after the program name.
inline std::vector<std::string> ParseCommandLineWithDashes(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a == "--") break;
    if (a.size() < 3 || a[0] != '-') continue;
    const size_t name_begin = a[1] == '-' ? 2 : 1;
    const size_t name_end = std::min(a.find('='), a.size());
    std::replace(a.begin() + static_cast<std::ptrdiff_t>(name_begin),
                 a.begin() + static_cast<std::ptrdiff_t>(name_end), '-', '_');
  }
  std::vector<char*> pointers;
  for (std::string& a : args) pointers.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());
  return std::vector<std::string>(positional.begin() + 1, positional.end());
}

}  // namespace attnserve

#endif  // ATTNSERVE_CLIENT_CLI_COMMAND_LINE_H_
