// `attnserve bench`: offline encoder throughput on random token ids, the way a peer (ONNX
// Runtime, PyTorch) would be measured on the same shapes:
//   attnserve bench --model DIR --batch 32 --seq 128 [--lengths 16:256] [--iters 5] [--json]
// Reports seq/s, tokens/s, GFLOP/s and the share of an fp32 matmul peak measured in the same run,
// batch latency percentiles, model load + prepack time, primitive count and peak RSS.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <omp.h>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

#include "core/dnnl/backend.h"
#include "core/dnnl/matmul_peak.h"
#include "core/model/model_loader.h"
#include "server/commands/commands.h"

ABSL_FLAG(int, batch, 32, "sequences per batch");
ABSL_FLAG(int, seq, 128, "tokens per sequence (fixed length)");
ABSL_FLAG(std::string, lengths, "",
          "MIN:MAX draws each sequence's length uniformly from [MIN, MAX] instead of --seq");
ABSL_FLAG(int, iters, 5, "timed batches");
ABSL_FLAG(int, warmup, 1, "untimed batches first");
ABSL_FLAG(uint32_t, seed, 12345, "seed of the ids and lengths");
ABSL_FLAG(bool, peak, true, "measure the fp32 matmul peak for the % column");
ABSL_FLAG(bool, json, false, "print one JSON object instead of text");

namespace attnserve {
namespace {

using clock_type = std::chrono::steady_clock;

// The LCG of bench/ort_runner.js (the ONNX Runtime peer), so that peers draw the same lengths
// and ids.
class Lcg {
 public:
  explicit Lcg(uint32_t seed) : state_(seed) {}
  double Next() {
    state_ = (state_ * 1103515245ull + 12345ull) % 2147483648ull;
    return static_cast<double>(state_) / 2147483648.0;
  }

 private:
  uint64_t state_;
};

// kB of /proc/self/status's `key` (VmRSS, VmHWM), or -1.
long ProcStatusKb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      long kb = -1;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipWhitespace());
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) return kb;
    }
  }
  return -1;
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[i];
}

}  // namespace

int RunBenchCommand(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::fprintf(stderr, "attnserve bench: unexpected argument '%s'\n", args[0].c_str());
    return 2;
  }
  const int batch_size = absl::GetFlag(FLAGS_batch);
  const int fixed_len = absl::GetFlag(FLAGS_seq);
  const int iters = absl::GetFlag(FLAGS_iters);
  const int warmup = absl::GetFlag(FLAGS_warmup);
  int min_len = fixed_len, max_len = fixed_len;
  if (const std::string l = absl::GetFlag(FLAGS_lengths); !l.empty()) {
    std::vector<std::string> parts = absl::StrSplit(l, ':');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &min_len) ||
        !absl::SimpleAtoi(parts[1], &max_len) || min_len < 1 || max_len < min_len) {
      std::fprintf(stderr, "attnserve bench: --lengths must be MIN:MAX with 1 <= MIN <= MAX\n");
      return 2;
    }
  }
  if (batch_size < 1 || iters < 1 || warmup < 0 || min_len < 1) {
    std::fprintf(stderr, "attnserve bench: --batch, --iters and --seq must be >= 1\n");
    return 2;
  }

  const auto load_options = LoadOptionsFromFlags();
  if (!load_options.ok()) {
    std::fprintf(stderr, "attnserve %s: %s\n", "bench",
                 std::string(load_options.status().message()).c_str());
    return 2;
  }
  auto loaded = core::LoadModel(absl::GetFlag(FLAGS_model), *load_options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "attnserve bench: %s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  const core::ModelSpec& c = loaded->spec();
  if (max_len > c.max_positions) {
    std::fprintf(stderr, "attnserve bench: length %d exceeds max_position_embeddings %d\n", max_len,
                 c.max_positions);
    return 2;
  }
  const long rss_after_load_kb = ProcStatusKb("VmRSS");

  const auto t_create = clock_type::now();
  auto encoder = loaded->model->CreateSession();
  if (!encoder.ok()) {
    std::fprintf(stderr, "attnserve bench: %s\n", std::string(encoder.status().message()).c_str());
    return 1;
  }
  const double create_s = std::chrono::duration<double>(clock_type::now() - t_create).count();

  // Batches: warm-up ones first, then the timed ones; ids avoid the special-token range.
  Lcg rng(absl::GetFlag(FLAGS_seed));
  const int first_id = c.vocab_size > 2000 ? 1000 : 0;
  std::vector<core::PackedBatch> batches(static_cast<size_t>(warmup + iters));
  for (core::PackedBatch& b : batches) {
    std::vector<int32_t> ids;
    for (int s = 0; s < batch_size; ++s) {
      const int len =
          min_len + static_cast<int>(rng.Next() * static_cast<double>(max_len - min_len + 1));
      ids.resize(static_cast<size_t>(len));
      for (int32_t& id : ids) {
        id = first_id + static_cast<int32_t>(rng.Next() * (c.vocab_size - first_id));
      }
      b.Add(ids);
    }
  }

  for (int i = 0; i < warmup; ++i) {
    if (auto r = (*encoder)->Forward(batches[static_cast<size_t>(i)]); !r.ok()) {
      std::fprintf(stderr, "attnserve bench: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
  }
  if (warmup > 0 && !absl::GetFlag(FLAGS_json)) {
    // On stdout, so that it lands in order among ONEDNN_VERBOSE's lines (the e2e test checks that
    // no primitive is created after this point).
    std::printf("# warm-up done\n");
    std::fflush(stdout);
  }
  std::vector<double> times;
  double flops = 0.0, tokens = 0.0, seqs = 0.0;
  for (int i = warmup; i < warmup + iters; ++i) {
    const core::PackedBatch& b = batches[static_cast<size_t>(i)];
    const auto t0 = clock_type::now();
    if (auto r = (*encoder)->Forward(b); !r.ok()) {
      std::fprintf(stderr, "attnserve bench: %s\n", std::string(r.status().message()).c_str());
      return 1;
    }
    times.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    flops += loaded->model->ForwardFlops(b);
    tokens += static_cast<double>(b.num_tokens());
    seqs += b.num_sequences();
  }
  double total = 0.0;
  for (double t : times) total += t;
  const long peak_rss_kb = ProcStatusKb("VmHWM");

  double peak_gflops = 0.0;
  if (absl::GetFlag(FLAGS_peak)) {
    auto peak = core::MeasureMatmulGflops(4096, c.hidden_size, c.intermediate_size, 1.0);
    if (peak.ok()) peak_gflops = *peak;
  }
  const double gflops = flops / total / 1e9;

  nlohmann::json j;
  j["runner"] = "attnserve";
  j["model"] = loaded->name;
  j["weights_dtype"] = c.weights_dtype;
  j["dtype"] = std::string(core::DTypeName(c.compute_dtype));
  if (loaded->accuracy.has_value()) {
    j["accuracy_min_cosine"] = loaded->accuracy->min_cosine;
    j["accuracy_mean_cosine"] = loaded->accuracy->mean_cosine;
    j["accuracy_calibration"] = loaded->accuracy->calibration;
  }
  j["layers"] = c.num_layers;
  j["hidden"] = c.hidden_size;
  j["heads"] = c.num_heads;
  j["intermediate"] = c.intermediate_size;
  j["threads"] = omp_get_max_threads();
  j["batch"] = batch_size;
  if (min_len == max_len) {
    j["seq"] = fixed_len;
  } else {
    j["lengths"] = std::to_string(min_len) + ":" + std::to_string(max_len);
  }
  j["iters"] = iters;
  j["times_s"] = times;
  j["median_s"] = Percentile(times, 0.5);
  j["p90_s"] = Percentile(times, 0.9);
  j["seq_per_s"] = seqs / total;
  j["tokens_per_s"] = tokens / total;
  j["gflops"] = gflops;
  j["matmul_peak_gflops"] = peak_gflops;
  j["pct_of_peak"] = peak_gflops > 0 ? 100.0 * gflops / peak_gflops : 0.0;
  j["load_s"] = loaded->load_seconds;
  j["encoder_create_s"] = create_s;
  j["primitives"] = (*encoder)->num_primitives();
  j["impl"] = (*encoder)->ImplSummary();
  j["cpu_isa"] = std::string(core::CpuIsaName());
  j["ftz_daz"] = core::FlushDenormalsEnabled();
  j["weights_mb"] = static_cast<double>(loaded->model->bytes()) / 1e6;
  j["rss_after_load_mb"] = static_cast<double>(rss_after_load_kb) / 1024.0;
  j["peak_rss_mb"] = static_cast<double>(peak_rss_kb) / 1024.0;
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("model %s (L%d H%d heads %d I%d, weights %s, compute %s), %d threads, isa %s\n",
              loaded->name.c_str(), c.num_layers, c.hidden_size, c.num_heads,
              c.intermediate_size, c.weights_dtype.c_str(),
              std::string(core::DTypeName(c.compute_dtype)).c_str(), omp_get_max_threads(),
              std::string(core::CpuIsaName()).c_str());
  if (loaded->accuracy.has_value()) {
    std::printf("accuracy gate: %s%s\n", loaded->accuracy->Summary().c_str(),
                loaded->accuracy->passed ? "" : " FAILED (ignored)");
  }
  std::printf("batch %d x %s, %d iters\n", batch_size,
              min_len == max_len
                  ? std::to_string(fixed_len).c_str()
                  : (std::to_string(min_len) + ".." + std::to_string(max_len)).c_str(),
              iters);
  std::printf("  %.2f seq/s  %.0f tokens/s  %.1f GFLOP/s", seqs / total, tokens / total, gflops);
  if (peak_gflops > 0)
    std::printf(" (%.0f%% of measured matmul peak %.0f)", 100.0 * gflops / peak_gflops,
                peak_gflops);
  std::printf("\n  batch latency median %.2f ms, p90 %.2f ms\n", 1e3 * Percentile(times, 0.5),
              1e3 * Percentile(times, 0.9));
  std::printf(
      "  load+prepack %.2f s, encoder create %.3f s (%d primitives), weights %.1f MB, "
      "RSS after load %.1f MB, peak RSS %.1f MB\n",
      loaded->load_seconds, create_s, (*encoder)->num_primitives(),
      static_cast<double>(loaded->model->bytes()) / 1e6,
      static_cast<double>(rss_after_load_kb) / 1024.0, static_cast<double>(peak_rss_kb) / 1024.0);
  return 0;
}

}  // namespace attnserve
