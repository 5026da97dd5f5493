// Small oneDNN helpers shared by the encoder: error conversion and denormal control.
#ifndef ATTNSERVE_CORE_DNNL_DNNL_UTIL_H_
#define ATTNSERVE_CORE_DNNL_DNNL_UTIL_H_

#include <string_view>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

// A dnnl::error escaping oneDNN is a bug or an unsupported platform: Internal, with context.
absl::Status DnnlErrorToStatus(const dnnl::error& e, absl::string_view context);

// Sets FTZ (flush-to-zero) and DAZ (denormals-are-zero) on the calling thread and on every thread
// of its OpenMP team. Denormal activations make fp32 matmul ~200x slower on x86; the encoder
// calls this before each forward pass (a few microseconds), so a team that grew or was recreated
// is covered too.
void SetFlushDenormalsInTeam();
// Sizes the OpenMP team of the calling thread: `threads` > 0, or 0 for the OpenMP default
// (OMP_NUM_THREADS, else one per core). The setting is per thread (libgomp keeps it in the
// thread's own ICVs), so it must run on the thread that starts the parallel regions. Returns the
// team size that thread now gets.
int SetComputeThreadsOnThisThread(int threads);
// True when FTZ and DAZ are both set on the calling thread.
bool FlushDenormalsEnabled();

// The ISA oneDNN dispatches to on this CPU ("avx512_core_vnni", ...), for banners and reports.
absl::string_view DnnlCpuIsaName();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_DNNL_DNNL_UTIL_H_
