// The offline subcommands of the `attnserve` binary. Each returns the process exit code.
#ifndef ATTNSERVE_SERVER_COMMANDS_H_
#define ATTNSERVE_SERVER_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(int, threads);

namespace attnserve {

// `attnserve encode`: JSON lines in (stdin or --input), one JSON line out per input line.
int RunEncodeCommand(const std::vector<std::string>& args);
// `attnserve bench`: offline encoder throughput on random ids.
int RunBenchCommand(const std::vector<std::string>& args);

// Applies --threads (0 = OpenMP's default, one per core) to the OpenMP team.
void ApplyThreadsFlag();

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_COMMANDS_H_
