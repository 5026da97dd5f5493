// Facts about, and settings of, the compute backend (oneDNN + OpenMP) for code that must not
// see oneDNN's headers: the batcher, the server, the offline commands. Nothing here includes
// <oneapi/dnnl/dnnl.hpp>.
#ifndef ATTNSERVE_CORE_DNNL_BACKEND_H_
#define ATTNSERVE_CORE_DNNL_BACKEND_H_

#include <string>

#include "absl/strings/string_view.h"

namespace attnserve::core {

// The ISA oneDNN dispatches to on this CPU ("avx512_core_vnni", ...), for banners and reports.
absl::string_view CpuIsaName();
// The oneDNN library loaded at run time, "2.6.3".
std::string OneDnnVersion();

// Sizes the OpenMP team of the calling thread: `threads` > 0, or 0 for the OpenMP default
// (OMP_NUM_THREADS, else one per core). The setting is per thread (libgomp keeps it in the
// thread's own ICVs), so it must run on the thread that starts the parallel regions. Returns the
// team size that thread now gets.
int SetComputeThreadsOnThisThread(int threads);
// True when FTZ and DAZ are both set on the calling thread.
bool FlushDenormalsEnabled();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_DNNL_BACKEND_H_
