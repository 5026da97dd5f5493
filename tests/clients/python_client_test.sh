#!/usr/bin/env bash
# The Python client (client/python) against live servers: a plaintext one on the demo model and a
# TLS one that requires an API key. Runs the example script and client/python/tests with Debian's
# python3 (python3-grpcio, python3-protobuf); vectors are checked against `attnserve encode`.
#   python_client_test.sh ATTNSERVE_BIN PY_STUBS_DIR SOURCE_DIR
set -euo pipefail
BIN=$1
STUBS=$2
SRC=$3
PY=/usr/bin/python3
source "$SRC/tests/clients/serve_lib.sh"
tmp=$(mktemp -d)
trap 'attn_stop_all; rm -rf "$tmp"' EXIT

"$PY" -c 'import grpc, google.protobuf' || {
  echo "Debian's python3-grpcio / python3-protobuf are missing: run scripts/install-deps.sh" >&2
  exit 1
}
attn_make_certs "$tmp"
echo "test-key-$$" >"$tmp/keys"

attn_start "$BIN" "$tmp/plain.log" --model demo --access-log
plain=$ATTN_TARGET
plain_metrics=$ATTN_METRICS
attn_start "$BIN" "$tmp/tls.log" --model demo --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" --api-keys-file "$tmp/keys"
tls=$ATTN_TARGET

# A second replica on another loopback address and the same port: what a headless Service's DNS
# name resolves to, for the round-robin test.
attn_start "$BIN" "$tmp/replica.log" --model demo --host 127.0.0.2 --port "${plain##*:}"
replicas="ipv4:$plain,$ATTN_TARGET"
replica_metrics="$plain_metrics,$ATTN_METRICS"

cd "$SRC/client/python/tests"
PYTHONPATH="$STUBS:$SRC/client/python" ATTNSERVE_BIN=$BIN ATTNSERVE_TARGET=$plain ATTNSERVE_LOG=$tmp/plain.log \
  ATTNSERVE_TLS_TARGET=$tls ATTNSERVE_CA=$tmp/ca.pem ATTNSERVE_API_KEY="test-key-$$" \
  ATTNSERVE_REPLICAS=$replicas ATTNSERVE_REPLICA_METRICS=$replica_metrics \
  "$PY" -m unittest -v test_client
