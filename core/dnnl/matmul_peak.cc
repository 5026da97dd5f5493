#include "core/dnnl/matmul_peak.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/dnnl/dnnl_util.h"
#include "core/tensor/aligned_buffer.h"

namespace attnserve::core {

absl::StatusOr<double> MeasureMatmulGflops(int64_t m, int64_t k, int64_t n, double seconds) {
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  using clock = std::chrono::steady_clock;
  SetFlushDenormalsInTeam();
  try {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    const dnnl::memory::desc src_md({m, k}, dt::f32, tag::ab);
    const dnnl::memory::desc dst_md({m, n}, dt::f32, tag::ab);
    const dnnl::memory::desc any_md({k, n}, dt::f32, tag::any);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, any_md, dst_md), engine);
    dnnl::matmul mm(pd);
    AlignedBuffer<float> a(static_cast<size_t>(m * k)), c(static_cast<size_t>(m * n));
    AlignedBuffer<float> w(pd.weights_desc().get_size() / sizeof(float) + 1);
    std::fill(a.span().begin(), a.span().end(), 0.5f);
    std::fill(w.span().begin(), w.span().end(), 0.01f);
    dnnl::memory am(src_md, engine, a.data()), wm(pd.weights_desc(), engine, w.data()),
        cm(dst_md, engine, c.data());
    auto run = [&] {
      mm.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, cm}});
      stream.wait();
    };
    run();
    const double flop =
        2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
    double best = 0.0;
    const auto deadline = clock::now() + std::chrono::duration<double>(seconds);
    int runs = 0;
    do {
      const auto t0 = clock::now();
      run();
      const double dt_s = std::chrono::duration<double>(clock::now() - t0).count();
      best = std::max(best, flop / dt_s / 1e9);
      ++runs;
    } while (clock::now() < deadline || runs < 3);
    return best;
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, "matmul peak probe");
  }
}

}  // namespace attnserve::core
