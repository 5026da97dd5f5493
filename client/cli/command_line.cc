#include "client/cli/command_line.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"

namespace attnserve {
namespace {

std::string Dashed(absl::string_view name) { return absl::StrReplaceAll(name, {{"_", "-"}}); }
std::string Underscored(absl::string_view name) {
  return absl::StrReplaceAll(name, {{"-", "_"}});
}

bool IsBool(const absl::CommandLineFlag& flag) { return flag.IsOfType<bool>(); }

// The type shown by help; Abseil 20220623 has no public type name.
std::string TypeName(const absl::CommandLineFlag& flag) {
  if (flag.IsOfType<bool>()) return "bool";
  if (flag.IsOfType<int32_t>()) return "int";
  if (flag.IsOfType<int64_t>()) return "int64";
  if (flag.IsOfType<uint32_t>()) return "uint32";
  if (flag.IsOfType<uint64_t>()) return "uint64";
  if (flag.IsOfType<double>()) return "double";
  if (flag.IsOfType<float>()) return "float";
  if (flag.IsOfType<std::string>()) return "string";
  if (flag.IsOfType<absl::optional<bool>>()) return "optional bool";
  if (flag.IsOfType<absl::optional<int>>()) return "optional int";
  if (flag.IsOfType<std::vector<std::string>>()) return "list";
  return "value";
}

// One argument that looks like a flag: "-x", "--x", "--x=v" (not "-" and not "--").
struct FlagArg {
  std::string name;  // as written, without dashes or value
  bool has_value = false;
};

std::optional<FlagArg> AsFlag(absl::string_view a) {
  if (a.size() < 2 || a[0] != '-' || a == "--") return std::nullopt;
  a.remove_prefix(a[1] == '-' ? 2 : 1);
  FlagArg f;
  const size_t eq = a.find('=');
  f.has_value = eq != absl::string_view::npos;
  f.name = std::string(a.substr(0, eq));
  if (f.name.empty()) return std::nullopt;
  return f;
}

bool IsHelp(absl::string_view n) {
  return n == "h" || n == "help" || n == "helpfull" || n == "helpshort" || n == "?";
}

// The registered flag an argument names, allowing "--noNAME" for a bool NAME; sets *negated.
const absl::CommandLineFlag* Lookup(absl::string_view underscored, std::string* base) {
  if (const absl::CommandLineFlag* f = absl::FindCommandLineFlag(underscored); f != nullptr) {
    *base = std::string(underscored);
    return f;
  }
  if (absl::StartsWith(underscored, "no")) {
    const absl::string_view rest = underscored.substr(2);
    if (const absl::CommandLineFlag* f = absl::FindCommandLineFlag(rest);
        f != nullptr && IsBool(*f)) {
      *base = std::string(rest);
      return f;
    }
  }
  return nullptr;
}

const CommandSpec* FindCommand(const ProgramSpec& program, absl::string_view name) {
  for (const CommandSpec& c : program.commands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void CheckDeclaredFlags(const ProgramSpec& program) {
  for (const CommandSpec& c : program.commands) {
    for (const std::string& f : c.flags) {
      if (absl::FindCommandLineFlag(f) == nullptr) {
        std::fprintf(stderr, "%s: command '%s' declares --%s, which is not defined (a bug)\n",
                     program.name.c_str(), c.name.c_str(), Dashed(f).c_str());
        std::abort();
      }
    }
  }
}

Preparsed Print(std::string text) {
  Preparsed p;
  p.action = Preparsed::Action::kPrint;
  p.output = std::move(text);
  return p;
}

Preparsed Fail(std::string text) {
  Preparsed p;
  p.action = Preparsed::Action::kFail;
  p.output = std::move(text);
  return p;
}

std::string UnknownCommand(const ProgramSpec& program, absl::string_view name) {
  std::vector<std::string> names;
  for (const CommandSpec& c : program.commands) names.push_back(c.name);
  names.push_back("help");
  names.push_back("version");
  std::string message = absl::StrCat(program.name, ": unknown command '", name, "'");
  if (const std::string best = ClosestMatch(name, names); !best.empty()) {
    absl::StrAppend(&message, "; did you mean '", best, "'?");
  }
  absl::StrAppend(&message, "\nRun '", program.name, " --help' for the list of commands.\n");
  return message;
}

// Word-wraps `text` to `width` columns, continuation lines indented by `indent`.
std::string Wrap(absl::string_view text, size_t first_column, size_t indent, size_t width) {
  std::string out;
  size_t column = first_column;
  bool line_start = true;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line_start && column + 1 + word.size() > width) {
      absl::StrAppend(&out, "\n", std::string(indent, ' '));
      column = indent;
      line_start = true;
    }
    if (!line_start) {
      out += ' ';
      ++column;
    }
    absl::StrAppend(&out, word);
    column += word.size();
    line_start = false;
  }
  return out;
}

}  // namespace

int EditDistance(absl::string_view a, absl::string_view b) {
  // d[i][j]: distance between a[0, i) and b[0, j) (optimal string alignment).
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);  // a transposition
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates) {
  const int limit = std::min(3, std::max(1, static_cast<int>(word.size()) / 3));
  std::string best;
  int best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const int d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string ProgramHelp(const ProgramSpec& program) {
  std::string out = absl::StrCat("usage: ", program.synopsis, "\n\ncommands:\n");
  size_t width = 7;  // "version"
  for (const CommandSpec& c : program.commands) width = std::max(width, c.name.size());
  for (const CommandSpec& c : program.commands) {
    absl::StrAppend(&out, "  ", c.name, std::string(width - c.name.size() + 2, ' '),
                    Wrap(c.summary, width + 4, width + 4, 100), "\n");
  }
  absl::StrAppend(&out, "  help", std::string(width - 4 + 2, ' '), "help CMD: that command's flags\n");
  absl::StrAppend(&out, "  version", std::string(width - 7 + 2, ' '),
                  "version, commit, build (also --version)\n");
  absl::StrAppend(&out, "\nRun '", program.name, " CMD --help' (or -h, or '", program.name,
                  " help CMD') for a command's flags.\n");
  return out;
}

std::string CommandHelp(const ProgramSpec& program, const CommandSpec& command) {
  std::string out = absl::StrCat("usage: ", command.usage, "\n");
  if (command.flags.empty()) return out;
  absl::StrAppend(&out, "\nflags:\n");
  constexpr size_t kColumn = 34;
  for (const std::string& name : command.flags) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;  // Preparse checks this
    std::string value = flag->DefaultValue();
    if (flag->IsOfType<std::string>() && value.empty()) value = "\"\"";
    if (value.empty()) value = "(unset)";
    std::string left = absl::StrCat("  --", Dashed(name), "=", value);
    std::string help = absl::StrCat(flag->Help(), " [", TypeName(*flag), "]");
    if (left.size() + 2 > kColumn) {
      absl::StrAppend(&out, left, "\n", std::string(kColumn, ' '));
    } else {
      absl::StrAppend(&out, left, std::string(kColumn - left.size(), ' '));
    }
    absl::StrAppend(&out, Wrap(help, kColumn, kColumn, 100), "\n");
  }
  (void)program;
  return out;
}

Preparsed Preparse(const ProgramSpec& program, const std::vector<std::string>& argv) {
  CheckDeclaredFlags(program);
  bool help = false, version = false;
  size_t command_index = 0;  // 0: none yet
  size_t end = argv.size();  // index of a bare "--", or the end
  std::vector<size_t> positional;
  std::vector<size_t> flag_args;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "--") {
      end = i;
      break;
    }
    const std::optional<FlagArg> f = AsFlag(argv[i]);
    if (!f.has_value()) {
      if (command_index == 0) {
        command_index = i;
      } else {
        positional.push_back(i);
      }
      continue;
    }
    const std::string name = Underscored(f->name);
    if (IsHelp(name)) {
      help = true;
      continue;
    }
    if (name == "version") {
      version = true;
      continue;
    }
    flag_args.push_back(i);
    std::string base;
    const absl::CommandLineFlag* flag = Lookup(name, &base);
    // "--port 1": the next argument is the value, not a positional one.
    if (!f->has_value && flag != nullptr && !IsBool(*flag) && i + 1 < argv.size()) ++i;
  }
  if (version) return Print(program.version());

  const CommandSpec* command = nullptr;
  std::string command_name;
  if (command_index != 0) {
    command_name = argv[command_index];
    if (command_name == "version") return Print(program.version());
    if (command_name == "help") {
      if (positional.empty()) return Print(ProgramHelp(program));
      const std::string& target = argv[positional.front()];
      command = FindCommand(program, target);
      if (command == nullptr) return Fail(UnknownCommand(program, target));
      return Print(CommandHelp(program, *command));
    }
    command = FindCommand(program, command_name);
    if (command == nullptr) return Fail(UnknownCommand(program, command_name));
  }
  if (help) {
    return Print(command == nullptr ? ProgramHelp(program) : CommandHelp(program, *command));
  }
  if (command == nullptr) {
    return Fail(absl::StrCat(program.name, ": no command given\n\n", ProgramHelp(program)));
  }

  const absl::flat_hash_set<std::string> own(command->flags.begin(), command->flags.end());
  for (size_t i : flag_args) {
    const FlagArg f = *AsFlag(argv[i]);
    const std::string name = Underscored(f.name);
    std::string base;
    const absl::CommandLineFlag* flag = Lookup(name, &base);
    const std::string prefix = absl::StrCat(program.name, " ", command->name, ": ");
    if (flag != nullptr && own.contains(base)) {
      // The value is checked here too, so that a bad one is a usage error (exit 2) that names
      // the command, as the other mistakes are. Setting the flag now is harmless: Abseil sets it
      // again from the same text.
      const bool negated = base != name;
      if (negated || (IsBool(*flag) && !f.has_value)) continue;
      std::string value;
      if (f.has_value) {
        value = argv[i].substr(argv[i].find('=') + 1);
      } else if (i + 1 < end) {
        value = argv[i + 1];
      } else {
        return Fail(absl::StrCat(prefix, "--", Dashed(f.name), " needs a value (",
                                 TypeName(*flag), "): --", Dashed(f.name), "=VALUE\n"));
      }
      std::string error;
      if (!absl::FindCommandLineFlag(base)->ParseFrom(value, &error)) {
        return Fail(absl::StrCat(prefix, "--", Dashed(f.name), ": '", value, "' is not a valid ",
                                 TypeName(*flag),
                                 // Abseil's own "Illegal value ..." only repeats the above.
                                 error.empty() || absl::StartsWith(error, "Illegal value")
                                     ? ""
                                     : absl::StrCat(" (", error, ")"),
                                 "\n"));
      }
      continue;
    }
    std::vector<std::string> owners;
    if (flag != nullptr) {
      for (const CommandSpec& c : program.commands) {
        if (std::find(c.flags.begin(), c.flags.end(), base) != c.flags.end()) {
          owners.push_back(absl::StrCat("'", c.name, "'"));
        }
      }
    }
    if (!owners.empty()) {
      std::string owned_by = owners.back();
      if (owners.size() > 1) {
        owners.pop_back();
        owned_by = absl::StrCat(absl::StrJoin(owners, ", "), " and ", owned_by);
      }
      return Fail(absl::StrCat(prefix, "--", Dashed(f.name), " is a flag of ", owned_by,
                               ", not of '", command->name,
                               "'\nRun '", program.name, " help ", command->name,
                               "' for its flags.\n"));
    }
    std::vector<std::string> candidates;
    for (const std::string& c : command->flags) candidates.push_back(Dashed(c));
    std::string message = absl::StrCat(prefix, "unknown flag --", Dashed(f.name));
    if (const std::string best = ClosestMatch(Dashed(f.name), candidates); !best.empty()) {
      absl::StrAppend(&message, "; did you mean --", best, "?");
    }
    absl::StrAppend(&message, "\nRun '", program.name, " help ", command->name,
                    "' for its flags.\n");
    return Fail(std::move(message));
  }

  Preparsed p;
  p.action = Preparsed::Action::kRun;
  p.command = command;
  p.argv.push_back(argv.empty() ? program.name : argv[0]);
  absl::flat_hash_set<size_t> flag_set(flag_args.begin(), flag_args.end());
  for (size_t i = 1; i < argv.size(); ++i) {
    if (i == command_index) continue;
    std::string a = argv[i];
    if (i < end && flag_set.contains(i)) {
      // "--a-b=v-w" -> "--a_b=v-w": only the name.
      const size_t name_begin = a[1] == '-' ? 2 : 1;
      const size_t name_end = std::min(a.find('='), a.size());
      std::replace(a.begin() + static_cast<std::ptrdiff_t>(name_begin),
                   a.begin() + static_cast<std::ptrdiff_t>(name_end), '-', '_');
    }
    p.argv.push_back(std::move(a));
  }
  return p;
}

std::vector<std::string> ParseCommandLine(const ProgramSpec& program, int argc, char** argv,
                                          const CommandSpec** command) {
  Preparsed p = Preparse(program, std::vector<std::string>(argv, argv + argc));
  switch (p.action) {
    case Preparsed::Action::kPrint:
      std::fputs(p.output.c_str(), stdout);
      std::fflush(stdout);
      std::exit(0);
    case Preparsed::Action::kFail:
      std::fputs(p.output.c_str(), stderr);
      std::exit(2);
    case Preparsed::Action::kRun:
      break;
  }
  *command = p.command;
  std::vector<char*> pointers;
  for (std::string& a : p.argv) pointers.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());
  return std::vector<std::string>(positional.begin() + 1, positional.end());
}

}  // namespace attnserve
