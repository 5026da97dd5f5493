#include "core/dnnl/dnnl_util.h"

#include <omp.h>
#include <pmmintrin.h>
#include <xmmintrin.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

absl::Status DnnlErrorToStatus(const dnnl::error& e, absl::string_view context) {
  return absl::InternalError(
      absl::StrCat(context, ": oneDNN error ", static_cast<int>(e.status), ": ", e.what()));
}

absl::Status CreateCpuEngine(dnnl::engine& engine, dnnl::stream* stream) {
  try {
    engine = dnnl::engine(dnnl::engine::kind::cpu, 0);
    if (stream != nullptr) *stream = dnnl::stream(engine);
  } catch (const dnnl::error& e) {
    return DnnlErrorToStatus(e, "creating the oneDNN CPU engine");
  }
  return absl::OkStatus();
}

namespace {
void SetFlushDenormalsOnThisThread() {
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}
}  // namespace

void SetFlushDenormalsInTeam() {
  SetFlushDenormalsOnThisThread();
#pragma omp parallel
  SetFlushDenormalsOnThisThread();
}

int SetComputeThreadsOnThisThread(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
  return omp_get_max_threads();
}

bool FlushDenormalsEnabled() {
  return _MM_GET_FLUSH_ZERO_MODE() == _MM_FLUSH_ZERO_ON &&
         _MM_GET_DENORMALS_ZERO_MODE() == _MM_DENORMALS_ZERO_ON;
}

std::string OneDnnVersion() {
  const dnnl_version_t* v = dnnl_version();
  return absl::StrCat(v->major, ".", v->minor, ".", v->patch);
}

absl::string_view CpuIsaName() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

}  // namespace attnserve::core
