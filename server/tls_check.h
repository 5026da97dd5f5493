// What gRPC would only report as "cannot listen" or a failed handshake, said up front: the
// server's TLS material is checked with OpenSSL (the library Debian's gRPC uses) before the
// server starts, so a wrong file is one startup line naming the flag, the file and the cause.
#ifndef ATTNSERVE_SERVER_TLS_CHECK_H_
#define ATTNSERVE_SERVER_TLS_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace attnserve {

struct TlsOptions {
  std::string cert_pem;       // server certificate chain; empty = plaintext
  std::string key_pem;
  std::string client_ca_pem;  // non-empty: require client certificates signed by it (mTLS)
  // Where the PEM came from, for messages (the flags' files); empty: "the certificate", ...
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
};

// OK when `tls` is plaintext (all empty) or usable: the certificate chain and the CA bundle hold
// at least one PEM certificate each, the key is an unencrypted PEM private key that matches the
// first certificate, and that certificate is valid at `now`. Errors are InvalidArgument and
// name the flag (--tls-cert, --tls-key, --tls-client-ca), the file and what is wrong with it.
absl::Status CheckServerTls(const TlsOptions& tls, absl::Time now);

// gRPC's log line of a failed server-side TLS handshake ("Handshake failed with fatal error
// SSL_ERROR_SSL: error:...:peer did not return a certificate.") said as the operator can act on
// it: which side refused what. "" when `grpc_message` is not a handshake failure.
std::string ExplainHandshakeFailure(absl::string_view grpc_message);

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_TLS_CHECK_H_
