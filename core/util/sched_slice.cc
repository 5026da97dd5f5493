#include "core/util/sched_slice.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace attnserve::core {
namespace {

// struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

}  // namespace

absl::Status SetSchedulerSliceOfThisThread(absl::Duration slice) {
  SchedAttr attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  errno = 0;
  attr.sched_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
  if (errno != 0) return absl::InternalError(absl::StrCat("getpriority: ", std::strerror(errno)));
  attr.sched_runtime = static_cast<uint64_t>(absl::ToInt64Nanoseconds(slice));
  if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
    return absl::InternalError(absl::StrCat("sched_setattr: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace attnserve::core
