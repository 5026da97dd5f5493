// The scheduler slice of the calling thread (Linux EEVDF, 6.6 and later; sched_setattr's
// sched_runtime for SCHED_OTHER): a thread with a shorter slice than the one running gets the
// CPU soon after it wakes (kernel 6.12+, PREEMPT_SHORT) instead of waiting for that thread's slice
// (~1.5 ms on 2 CPUs) to end. Threads created afterwards inherit it. Older kernels ignore it.
//
// Thread-safety: affects the calling thread only.
#ifndef ATTNSERVE_CORE_UTIL_SCHED_SLICE_H_
#define ATTNSERVE_CORE_UTIL_SCHED_SLICE_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace attnserve::core {

// `slice` in [0.1 ms, 100 ms] (the kernel clamps it), or zero = the kernel's default slice.
// Keeps the thread's policy (SCHED_OTHER) and nice value.
absl::Status SetSchedulerSliceOfThisThread(absl::Duration slice);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_UTIL_SCHED_SLICE_H_
