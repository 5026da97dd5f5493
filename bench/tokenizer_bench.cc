// Single-thread tokenizer throughput (MB/s of UTF-8 input, tokens/s), one Encode per line of a
// text file, as a server tokenizes one input at a time.
//
//   tokenizer_bench --tokenizer=DIR --text=FILE [--benchmark_* flags]
// bench/tokenizer_vs_transformersjs.sh runs it beside transformers.js on the same files.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

#include "core/tokenizer/tokenizer.h"

namespace {

using attnserve::core::TokenizeOptions;
using attnserve::core::Tokenizer;

std::string g_tokenizer_dir, g_text_file;

void BM_Encode(benchmark::State& state) {
  auto tok = Tokenizer::FromModelDir(g_tokenizer_dir);
  if (!tok.ok()) {
    state.SkipWithError(std::string(tok.status().message()).c_str());
    return;
  }
  std::ifstream in(g_text_file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(ss.str(), '\n', absl::SkipWhitespace())) {
    lines.emplace_back(l);
  }
  if (lines.empty()) {
    state.SkipWithError("no text");
    return;
  }
  int64_t bytes = 0;
  for (const std::string& l : lines) bytes += static_cast<int64_t>(l.size());
  const TokenizeOptions options;  // [CLS] ... [SEP], no limit, ids + type ids + offsets
  int64_t tokens = 0;
  for (auto _ : state) {
    for (const std::string& l : lines) {
      auto e = (*tok)->Encode(l, nullptr, options);
      benchmark::DoNotOptimize(e);
      tokens += static_cast<int64_t>(e->ids.size());
    }
  }
  state.SetBytesProcessed(bytes * state.iterations());
  state.counters["tokens_per_second"] =
      benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.counters["lines"] = static_cast<double>(lines.size());
}
BENCHMARK(BM_Encode)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const absl::string_view a = argv[i];
    if (absl::StartsWith(a, "--tokenizer="))
      g_tokenizer_dir = std::string(a.substr(12));
    else if (absl::StartsWith(a, "--text="))
      g_text_file = std::string(a.substr(7));
    else {
      std::fprintf(stderr, "tokenizer_bench: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  if (g_tokenizer_dir.empty() || g_text_file.empty()) {
    std::fprintf(stderr, "usage: tokenizer_bench --tokenizer=DIR --text=FILE [--benchmark_...]\n");
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
