#!/usr/bin/env bash
# The Node client (client/node: @grpc/grpc-js + @grpc/proto-loader, versions pinned by
# package-lock.json and installed with `npm ci`) against live servers: a plaintext one on the demo
# model and a TLS one that requires an API key. Runs client/node/test with node's test runner;
# vectors are checked against `attnserve encode`.
#   node_client_test.sh ATTNSERVE_BIN SOURCE_DIR
set -euo pipefail
BIN=$1
SRC=$2
source "$SRC/tests/clients/serve_lib.sh"
tmp=$(mktemp -d)
trap 'attn_stop_all; rm -rf "$tmp"' EXIT

attn_node_deps "$SRC"
cd "$SRC/client/node"

attn_make_certs "$tmp"
echo "test-key-$$" >"$tmp/keys"
attn_start "$BIN" "$tmp/plain.log" --model demo --access-log
plain=$ATTN_TARGET
attn_start "$BIN" "$tmp/tls.log" --model demo --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" --api-keys-file "$tmp/keys"
tls=$ATTN_TARGET

ATTNSERVE_BIN=$BIN ATTNSERVE_TARGET=$plain ATTNSERVE_LOG=$tmp/plain.log ATTNSERVE_TLS_TARGET=$tls ATTNSERVE_CA=$tmp/ca.pem \
  ATTNSERVE_API_KEY="test-key-$$" node --test test/
