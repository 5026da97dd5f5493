# Sourced by the client and deployment tests: starts the real `attnserve serve` on 127.0.0.1 with
# ports the server picks itself (port 0, read back from its startup line), so parallel tests never
# race for a port, and stops every server it started when the test exits.
#
#   source serve_lib.sh
#   attn_start "$BIN" "$tmp/server.log" --model demo [more serve flags]
#   ... "$ATTN_TARGET" (127.0.0.1:PORT), "$ATTN_HTTP" (127.0.0.1:PORT, the HTTP front end),
#   "$ATTN_METRICS" (127.0.0.1:PORT), "$ATTN_PID" ...
# Later flags win: `attn_start BIN LOG --host 127.0.0.2 --port 7000` listens there instead.

ATTN_PIDS=()

attn_stop_all() {
  local p
  for p in "${ATTN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${ATTN_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ATTN_PIDS=()
}

# attn_start BIN LOG [serve flags...]: waits up to 60 s for the startup line; on failure prints
# the log and returns 1.
attn_start() {
  local bin=$1 log=$2
  shift 2
  "$bin" serve --host 127.0.0.1 --port 0 --metrics-host 127.0.0.1 --metrics-port 0 \
    --http-address 127.0.0.1 --http-port -1 "$@" >"$log" 2>&1 &
  ATTN_PID=$!
  ATTN_PIDS+=("$ATTN_PID")
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q ' serving model ' "$log" && break
    if ! kill -0 "$ATTN_PID" 2>/dev/null; then
      echo "attnserve serve $* exited before serving:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  ATTN_TARGET=$(sed -n 's/.*) on \(127\.0\.0\.[0-9]*:[0-9]*\).*/\1/p' "$log" | head -n1)
  ATTN_HTTP=$(sed -n 's|.*HTTP on https\{0,1\}://\(127\.0\.0\.[0-9]*:[0-9]*\).*|\1|p' "$log" | head -n1)
  ATTN_METRICS=$(sed -n 's|.*metrics on http://\(127\.0\.0\.1:[0-9]*\)/metrics.*|\1|p' "$log" |
    head -n1)
  if [[ -z "$ATTN_TARGET" ]]; then
    echo "attnserve serve $* did not log its address within 60 s:" >&2
    cat "$log" >&2
    return 1
  fi
}

# attn_make_certs DIR: a CA and a server certificate for localhost / 127.0.0.1 (openssl).
attn_make_certs() {
  local d=$1
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
      -keyout ca.key -out ca.pem 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
      -keyout server.key -out server.csr 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile san.ext -out server.pem 2>/dev/null
  )
}

# The Node client's dependencies (client/node/node_modules, pinned by package-lock.json) from the
# npm registry; skipped when node_modules was installed from this very lock file (a stamp).
#   attn_node_deps SOURCE_DIR
attn_node_deps() {
  command -v node >/dev/null && command -v npm >/dev/null || {
    echo "node / npm are missing: run scripts/install-deps.sh" >&2
    return 1
  }
  local dir=$1/client/node stamp=$1/client/node/node_modules/.attnserve-installed-lock.json
  if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
    (cd "$dir" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund) || return 1
    cp "$dir/package-lock.json" "$stamp"
  fi
}
