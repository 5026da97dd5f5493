// CheckServerTls on certificates made by the openssl command for this test.
#include "server/tls_check.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace attnserve {
namespace {

using ::testing::HasSubstr;

class TlsCheckTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("attnserve-tls-check-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string script = "cd '" + *dir_ + "' && " +
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
        "-keyout a.key -out a.pem 2>/dev/null && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
        "-subj /CN=localhost -keyout b.key -out b.pem 2>/dev/null && "
        "openssl pkey -in a.key -aes256 -passout pass:secret -out encrypted.key";
    ASSERT_EQ(std::system(("bash -c \"" + script + "\"").c_str()), 0) << "openssl failed";
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string Read(const std::string& name) {
    std::ifstream in(*dir_ + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static TlsOptions Pair(const std::string& cert, const std::string& key) {
    TlsOptions t;
    t.cert_pem = Read(cert);
    t.key_pem = Read(key);
    t.cert_file = cert;
    t.key_file = key;
    return t;
  }
  static std::string* dir_;
};
std::string* TlsCheckTest::dir_ = nullptr;

TEST_F(TlsCheckTest, PlaintextAndMatchingPairsPass) {
  EXPECT_TRUE(CheckServerTls(TlsOptions{}, absl::Now()).ok());
  EXPECT_TRUE(CheckServerTls(Pair("a.pem", "a.key"), absl::Now()).ok());
  EXPECT_TRUE(CheckServerTls(Pair("b.pem", "b.key"), absl::Now()).ok());  // EC
  TlsOptions mutual = Pair("a.pem", "a.key");
  mutual.client_ca_pem = Read("b.pem") + Read("a.pem");  // a bundle
  EXPECT_TRUE(CheckServerTls(mutual, absl::Now()).ok());
}

TEST_F(TlsCheckTest, EachWrongFileIsNamedWithItsCause) {
  const absl::Time now = absl::Now();
  EXPECT_EQ(CheckServerTls(Pair("a.pem", "b.key"), now).message(),
            "--tls-key 'b.key' does not match the certificate of --tls-cert 'a.pem': the key "
            "belongs to another certificate");
  EXPECT_THAT(CheckServerTls(Pair("a.pem", "encrypted.key"), now).message(),
              HasSubstr("--tls-key 'encrypted.key': the key is encrypted"));
  EXPECT_THAT(CheckServerTls(Pair("a.key", "a.key"), now).message(),
              HasSubstr("--tls-cert 'a.key': no PEM certificate in it"));
  EXPECT_THAT(CheckServerTls(Pair("a.pem", "a.pem"), now).message(),
              HasSubstr("--tls-key 'a.pem': no PEM private key in it"));
  TlsOptions garbled = Pair("a.pem", "a.key");
  garbled.key_pem.replace(garbled.key_pem.size() / 2, 8, "!!!!!!!!");
  EXPECT_THAT(CheckServerTls(garbled, now).message(),
              HasSubstr("--tls-key 'a.key': the private key cannot be read"));
  TlsOptions bad_ca = Pair("a.pem", "a.key");
  bad_ca.client_ca_pem = "not a certificate";
  bad_ca.client_ca_file = "ca.pem";
  EXPECT_THAT(CheckServerTls(bad_ca, now).message(),
              HasSubstr("--tls-client-ca 'ca.pem': no PEM certificate in it"));
  TlsOptions ca_only;
  ca_only.client_ca_pem = Read("a.pem");
  EXPECT_THAT(CheckServerTls(ca_only, now).message(),
              HasSubstr("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key"));
  TlsOptions key_only;
  key_only.key_pem = Read("a.key");
  EXPECT_EQ(CheckServerTls(key_only, now).message(), "--tls-cert and --tls-key go together");
}

TEST_F(TlsCheckTest, ACertificateOutsideItsValidityIsRefusedWithItsDates) {
  const absl::Status expired =
      CheckServerTls(Pair("a.pem", "a.key"), absl::Now() + absl::Hours(24 * 30));
  EXPECT_EQ(expired.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(expired.message(), HasSubstr("--tls-cert 'a.pem': the certificate expired on 20"));
  EXPECT_THAT(CheckServerTls(Pair("a.pem", "a.key"), absl::Now() - absl::Hours(24)).message(),
              HasSubstr("the certificate is not valid before 20"));
}

TEST(ExplainHandshakeFailureTest, SaysWhichSideRefusedWhat) {
  EXPECT_EQ(ExplainHandshakeFailure("Started 3 calls"), "");
  EXPECT_THAT(ExplainHandshakeFailure("Handshake failed with fatal error SSL_ERROR_SSL: "
                                      "error:0A0000C7:SSL routines::peer did not return a "
                                      "certificate."),
              HasSubstr("the server refused a client that sent no certificate"));
  EXPECT_THAT(ExplainHandshakeFailure("Handshake failed with fatal error SSL_ERROR_SSL: "
                                      "error:0A00010B:SSL routines::wrong version number."),
              HasSubstr("a client spoke plaintext to this TLS port"));
  EXPECT_THAT(ExplainHandshakeFailure("Handshake failed with fatal error SSL_ERROR_SSL: "
                                      "error:0A000418:SSL routines::tlsv1 alert unknown ca."),
              HasSubstr("a client refused the server's certificate"));
  EXPECT_THAT(ExplainHandshakeFailure("Handshake failed with fatal error SSL_ERROR_SSL: x"),
              HasSubstr("TLS handshake with a client failed: Handshake failed"));
}

}  // namespace
}  // namespace attnserve
