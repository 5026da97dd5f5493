// Dense layers at BERT-base shapes, fp32 against int8 (u8 x s8 VNNI, with the per-row activation
// quantization pass), and that quantization pass alone: what fusing it into the producer would
// save. Run under `flock /tmp/bench.lock` with OMP_NUM_THREADS=2:
//   flock /tmp/bench.lock env OMP_NUM_THREADS=2 build/release/bench/dense_bench
// Counters: GOP/s of the matmul (2·M·K·N per run), GB/s of the quantization pass (f32 read).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/dnnl/dnnl_util.h"
#include "core/layers/dense.h"

namespace attnserve::core {
namespace {

Tensor RandomTensor(std::vector<int64_t> shape, float stddev, unsigned seed) {
  Tensor t(std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  for (float& v : t.span()) v = dist(rng);
  return t;
}

// Args: rows, in, out, dtype (0 fp32, 1 int8), post-op (0 none, 1 GELU, 2 residual add).
void BM_Dense(benchmark::State& state) {
  const int64_t rows = state.range(0), in = state.range(1), out = state.range(2);
  const DType dtype = state.range(3) == 0 ? DType::kF32 : DType::kInt8;
  const DensePostOp post_op = state.range(4) == 0   ? DensePostOp::kNone
                              : state.range(4) == 1 ? DensePostOp::kGeluErf
                                                    : DensePostOp::kResidualAdd;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto packed = PackedDense::Create(engine, RandomTensor({out, in}, 0.02f, 1),
                                    RandomTensor({out}, 0.02f, 2), dtype);
  if (!packed.ok()) return state.SkipWithError(std::string(packed.status().message()).c_str());
  auto kernel = DenseKernel::Create(engine, *packed, post_op);
  if (!kernel.ok()) return state.SkipWithError(std::string(kernel.status().message()).c_str());
  const Tensor x = RandomTensor({RoundUpRows(rows), in}, 1.0f, 3);
  std::vector<float> y(static_cast<size_t>(RoundUpRows(rows) * out), 0.0f);
  SetFlushDenormalsInTeam();
  for (auto _ : state) {
    (*kernel)->Run(stream, x.data(), rows, *packed, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GOP/s"] = benchmark::Counter(2.0 * static_cast<double>(rows * in * out),
                                               benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
  state.SetLabel((*kernel)->impl_name());
}

void BM_QuantizeRowsU8(benchmark::State& state) {
  const int64_t rows = state.range(0), cols = state.range(1);
  const Tensor x = RandomTensor({rows, cols}, 1.0f, 4);
  std::vector<uint8_t> q(static_cast<size_t>(rows * cols));
  std::vector<float> scales(static_cast<size_t>(rows));
  for (auto _ : state) {
    QuantizeRowsU8(x.data(), rows, cols, q.data(), scales.data());
    benchmark::DoNotOptimize(q.data());
  }
  state.SetBytesProcessed(state.iterations() * rows * cols * static_cast<int64_t>(sizeof(float)));
}

// BERT-base at batch 32 x 128 = 4096 rows: QKV 768 -> 2304, attention output 768 -> 768 (+
// residual), FFN in 768 -> 3072 (+ GELU), FFN out 3072 -> 768 (+ residual).
void DenseShapes(benchmark::internal::Benchmark* b) {
  for (int dtype : {0, 1}) {
    b->Args({4096, 768, 2304, dtype, 0});
    b->Args({4096, 768, 768, dtype, 2});
    b->Args({4096, 768, 3072, dtype, 1});
    b->Args({4096, 3072, 768, dtype, 2});
    b->Args({128, 768, 3072, dtype, 1});
  }
}
BENCHMARK(BM_Dense)->Apply(DenseShapes)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_QuantizeRowsU8)
    ->Args({4096, 768})
    ->Args({4096, 3072})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace attnserve::core

BENCHMARK_MAIN();
