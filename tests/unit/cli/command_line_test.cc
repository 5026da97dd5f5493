// The front layer of the command line: which command, which flags belong to it, help, version,
// suggestions, and what is handed to Abseil.
#include "client/cli/command_line.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/flags/flag.h"

ABSL_FLAG(int, max_batch_tokens, 16384, "tokens per forward pass");
ABSL_FLAG(int, port, 50051, "gRPC port");
ABSL_FLAG(bool, truncate, false, "cut long inputs");
ABSL_FLAG(std::string, model, "demo", "model to load");
ABSL_FLAG(int, seq, 128, "tokens per sequence");
ABSL_FLAG(std::string, input, "-", "file to read");

namespace attnserve {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Action = Preparsed::Action;

ProgramSpec TestProgram() {
  ProgramSpec p;
  p.name = "prog";
  p.synopsis = "prog <command> [flags]";
  p.commands = {
      {"serve", "the server", "prog serve [flags]", {"model", "truncate", "port", "max_batch_tokens"}},
      {"encode", "offline", "prog encode [flags]", {"model", "truncate", "input"}},
      {"bench", "throughput", "prog bench [flags]", {"model", "seq"}},
  };
  p.version = [] { return std::string("prog 1.2.3\n"); };
  return p;
}

Preparsed Scan(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  static const ProgramSpec program = TestProgram();
  return Preparse(program, args);
}

TEST(EditDistanceTest, CountsEditsAndTranspositions) {
  EXPECT_EQ(EditDistance("", ""), 0);
  EXPECT_EQ(EditDistance("abc", ""), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("max-batch-token", "max-batch-tokens"), 1);
  EXPECT_EQ(EditDistance("prot", "port"), 1);
}

TEST(ClosestMatchTest, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string> flags = {"max-batch-tokens", "max-batch-size", "port"};
  EXPECT_EQ(ClosestMatch("max-batch-token", flags), "max-batch-tokens");
  EXPECT_EQ(ClosestMatch("max-batch-sise", flags), "max-batch-size");
  EXPECT_EQ(ClosestMatch("prot", flags), "port");
  EXPECT_EQ(ClosestMatch("verbose", flags), "");
  EXPECT_EQ(ClosestMatch("x", {}), "");
}

TEST(PreparseTest, RunsTheCommandWithoutTheCommandWord) {
  const Preparsed p = Scan({"--model", "m", "serve", "--port=1", "--max-batch-tokens", "8"});
  ASSERT_EQ(p.action, Action::kRun) << p.output;
  EXPECT_EQ(p.command->name, "serve");
  EXPECT_THAT(p.argv, ElementsAre("prog", "--model", "m", "--port=1", "--max_batch_tokens", "8"));
}

TEST(PreparseTest, FlagValueAsNextArgumentIsNotTheCommand) {
  // "serve" after --model is its value; "encode" is the command.
  const Preparsed p = Scan({"--model", "serve", "encode"});
  ASSERT_EQ(p.action, Action::kRun) << p.output;
  EXPECT_EQ(p.command->name, "encode");
  EXPECT_THAT(p.argv, ElementsAre("prog", "--model", "serve"));
}

TEST(PreparseTest, EqualsFormRewritesOnlyTheName) {
  const Preparsed p = Scan({"serve", "--max-batch-tokens=8", "--model=a-b-c"});
  ASSERT_EQ(p.action, Action::kRun) << p.output;
  EXPECT_THAT(p.argv, ElementsAre("prog", "--max_batch_tokens=8", "--model=a_b_c"[0] == '-'
                                                                          ? "--model=a-b-c"
                                                                          : ""));
}

TEST(PreparseTest, BoolFlagsTakeNoValueAndNoPrefixNegates) {
  // A bool does not swallow the next argument: "x" stays positional.
  Preparsed p = Scan({"encode", "--truncate", "x"});
  ASSERT_EQ(p.action, Action::kRun) << p.output;
  EXPECT_THAT(p.argv, ElementsAre("prog", "--truncate", "x"));
  p = Scan({"encode", "--notruncate"});
  ASSERT_EQ(p.action, Action::kRun) << p.output;
  EXPECT_THAT(p.argv, ElementsAre("prog", "--notruncate"));
  p = Scan({"encode", "--truncate=false"});
  EXPECT_EQ(p.action, Action::kRun) << p.output;
  // --noNAME only for a bool flag of the command.
  p = Scan({"encode", "--noinput"});
  EXPECT_EQ(p.action, Action::kFail);
}

TEST(PreparseTest, EverythingAfterDoubleDashIsLeftAlone) {
  const Preparsed p = Scan({"encode", "--input=f", "--", "--seq", "--max-batch-tokens", "-h"});
  ASSERT_EQ(p.action, Action::kRun) << p.output;
  EXPECT_THAT(p.argv,
              ElementsAre("prog", "--input=f", "--", "--seq", "--max-batch-tokens", "-h"));
}

TEST(PreparseTest, ForeignFlagNamesItsCommand) {
  Preparsed p = Scan({"serve", "--seq", "4"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("prog serve: --seq is a flag of 'bench', not of 'serve'"));
  p = Scan({"bench", "--truncate"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output,
              HasSubstr("prog bench: --truncate is a flag of 'serve' and 'encode', not of 'bench'"));
  // Before the command too.
  p = Scan({"--port=1", "encode"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("--port is a flag of 'serve', not of 'encode'"));
}

TEST(PreparseTest, UnknownFlagGetsASuggestion) {
  Preparsed p = Scan({"serve", "--max-batch-token=3"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("prog serve: unknown flag --max-batch-token; did you mean "
                                  "--max-batch-tokens?"));
  p = Scan({"serve", "--max_batch_token", "3"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("did you mean --max-batch-tokens?"));
  p = Scan({"serve", "--completely-different"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("unknown flag --completely-different"));
  EXPECT_THAT(p.output, Not(HasSubstr("did you mean")));
}

TEST(PreparseTest, BadOrMissingValueIsAUsageError) {
  Preparsed p = Scan({"serve", "--port", "abc"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("prog serve: --port: 'abc' is not a valid int"));
  p = Scan({"serve", "--truncate=maybe"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("--truncate: 'maybe' is not a valid bool"));
  p = Scan({"serve", "--port"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("prog serve: --port needs a value (int)"));
  EXPECT_EQ(Scan({"serve", "--port=-1"}).action, Action::kRun);
}

TEST(PreparseTest, UnknownAndMissingCommand) {
  Preparsed p = Scan({"srve"});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("prog: unknown command 'srve'; did you mean 'serve'?"));
  p = Scan({});
  ASSERT_EQ(p.action, Action::kFail);
  EXPECT_THAT(p.output, HasSubstr("no command given"));
}

TEST(PreparseTest, HelpIsPerCommandInDashForm) {
  const Preparsed help = Scan({"serve", "--help"});
  ASSERT_EQ(help.action, Action::kPrint);
  EXPECT_THAT(help.output, HasSubstr("usage: prog serve [flags]"));
  EXPECT_THAT(help.output, HasSubstr("--max-batch-tokens=16384"));
  EXPECT_THAT(help.output, HasSubstr("tokens per forward pass [int]"));
  EXPECT_THAT(help.output, HasSubstr("--truncate=false"));
  EXPECT_THAT(help.output, Not(HasSubstr("--seq")));
  EXPECT_THAT(help.output, Not(HasSubstr("max_batch_tokens")));
  EXPECT_EQ(Scan({"serve", "-h"}).output, help.output);
  EXPECT_EQ(Scan({"help", "serve"}).output, help.output);
  EXPECT_EQ(Scan({"-h", "serve", "--port=1"}).output, help.output);
  // Help wins over a bad flag.
  EXPECT_EQ(Scan({"serve", "--seq=1", "--help"}).output, help.output);
}

TEST(PreparseTest, ProgramHelpAndVersion) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}}) {
    const Preparsed p = Scan(args);
    ASSERT_EQ(p.action, Action::kPrint);
    EXPECT_THAT(p.output, HasSubstr("commands:"));
    EXPECT_THAT(p.output, HasSubstr("  bench"));
  }
  EXPECT_EQ(Scan({"help", "nope"}).action, Action::kFail);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--version"}, {"version"}, {"--version", "serve"}}) {
    const Preparsed p = Scan(args);
    ASSERT_EQ(p.action, Action::kPrint);
    EXPECT_EQ(p.output, "prog 1.2.3\n");
  }
}

}  // namespace
}  // namespace attnserve
