// attnserve::Mutex: absl::Mutex, or — in ThreadSanitizer builds — the same interface on
// std::mutex + std::condition_variable_any.
//
// Debian's Abseil is not built with TSan, so TSan cannot see absl::Mutex's lock, unlock and
// hand-off to waiters, and reports every access it protects as a race. pthread-based std::mutex
// is intercepted by TSan, so in TSan builds the wrapper uses it (Await re-evaluates the condition
// after every unlock's notify_all: slower, and only for sanitizer runs). Same interface subset
// and thread-safety annotations as absl::Mutex: use it for every lock of ours.
#ifndef ATTNSERVE_CORE_UTIL_MUTEX_H_
#define ATTNSERVE_CORE_UTIL_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define ATTN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ATTN_TSAN 1
#endif
#endif

#ifdef ATTN_TSAN
#include <condition_variable>
#include <mutex>
#endif

namespace attnserve {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

#ifndef ATTN_TSAN
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.Lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }
  // Unlocks until `cond` holds (evaluated under the lock), then returns with the lock held.
  void Await(const absl::Condition& cond) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) { mu_.Await(cond); }
  // As Await, but gives up at `deadline`; returns whether `cond` holds.
  bool AwaitWithDeadline(const absl::Condition& cond, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return mu_.AwaitWithDeadline(cond, deadline);
  }
#else
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    mu_.unlock();
    cv_.notify_all();
  }
  void Await(const absl::Condition& cond) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    while (!cond.Eval()) cv_.wait(mu_);
  }
  bool AwaitWithDeadline(const absl::Condition& cond, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    while (!cond.Eval()) {
      if (cv_.wait_until(mu_, absl::ToChronoTime(deadline)) == std::cv_status::timeout) {
        return cond.Eval();
      }
    }
    return true;
  }
#endif
  bool AwaitWithTimeout(const absl::Condition& cond, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return AwaitWithDeadline(cond, absl::Now() + timeout);
  }

 private:
#ifndef ATTN_TSAN
  absl::Mutex mu_;
#else
  std::mutex mu_;
  std::condition_variable_any cv_;
#endif
};

// RAII lock, as absl::MutexLock.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

// One-shot event, as absl::Notification (which is just as invisible to TSan).
class Notification {
 public:
  void Notify() {
    MutexLock lock(&mu_);
    notified_ = true;
  }
  void WaitForNotification() {
    MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&notified_));
  }
  bool HasBeenNotified() {
    MutexLock lock(&mu_);
    return notified_;
  }

 private:
  Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

// Waits for N events, as absl::BlockingCounter.
class BlockingCounter {
 public:
  explicit BlockingCounter(int count) : count_(count) {}
  void DecrementCount() {
    MutexLock lock(&mu_);
    --count_;
  }
  void Wait() {
    MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n <= 0; }, &count_));
  }

 private:
  Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attnserve

#endif  // ATTNSERVE_CORE_UTIL_MUTEX_H_
