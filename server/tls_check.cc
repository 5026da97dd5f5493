#include "server/tls_check.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace attnserve {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// "--tls-cert 'server.pem'", or the flag alone when the PEM did not come from a file.
std::string Source(const char* flag, const std::string& file) {
  return file.empty() ? std::string(flag) : absl::StrCat(flag, " '", file, "'");
}

// OpenSSL's reason for the last failure, and its error queue emptied.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "";
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? absl::StrCat(" (OpenSSL: ", reason, ")") : "";
}

// The certificates of a PEM bundle; none when it holds no readable one.
std::vector<Cert> ReadCertificates(const std::string& pem) {
  std::vector<Cert> certs;
  Bio bio = MemoryBio(pem);
  while (bio != nullptr) {
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    certs.push_back(std::move(cert));
  }
  ERR_clear_error();  // the read past the last certificate fails by design
  return certs;
}

// A password callback that has none: an encrypted key fails to load instead of prompting.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

std::string FormatAsn1Time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return out;
}

}  // namespace

absl::Status CheckServerTls(const TlsOptions& tls, absl::Time now) {
  const std::string cert_name = Source("--tls-cert", tls.cert_file);
  const std::string key_name = Source("--tls-key", tls.key_file);
  const std::string ca_name = Source("--tls-client-ca", tls.client_ca_file);
  if (tls.cert_pem.empty() && tls.key_pem.empty()) {
    if (!tls.client_ca_pem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ca_name, " (mutual TLS) needs --tls-cert and --tls-key"));
    }
    return absl::OkStatus();
  }
  if (tls.cert_pem.empty() || tls.key_pem.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }

  std::vector<Cert> chain = ReadCertificates(tls.cert_pem);
  if (chain.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        cert_name, ": no PEM certificate in it (want a '-----BEGIN CERTIFICATE-----' block)"));
  }
  X509* leaf = chain.front().get();
  const time_t at = absl::ToTimeT(now);
  if (X509_cmp_time(X509_get0_notAfter(leaf), const_cast<time_t*>(&at)) < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        cert_name, ": the certificate expired on ", FormatAsn1Time(X509_get0_notAfter(leaf))));
  }
  if (X509_cmp_time(X509_get0_notBefore(leaf), const_cast<time_t*>(&at)) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_name, ": the certificate is not valid before ",
                     FormatAsn1Time(X509_get0_notBefore(leaf))));
  }

  Bio key_bio = MemoryBio(tls.key_pem);
  Key key(key_bio == nullptr
              ? nullptr
              : PEM_read_bio_PrivateKey(key_bio.get(), nullptr, &NoPassword, nullptr));
  if (key == nullptr) {
    const std::string reason = OpenSslReason();
    if (absl::StrContains(tls.key_pem, "ENCRYPTED")) {
      return absl::InvalidArgumentError(absl::StrCat(
          key_name, ": the key is encrypted; the server needs it unencrypted "
                    "(openssl pkey -in KEY -out KEY.plain)"));
    }
    if (!absl::StrContains(tls.key_pem, "PRIVATE KEY-----")) {
      return absl::InvalidArgumentError(absl::StrCat(
          key_name, ": no PEM private key in it (want a '-----BEGIN PRIVATE KEY-----' block)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(key_name, ": the private key cannot be read", reason));
  }
  if (X509_check_private_key(leaf, key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(key_name, " does not match the certificate of ", cert_name,
                     ": the key belongs to another certificate"));
  }

  if (!tls.client_ca_pem.empty() && ReadCertificates(tls.client_ca_pem).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        ca_name, ": no PEM certificate in it (want a '-----BEGIN CERTIFICATE-----' block)"));
  }
  return absl::OkStatus();
}

std::string ExplainHandshakeFailure(absl::string_view m) {
  if (!absl::StrContains(m, "Handshake failed")) return "";
  const char* why = nullptr;
  if (absl::StrContains(m, "wrong version number") || absl::StrContains(m, "http request")) {
    why = "a client spoke plaintext to this TLS port (it needs TLS: attnserve-cli --tls / --ca)";
  } else if (absl::StrContains(m, "peer did not return a certificate")) {
    why = "the server refused a client that sent no certificate (mutual TLS: --tls-client-ca "
          "requires one signed by that CA)";
  } else if (absl::StrContains(m, "certificate verify failed")) {
    why = "the server refused a client certificate not signed by --tls-client-ca (or expired)";
  } else if (absl::StrContains(m, "unknown ca") || absl::StrContains(m, "bad certificate") ||
             absl::StrContains(m, "certificate unknown")) {
    why = "a client refused the server's certificate (it does not trust the CA that signed "
          "--tls-cert, or the name does not match)";
  } else if (absl::StrContains(m, "unsupported protocol") ||
             absl::StrContains(m, "no protocols available")) {
    why = "a client offered only TLS versions the server does not accept";
  }
  if (why == nullptr) return absl::StrCat("TLS handshake with a client failed: ", m);
  return absl::StrCat("TLS handshake failed: ", why, " [", m, "]");
}

}  // namespace attnserve
