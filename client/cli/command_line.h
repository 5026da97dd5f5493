// Command-line conventions shared by the `attnserve` and `attnserve-cli` binaries.
//
// A program is a table of commands (CommandSpec), each declaring the Abseil flags it accepts.
// A thin front layer (Preparse) scans argv before Abseil sees it:
//   - finds the command (the first positional argument; `help CMD` and `version` are commands);
//   - answers --help / -h / help (the program's command list, or one command's usage and its own
//     flags in dash form, with type and default; exit 0) and --version (exit 0);
//   - rejects a flag the command does not declare: "--seq is a flag of 'bench', not of 'serve'",
//     or "unknown flag --max-batch-token; did you mean --max-batch-tokens?" (exit 2);
//   - rewrites --a-b[=v] to --a_b[=v] (Abseil names are C identifiers; both spellings work).
// Everything after a bare "--" is left alone (positional). Abseil still does the typing and the
// parsing of values (absl::ParseCommandLine). Depends on Abseil only, so that both binaries
// share it (library attnserve_cli_flags).
#ifndef ATTNSERVE_CLIENT_CLI_COMMAND_LINE_H_
#define ATTNSERVE_CLIENT_CLI_COMMAND_LINE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace attnserve {

// One subcommand. Flags are Abseil names (underscores), in the order `help` lists them.
struct CommandSpec {
  std::string name;     // "serve"
  std::string summary;  // one line, for the program's command list
  std::string usage;    // synopsis and description, printed first by `help CMD`
  std::vector<std::string> flags;
};

struct ProgramSpec {
  std::string name;      // "attnserve"
  std::string synopsis;  // "attnserve <command> [flags]"
  std::vector<CommandSpec> commands;
  // The text of --version (ends with a newline).
  std::function<std::string()> version;
};

// What the front layer decided.
struct Preparsed {
  enum class Action { kRun, kPrint, kFail };
  Action action = Action::kFail;
  // kPrint: text for stdout (help, version), exit 0. kFail: message for stderr, exit 2.
  std::string output;
  const CommandSpec* command = nullptr;  // kRun
  // kRun: argv for absl::ParseCommandLine: the program name, then every argument but the
  // command word, flag names in underscore form.
  std::vector<std::string> argv;
};

// Scans `argv` (argv[0] = the program) as described above. Does not parse values and never
// exits. Every flag named by `program` must be defined (checked: a missing one is a bug, and
// aborts).
Preparsed Preparse(const ProgramSpec& program, const std::vector<std::string>& argv);

// Preparse, then: help / version printed to stdout and exit(0); an error to stderr and exit(2);
// otherwise absl::ParseCommandLine (which exits on a bad value) and `*command` is set. Returns
// the positional arguments after the command.
std::vector<std::string> ParseCommandLine(const ProgramSpec& program, int argc, char** argv,
                                          const CommandSpec** command);

// The program's command list / one command's usage and flags (what --help prints).
std::string ProgramHelp(const ProgramSpec& program);
std::string CommandHelp(const ProgramSpec& program, const CommandSpec& command);

// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
// (at most a third of the word's length, and at most 3); "" if none is.
std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates);

// Edit distance: insertions, deletions, substitutions and transpositions of adjacent characters
// ("prot" -> "port" is 1), each costing 1.
int EditDistance(absl::string_view a, absl::string_view b);

}  // namespace attnserve

#endif  // ATTNSERVE_CLIENT_CLI_COMMAND_LINE_H_
