// The subcommands of the `attnserve` binary (serve, and the offline encode, tokenize, bench).
// Each returns the process exit code.
#ifndef ATTNSERVE_SERVER_COMMANDS_COMMANDS_H_
#define ATTNSERVE_SERVER_COMMANDS_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"

#include "core/model/model_loader.h"
#include "core/tokenizer/tokenizer.h"

ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(bool, truncate);
ABSL_DECLARE_FLAG(std::string, default_prompt_name);
ABSL_DECLARE_FLAG(std::string, input);

namespace attnserve {

// `attnserve serve`: the gRPC server; returns when drained after SIGTERM / SIGINT.
int RunServeCommand(const std::vector<std::string>& args);
// `attnserve encode`: JSON lines in (stdin or --input), one JSON line out per input line.
int RunEncodeCommand(const std::vector<std::string>& args);
// `attnserve tokenize`: JSON lines of text in, ids / type ids / tokens / offsets out.
int RunTokenizeCommand(const std::vector<std::string>& args);
// `attnserve bench`: offline encoder throughput on random ids.
int RunBenchCommand(const std::vector<std::string>& args);

// InvalidArgument for a blank input line: encode and tokenize answer every line in its place
// (one output line per input line), a blank one with this error.
absl::Status CheckNotBlank(const std::string& line);

// Parses a {"text": ..., "text_pair": ...} JSON line and tokenizes it (`attnserve tokenize`).
absl::StatusOr<core::Encoding> TokenizeJsonLine(const core::Tokenizer& tokenizer,
                                                const std::string& line,
                                                const core::TokenizeOptions& options);

// core::LoadOptions from --dtype, --min_cosine and --ignore_accuracy_gate (InvalidArgument naming
// the flag).
absl::StatusOr<core::LoadOptions> LoadOptionsFromFlags();

// Applies --threads (0 = OpenMP's default, one per core) to the OpenMP team.
void ApplyThreadsFlag();

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_COMMANDS_COMMANDS_H_
