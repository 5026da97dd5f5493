// The API keys a server accepts (`authorization: Bearer KEY`), replaceable while it serves
// (SIGHUP re-reads --api-keys-file).
//
// Keys are kept as SHA-256 digests and a presented key is compared with every one of them in
// constant time (CRYPTO_memcmp, no early exit): how long a check takes says nothing about how
// much of a key was right, nor which key matched. The keys themselves are never logged.
//
// Thread-safety: thread-safe; Check may run concurrently with Set.
#ifndef ATTNSERVE_SERVER_REQUESTS_API_KEYS_H_
#define ATTNSERVE_SERVER_REQUESTS_API_KEYS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

#include "core/util/mutex.h"

namespace attnserve {

class ApiKeys {
 public:
  // No keys: every call is admitted.
  explicit ApiKeys(const std::vector<std::string>& keys = {}) { Set(keys); }

  void Set(const std::vector<std::string>& keys);
  bool required() const;
  size_t size() const;

  // OK when no key is required or `authorization` (the header's value; nullopt when absent) is
  // "Bearer <an accepted key>"; UNAUTHENTICATED otherwise.
  absl::Status Check(absl::optional<absl::string_view> authorization) const;

 private:
  using Digest = std::array<uint8_t, 32>;
  static Digest Sha256(absl::string_view data);

  mutable Mutex mu_;
  std::shared_ptr<const std::vector<Digest>> digests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_REQUESTS_API_KEYS_H_
