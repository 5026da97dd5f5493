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

command -v node >/dev/null && command -v npm >/dev/null || {
  echo "node / npm are missing: run scripts/install-deps.sh" >&2
  exit 1
}
cd "$SRC/client/node"
# npm ci is skipped when node_modules was installed from this very lock file (stamp below).
stamp=node_modules/.attnserve-installed-lock.json
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  timeout 600 npm ci --ignore-scripts --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

attn_make_certs "$tmp"
echo "test-key-$$" >"$tmp/keys"
attn_start "$BIN" "$tmp/plain.log" --model demo
plain=$ATTN_TARGET
attn_start "$BIN" "$tmp/tls.log" --model demo --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" --api-keys-file "$tmp/keys"
tls=$ATTN_TARGET

ATTNSERVE_BIN=$BIN ATTNSERVE_TARGET=$plain ATTNSERVE_TLS_TARGET=$tls ATTNSERVE_CA=$tmp/ca.pem \
  ATTNSERVE_API_KEY="test-key-$$" node --test test/
