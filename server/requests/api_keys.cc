#include "server/requests/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <utility>

#include "absl/strings/strip.h"

namespace attnserve {

ApiKeys::Digest ApiKeys::Sha256(absl::string_view data) {
  Digest d{};
  unsigned int size = 0;
  // EVP_Digest only fails on allocation failure; a zero digest then matches no real key's.
  EVP_Digest(data.data(), data.size(), d.data(), &size, EVP_sha256(), nullptr);
  return d;
}

void ApiKeys::Set(const std::vector<std::string>& keys) {
  auto digests = std::make_shared<std::vector<Digest>>();
  digests->reserve(keys.size());
  for (const std::string& k : keys) digests->push_back(Sha256(k));
  MutexLock lock(&mu_);
  digests_ = std::move(digests);
}

bool ApiKeys::required() const { return size() > 0; }

size_t ApiKeys::size() const {
  MutexLock lock(&mu_);
  return digests_->size();
}

absl::Status ApiKeys::Check(absl::optional<absl::string_view> authorization) const {
  std::shared_ptr<const std::vector<Digest>> digests;
  {
    MutexLock lock(&mu_);
    digests = digests_;
  }
  if (digests->empty()) return absl::OkStatus();
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError("missing 'authorization: Bearer <API key>' metadata");
  }
  absl::string_view value = *authorization;
  const bool bearer = absl::ConsumePrefix(&value, "Bearer ");
  const Digest presented = Sha256(value);
  int matches = 0;
  for (const Digest& d : *digests) {
    matches |= CRYPTO_memcmp(d.data(), presented.data(), d.size()) == 0 ? 1 : 0;
  }
  if (!bearer || matches == 0) return absl::UnauthenticatedError("invalid API key");
  return absl::OkStatus();
}

}  // namespace attnserve
