#!/usr/bin/env bash
# attnserve-cli against a TLS server (issue 16, part 8): --ca alone (no --tls) means TLS and
# works, as do --server-name and mutual TLS with --cert / --key; --cert without --key is a
# usage error naming both; without any TLS option the call fails.
#   cli_tls_test.sh ATTNSERVE ATTNSERVE_CLI SOURCE_DIR
set -uo pipefail
BIN=$1
CLI=$2
SRC=$3
source "$SRC/tests/clients/serve_lib.sh"
tmp=$(mktemp -d)
trap 'attn_stop_all; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

attn_make_certs "$tmp"
(
  cd "$tmp"
  openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr 2>/dev/null
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -out client.pem 2>/dev/null
)
attn_start "$BIN" "$tmp/tls.log" --model demo --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" || exit 1
tls=$ATTN_TARGET
attn_start "$BIN" "$tmp/mtls.log" --model demo --tls-cert "$tmp/server.pem" \
  --tls-key "$tmp/server.key" --tls-client-ca "$tmp/ca.pem" || exit 1
mtls=$ATTN_TARGET

out=$("$CLI" --target "$tls" --ca "$tmp/ca.pem" --timeout-ms 10000 health 2>&1)
[[ $? -eq 0 && "$out" == SERVING ]] || fail "--ca without --tls: $out"
# An IP target, not "localhost": gRPC's c-ares resolver leaks 10 bytes per name lookup, which
# fails the ASan run of this test.
out=$("$CLI" --target "$tls" --ca "$tmp/ca.pem" --server-name localhost \
  --timeout-ms 10000 embed --dimensions 2 hi 2>&1)
[[ $? -eq 0 && "$out" == *'"embedding"'* ]] || fail "--ca --server-name: $out"
"$CLI" --target "$tls" --ca "$tmp/ca.pem" --server-name wrong.example --timeout-ms 3000 health \
  >/dev/null 2>&1 && fail "--server-name is ignored: a name the certificate lacks was accepted"
out=$("$CLI" --target "$mtls" --ca "$tmp/ca.pem" --cert "$tmp/client.pem" --key "$tmp/client.key" \
  --timeout-ms 10000 health 2>&1)
[[ $? -eq 0 && "$out" == SERVING ]] || fail "mutual TLS with --cert / --key (no --tls): $out"
out=$("$CLI" --target "$mtls" --ca "$tmp/ca.pem" --cert "$tmp/client.pem" health 2>&1)
[[ $? -eq 2 && "$out" == *"--cert and --key go together"* ]] || fail "--cert without --key: $out"
out=$("$CLI" --target "$tls" --ca "$tmp/missing.pem" health 2>&1)
[[ $? -eq 2 && "$out" == *"--ca: cannot read"* ]] || fail "unreadable --ca: $out"
# Plaintext to a TLS server fails (the test would pass for the wrong reason otherwise), and says
# what to change; gRPC's own "E1202 ... Handshake failed" lines stay out of the terminal.
out=$("$CLI" --target "$tls" --timeout-ms 3000 health 2>&1) && fail "plaintext call to a TLS server succeeded"
[[ "$out" == *"it may require TLS (pass --tls"* ]] || fail "plaintext to TLS: no hint: $out"
attn_start "$BIN" "$tmp/plain.log" --model demo || exit 1
out=$("$CLI" --target "$ATTN_TARGET" --ca "$tmp/ca.pem" --timeout-ms 3000 health 2>&1) &&
  fail "TLS call to a plaintext server succeeded"
[[ "$out" == *"does not speak TLS but the client does"* ]] || fail "TLS to plaintext: no hint: $out"
out=$("$CLI" --target "$tls" --tls --timeout-ms 3000 health 2>&1)
[[ "$out" == *"the client refused the server's certificate"* ]] || fail "no CA: no hint: $out"
if grep -qE '^[EWID][0-9]{4} ' <<<"$out"; then fail "gRPC's own log line reached the terminal: $out"; fi
out=$(GRPC_VERBOSITY=error "$CLI" --target "$tls" --tls --timeout-ms 3000 health 2>&1)
grep -qE '^E[0-9]{4} .*Handshake failed' <<<"$out" || fail "GRPC_VERBOSITY=error does not bring gRPC's lines back: $out"

if ((fails > 0)); then echo "$fails checks failed"; exit 1; fi
echo "all checks passed"
