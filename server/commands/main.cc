// attnserve: embedding inference for BERT-family encoders.
//   attnserve encode --model DIR < inputs.jsonl     offline embeddings (JSON lines)
//   attnserve tokenize --model DIR < texts.jsonl    ids, tokens, offsets (JSON lines)
//   attnserve bench  --model DIR --batch 32 --seq 128   offline throughput
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"

#include "core/dnnl/backend.h"
#include "client/cli/command_line.h"
#include "server/commands/commands.h"

ABSL_FLAG(std::string, model, "demo",
          "Model to load: 'demo' (built-in, random weights) or a Hugging Face model directory "
          "(config.json + model.safetensors, tokenizer.json or vocab.txt)");
ABSL_FLAG(bool, truncate, false,
          "Cut inputs longer than the maximum input length instead of rejecting them (serve: "
          "for requests that do not say; encode, tokenize: for every line)");
ABSL_FLAG(int, threads, 0, "Compute threads (OpenMP team size); 0 = one per core");

namespace attnserve {

void ApplyThreadsFlag() {
  core::SetComputeThreadsOnThisThread(absl::GetFlag(FLAGS_threads));
}

}  // namespace attnserve

namespace {

constexpr char kUsage[] =
    "attnserve <command> [flags]\n\n"
    "commands:\n"
    "  serve    the gRPC server (Embed, EmbedStream, Tokenize, Info, health, reflection)\n"
    "  encode   offline embeddings: JSON lines in ({\"text\": ..., \"text_pair\": ...} or\n"
    "           {\"ids\": [...], \"type_ids\": [...]}), JSON lines out\n"
    "           ({\"embedding\": [...], \"num_tokens\": N})\n"
    "  tokenize JSON lines of text in ({\"text\": ..., \"text_pair\": ...}), JSON lines out\n"
    "           ({\"ids\": [...], \"type_ids\": [...], \"tokens\": [...], \"offsets\": [...]})\n"
    "  bench    offline encoder throughput (seq/s, tokens/s, GFLOP/s, % of matmul peak)\n\n"
    "Run 'attnserve --help' for every flag.";

}  // namespace

int main(int argc, char** argv) {
  attnserve::SetUsage(kUsage);
  std::vector<std::string> args = attnserve::ParseCommandLineWithDashes(argc, argv);
  if (args.empty()) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  attnserve::ApplyThreadsFlag();
  if (command == "serve") return attnserve::RunServeCommand(args);
  if (command == "encode") return attnserve::RunEncodeCommand(args);
  if (command == "tokenize") return attnserve::RunTokenizeCommand(args);
  if (command == "bench") return attnserve::RunBenchCommand(args);
  std::fprintf(stderr, "attnserve: unknown command '%s'\n\n%s\n", command.c_str(), kUsage);
  return 2;
}
