// Small oneDNN helpers shared by the kernels: error conversion and denormal control. Code outside
// the kernels uses core/dnnl/backend.h, which does not include oneDNN.
#ifndef ATTNSERVE_CORE_DNNL_DNNL_UTIL_H_
#define ATTNSERVE_CORE_DNNL_DNNL_UTIL_H_

#include <string_view>

#include <oneapi/dnnl/dnnl.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "core/dnnl/backend.h"

namespace attnserve::core {

// A dnnl::error escaping oneDNN is a bug or an unsupported platform: Internal, with context.
absl::Status DnnlErrorToStatus(const dnnl::error& e, absl::string_view context);

// Sets `engine` to the CPU engine and, when `stream` is not null, `*stream` to a stream on it;
// Internal (DnnlErrorToStatus) when oneDNN cannot.
absl::Status CreateCpuEngine(dnnl::engine& engine, dnnl::stream* stream = nullptr);

// Sets FTZ (flush-to-zero) and DAZ (denormals-are-zero) on the calling thread and on every thread
// of its OpenMP team. Denormal activations make fp32 matmul ~200x slower on x86; the encoder
// calls this before each forward pass (a few microseconds), so a team that grew or was recreated
// is covered too.
void SetFlushDenormalsInTeam();

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_DNNL_DNNL_UTIL_H_
