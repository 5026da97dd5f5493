#!/usr/bin/env bash
# The container image, for real (ctest label docker; `ctest --preset docker`):
#   1. starts Debian's dockerd itself: unix socket and exec-root under a temporary directory, no
#      bridge, no iptables, host networking only; data root in the cache directory so that layers
#      are reused between runs;
#   2. makes a Debian bookworm base image with debootstrap (no registry), cached as a tarball and
#      as the image attnserve-base:bookworm;
#   3. builds docker/Dockerfile on it, checks the image (non-root, ports, health check, no
#      toolchain, every library resolved) and a model mounted at /models;
#   4. runs it with host networking on free 127.0.0.1 ports, waits for Docker's HEALTHCHECK,
#      embeds text through attnserve-cli (vectors = the host's `attnserve encode`), scrapes /metrics
#      directly and with a real Prometheus (docker/prometheus/prometheus.yml), sends SIGTERM
#      (`docker stop`) under load and checks the drain: exit code 0, in-flight calls answered;
#   5. stops the container and the daemon, keeps the cache.
# Every step has a time limit; a kernel or sandbox that cannot run dockerd fails with dockerd's
# own words, never a hang or a skip.
#
#   docker_image_test.sh SOURCE_DIR HOST_ATTNSERVE HOST_ATTNSERVE_CLI
# Environment: ATTNSERVE_DOCKER_CACHE (default ~/.cache/attnserve-docker),
#   ATTNSERVE_DEBIAN_MIRROR (default: the host's apt source for bookworm main; see apt_mirror.sh),
#   ATTNSERVE_DEBIAN_SECURITY_MIRROR (default: the host's source for bookworm-security main).
# No Debian mirror host is named here: debootstrap and the image's sources.list use the machine's
# own apt sources, and the test fails up front if they have no bookworm main entry.
set -euo pipefail
SRC=$(cd "$1" && pwd)
BIN=$2
CLI=$3
CACHE=${ATTNSERVE_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/attnserve-docker}
DOCKER=/usr/bin/docker  # Debian's client, matching its daemon (another may be earlier on PATH)
DOCKERD=/usr/sbin/dockerd
BASE=attnserve-base:bookworm
IMAGE=attnserve:test
t0=$(date +%s)
source "$(dirname "${BASH_SOURCE[0]}")/bookworm_base.sh"

fail() {
  echo "docker test: FAIL: $*" >&2
  exit 1
}
phase() { echo "=== [$(($(date +%s) - t0)) s] $*"; }
elapsed() { echo $(($(date +%s) - $1)); }

# ---- preconditions -------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || fail "dockerd needs root (this test does not set up rootless Docker)"
for tool in "$DOCKER" "$DOCKERD" /usr/bin/containerd /usr/sbin/runc /usr/sbin/debootstrap; do
  [[ -x $tool ]] || fail "$tool is missing: run scripts/install-deps.sh (docker.io, debootstrap)"
done
[[ -d /sys/fs/cgroup ]] || fail "no /sys/fs/cgroup: containers need cgroups"
# The Debian mirrors: this machine's own (bookworm_base.sh, apt_mirror.sh), never a host named in
# this script; the base image's apt sources are the host's bookworm ones.
bookworm_mirrors || fail "no Debian mirror"
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock -w 1800 9 || fail "another docker test has held $CACHE/lock for 30 minutes"

tmp=$(mktemp -d /tmp/attnserve-docker.XXXXXX)  # short: unix socket paths must stay < 108 bytes
export DOCKER_HOST=unix://$tmp/docker.sock
dockerd_pid=""
prom_pid=""
load_pid=""
name=attnserve-test-$$

cleanup() {
  local rc=$?
  set +e
  [[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null
  [[ -n $prom_pid ]] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
  if [[ -n $dockerd_pid ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    timeout 60 "$DOCKER" rm -f "$name" >/dev/null 2>&1
    # Keep the tagged images (base, the image) and BuildKit's cache used this week (layers, the
    # builder's ccache); drop older builds.
    timeout 120 "$DOCKER" image prune -f >/dev/null 2>&1
    timeout 120 "$DOCKER" builder prune -f --filter until=168h >/dev/null 2>&1
    kill -TERM "$dockerd_pid"
    for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$dockerd_pid" 2>/dev/null; then
      echo "dockerd did not stop in 30 s: SIGKILL" >&2
      kill -KILL "$dockerd_pid"
    fi
    wait "$dockerd_pid" 2>/dev/null
  fi
  # A daemon that died hard can leave mounts behind: never leave them.
  awk -v t="$tmp" -v c="$CACHE" 'index($2, t) == 1 || index($2, c) == 1 {print $2}' /proc/mounts |
    sort -r | while read -r m; do umount -l "$m"; done
  if ((rc != 0)) && [[ -s $tmp/dockerd.log ]]; then
    echo "--- last lines of dockerd's log" >&2
    tail -n 20 "$tmp/dockerd.log" >&2
  fi
  rm -rf "$tmp"
  echo "=== docker test: $( ((rc == 0)) && echo passed || echo FAILED) in $(elapsed "$t0") s"
}
trap cleanup EXIT
trap 'echo "docker test: FAIL at line $LINENO: $BASH_COMMAND" >&2' ERR

# ---- 1. the daemon -------------------------------------------------------------------------
start_dockerd() {
  local driver=$1
  echo '{}' >"$tmp/daemon.json"  # ignore any /etc/docker/daemon.json
  "$DOCKERD" --host "$DOCKER_HOST" --data-root "$CACHE/data-root" --exec-root "$tmp/exec" \
    --pidfile "$tmp/dockerd.pid" --config-file "$tmp/daemon.json" --bridge=none \
    --iptables=false --ip6tables=false --storage-driver "$driver" >"$tmp/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 120); do
    timeout 10 "$DOCKER" version >/dev/null 2>&1 && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$dockerd_pid" 2>/dev/null
  wait "$dockerd_pid" 2>/dev/null
  dockerd_pid=""
  return 1
}
phase "starting dockerd ($($DOCKERD --version))"
driver=overlay2
if ! grep -qw overlay /proc/filesystems || ! start_dockerd overlay2; then
  echo "dockerd with overlay2 failed; trying vfs. Its log:"
  tail -n 5 "$tmp/dockerd.log" 2>/dev/null || true
  driver=vfs
  start_dockerd vfs || fail "dockerd cannot run in this machine or sandbox; its log says:
$(grep -E 'level=(error|fatal)|failed|Error' "$tmp/dockerd.log" | tail -n 8)"
fi
phase "dockerd up (storage driver $driver, data root $CACHE/data-root)"

# A container must start at all: namespaces, cgroups, seccomp, runc.
probe_container() {
  timeout 120 "$DOCKER" run --rm --network host "$1" /bin/true
}

# ---- 2. the base image: debootstrap'ed bookworm --------------------------------------------
tarball=$CACHE/bookworm-base.tar
t_base=$(date +%s)
bookworm_base_tarball "$tarball" "$tmp" || fail "no bookworm base tarball"
sum=$(sha256sum "$tarball" | cut -c1-16)
if [[ $(timeout 30 "$DOCKER" image inspect -f '{{index .Config.Labels "attnserve.base"}}' "$BASE" \
  2>/dev/null) != "$sum" ]]; then
  phase "docker import $tarball as $BASE"
  timeout 600 "$DOCKER" import --change "LABEL attnserve.base=$sum" --change 'CMD ["/bin/bash"]' \
    "$tarball" "$BASE" >/dev/null
fi
probe_container "$BASE" || fail "a container of $BASE does not start: the sandbox refuses containers"
base_s=$(elapsed "$t_base")
phase "base image ready in $base_s s"

# ---- 3. build and inspect ------------------------------------------------------------------
t_build=$(date +%s)
build() {
  DOCKER_BUILDKIT=1 timeout 3600 "$DOCKER" build --progress plain --network host \
    --build-arg "BASE_IMAGE=$BASE" -f "$SRC/docker/Dockerfile" "$@" "$SRC" \
    >>"$tmp/build.log" 2>&1 || {
    tail -n 40 "$tmp/build.log" >&2
    fail "docker build $* failed"
  }
}
phase "docker build (BuildKit; layers and the builder's ccache stay cached between runs)"
build -t "$IMAGE"
build_s=$(elapsed "$t_build")
grep -E '^#[0-9]+ [0-9.]+ +(Hits|Misses):' "$tmp/build.log" | sed -E 's/^#[0-9]+ [0-9.]+ +/  builder ccache: /' || true
size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
size_mb=$((size / 1000000))
phase "image $IMAGE built in $build_s s: $size_mb MB"

inspect() { "$DOCKER" image inspect -f "$1" "$IMAGE"; }
[[ $(inspect '{{.Config.User}}') == 10001:10001 ]] || fail "the image does not run as uid 10001"
[[ $(inspect '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}') == "50051/tcp 8080/tcp 9000/tcp " ]] ||
  fail "EXPOSE is not 50051, 8080 and 9000: $(inspect '{{.Config.ExposedPorts}}')"
inspect '{{.Config.Healthcheck.Test}}' | grep -q 'attnserve-cli .* health' ||
  fail "no HEALTHCHECK through attnserve-cli health"
[[ $(inspect '{{json .Config.Entrypoint}}') == '["/usr/local/bin/attnserve","serve"]' ]] ||
  fail "the entrypoint is not attnserve serve"
in_image() { timeout 120 "$DOCKER" run --rm --network none --entrypoint /bin/sh "$IMAGE" -c "$1"; }
in_image 'id -u' | grep -qx 10001 || fail "the container's user is not 10001"
in_image 'for t in gcc g++ cc c++ cmake ninja make protoc; do command -v $t && exit 1; done; exit 0' ||
  fail "the runtime image holds build tools"
missing=$(in_image 'ldd /usr/local/bin/attnserve /usr/local/bin/attnserve-cli | grep "not found" || true')
[[ -z $missing ]] || fail "libraries missing in the runtime image: $missing"
# The image is built from a context without .git: --version says so instead of a stale commit.
version=$(in_image '/usr/local/bin/attnserve --version')
grep -qx 'commit:     unknown' <<<"$version" && grep -q '^oneDNN:     2\.' <<<"$version" ||
  fail "attnserve --version in the image: $version"

# A checkpoint mounted at /models (read-only, owned by another uid) loads and computes what the
# host computes.
model=$SRC/tests/testdata/encoder/h64_heads4_f16
ids='{"ids":[101,7,8,9,10,102]}'
got=$(echo "$ids" | timeout 120 "$DOCKER" run --rm -i --network none -v "$model:/models/h64:ro" \
  --entrypoint attnserve "$IMAGE" encode --model /models/h64)
want=$(echo "$ids" | "$BIN" encode --model "$model")
/usr/bin/python3 - "$got" "$want" <<'PY' || fail "encode of /models/h64 in the container differs from the host's"
import json, sys
got, want = (json.loads(s)["embedding"] for s in sys.argv[1:3])
assert len(got) == len(want) and max(abs(a - b) for a, b in zip(got, want)) <= 1e-5
PY
phase "image checked: non-root, EXPOSE 50051 8080 9000, HEALTHCHECK, no toolchain, /models loads"

# ---- 4. run, embed, scrape, drain ----------------------------------------------------------
read -r port mport < <(free_ports 2)
t_run=$(date +%s)
# Locked down as the Kubernetes manifests and compose run it: read-only root filesystem, no
# capabilities, no privilege escalation.
"$DOCKER" run -d --name "$name" --network host -e "ATTNSERVE_HEALTH_TARGET=127.0.0.1:$port" \
  --read-only --cap-drop ALL --security-opt no-new-privileges \
  "$IMAGE" --model demo --host 127.0.0.1 --port "$port" --metrics-host 127.0.0.1 \
  --metrics-port "$mport" --http-port 0 --drain-timeout-s 20 >/dev/null
status=""
for _ in $(seq 150); do
  status=$("$DOCKER" inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$name")
  [[ $status == "running healthy" ]] && break
  [[ $status == running* ]] || break
  sleep 1
done
[[ $("$DOCKER" inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}' "$name") == \
   "true [ALL]" ]] || fail "the container does not run read-only without capabilities"
[[ $status == "running healthy" ]] || {
  "$DOCKER" logs "$name" 2>&1 | tail -n 20 >&2
  fail "the container did not become healthy in 150 s ($status)"
}
phase "container healthy after $(elapsed "$t_run") s (Docker's HEALTHCHECK: attnserve-cli health)"

text="attnserve in a container, reached over gRPC"
got=$(timeout 60 "$CLI" --target "127.0.0.1:$port" embed "$text")
want=$(/usr/bin/python3 -c 'import json, sys; print(json.dumps({"text": sys.argv[1]}))' "$text" |
  "$BIN" encode --model demo)
/usr/bin/python3 - "$got" "$want" <<'PY' || fail "the container's Embed differs from the host's encode"
import json, sys
got, want = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert got["num_tokens"] == want["num_tokens"], (got["num_tokens"], want["num_tokens"])
d = max(abs(a - b) for a, b in zip(got["embedding"], want["embedding"]))
assert len(got["embedding"]) == len(want["embedding"]) == 128 and d <= 1e-5, d
print("embed through attnserve-cli: %d tokens, max |diff| vs host encode %.2g" % (got["num_tokens"], d))
PY
timeout 60 "$DOCKER" exec "$name" attnserve-cli --target "127.0.0.1:$port" info | grep -q '"model_id":"demo"' ||
  fail "attnserve-cli info inside the container"

/usr/bin/python3 - "127.0.0.1:$mport" <<'PY' || fail "/metrics of the container"
import re, sys, urllib.request
text = urllib.request.urlopen("http://%s/metrics" % sys.argv[1], timeout=10).read().decode()
for family in ["attnserve_requests_total", "attnserve_request_duration_seconds_bucket",
               "attnserve_batch_size_tokens_bucket", "attnserve_queue_sequences",
               "attnserve_tokens_total", "attnserve_model_info", "attnserve_build_info",
               "process_resident_memory_bytes"]:
    assert re.search(r"^%s[{ ]" % family, text, re.M), family
ok = [l for l in text.splitlines() if l.startswith("attnserve_requests_total{")
      and 'rpc="Embed"' in l and 'code="OK"' in l]
assert ok and float(ok[0].split()[-1]) >= 1, ok
print("/metrics: every family present, Embed OK counted")
PY
/usr/bin/python3 "$SRC/tests/deploy/prometheus_check.py" --target "127.0.0.1:$mport" \
  --config "$SRC/docker/prometheus/prometheus.yml" \
  --dashboard "$SRC/docker/grafana/dashboards/attnserve.json" --work-dir "$tmp/prometheus" ||
  fail "a real Prometheus could not scrape the container"

# SIGTERM under load: in-flight calls finish, later ones are refused (UNAVAILABLE), exit 0.
"$CLI" --target "127.0.0.1:$port" load --concurrency 8 --lengths 16:64 --duration 3 --warmup 0 \
  --json >"$tmp/load.json" 2>"$tmp/load.err" &
load_pid=$!
sleep 1.5
t_stop=$(date +%s)
timeout 60 "$DOCKER" stop -t 40 "$name" >/dev/null
stop_s=$(elapsed "$t_stop")
wait "$load_pid" || fail "the load generator failed: $(cat "$tmp/load.err")"
load_pid=""
read -r code oom < <("$DOCKER" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$name")
logs=$("$DOCKER" logs "$name" 2>&1)
[[ $code == 0 && $oom == false ]] || {
  echo "--- the container's log" >&2
  echo "$logs" | tail -n 20 >&2
  fail "attnserve did not exit cleanly on SIGTERM as PID 1 (exit code $code)"
}
grep -q 'received SIGTERM: draining' <<<"$logs" && grep -q 'drained in .*; exiting' <<<"$logs" ||
  fail "no drain in the container's log: $(tail -n 5 <<<"$logs")"
# The server's own account: every call it admitted finished, none was cancelled.
drain_line=$(grep -o 'drain: [0-9.e+]* calls finished OK and [0-9.e+]* were cancelled' <<<"$logs" || true)
[[ $drain_line =~ and\ 0\ were\ cancelled ]] ||
  fail "admitted calls were cancelled by the drain: ${drain_line:-no drain line in the log}"
echo "container log: $drain_line"
# Seen by the client, besides OK: UNAVAILABLE (refused while draining, or no server any more)
# and CANCELLED: gRPC core (Debian's 1.51 included) cancels the calls that reached the server
# but were never handed to a handler when Shutdown() runs (grpc/grpc#41785); a closed-loop chain
# whose call is cancelled at once sends the next, so there can be several per chain. Those calls
# never ran: the server's own count above says no admitted call was cancelled.
/usr/bin/python3 - "$tmp/load.json" <<'PY' || fail "calls in flight at SIGTERM were not answered"
import json, sys
(row,) = json.load(open(sys.argv[1]))
other = {k: v for k, v in row["errors"].items() if k not in ("UNAVAILABLE", "CANCELLED")}
assert row["ok"] > 0 and not other, row
print("SIGTERM under load: %d calls answered, then refused: %s" % (row["ok"], row["errors"]))
PY
phase "SIGTERM: drained and exited 0 in $stop_s s"

phase "docker test summary: base image $base_s s, build $build_s s, SIGTERM to exit $stop_s s," \
  "image $size_mb MB ($IMAGE), storage driver $driver"
