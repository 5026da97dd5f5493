// ConnectionHint: gRPC's connection failures, said as the user can act on them.
#include "client/embedder_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attnserve::client {
namespace {

using ::testing::HasSubstr;

TEST(ConnectionHintTest, NamesTheSideThatRefusedAndTheOptionThatChangesIt) {
  ClientOptions plain;
  plain.target = "localhost:1";
  ClientOptions tls = plain;
  tls.tls = true;
  tls.ca_pem = "ca";
  ClientOptions mutual = tls;
  mutual.client_cert_pem = "cert";
  mutual.client_key_pem = "key";
  EXPECT_THAT(ConnectionHint(plain, "ipv4:127.0.0.1:1: Socket closed"),
              HasSubstr("it may require TLS (pass --tls"));
  EXPECT_THAT(ConnectionHint(tls, "ipv4:127.0.0.1:1: Socket closed"),
              HasSubstr("may require a client certificate (mutual TLS: pass --cert and --key)"));
  EXPECT_THAT(ConnectionHint(mutual, "ipv4:127.0.0.1:1: Socket closed"),
              HasSubstr("may not trust the CA that signed the client certificate"));
  EXPECT_THAT(ConnectionHint(tls, "Ssl handshake failed: SSL_ERROR_SSL: error:0A000086:SSL "
                                  "routines::certificate verify failed"),
              HasSubstr("the client refused the server's certificate: it is not signed by the "
                        "CA given with --ca"));
  ClientOptions system_roots = tls;
  system_roots.ca_pem.clear();
  EXPECT_THAT(ConnectionHint(system_roots, "certificate verify failed"),
              HasSubstr("pass --ca with the CA that signed it"));
  EXPECT_THAT(ConnectionHint(tls, "Peer name 127.0.0.2 is not in peer certificate"),
              HasSubstr("--server-name"));
  EXPECT_THAT(ConnectionHint(tls, "error:0A00010B:SSL routines::wrong version number"),
              HasSubstr("the server at localhost:1 does not speak TLS but the client does"));
  EXPECT_THAT(ConnectionHint(plain, "Failed to connect to remote host: Connection refused"),
              HasSubstr("nothing listens at localhost:1"));
  EXPECT_EQ(ConnectionHint(plain, "the server is shutting down"), "");
}

}  // namespace
}  // namespace attnserve::client
