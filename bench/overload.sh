#!/usr/bin/env bash
# Overload (issue 15, item 7): open loop at FACTOR x capacity (default 4) against `attnserve
# serve` in three configurations, alternating ROUNDS times: "default" (--inline-prepare-bytes 4096: small requests prepared on
# the gRPC thread that took them in), "slice" (plus --serving-slice-us 100: a short scheduler slice
# for the serving threads) and "pool" (--inline-prepare-bytes 0: every request through the
# tokenization pool, as before item 7), under `flock /tmp/bench.lock`. Prints, per run, the refusal tail
# (p99 / p99.9 / max from each call's scheduled time, p99.9 from its actual send), the generator's
# own lateness and the admitted calls' p99 against the queue budget.
#   MODEL=~/.cache/attnserve-peers/models/minilm RATE=720 bench/overload.sh
# The load generator runs on the same cores (at nice -10 when allowed, so that its own lateness
# pollutes the figures less).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_LOCKED:-}" ]; then exec env BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"; fi
MODEL=${MODEL:-$HOME/.cache/attnserve-peers/models/minilm}
LENGTHS=${LENGTHS:-16:128}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-2}
FACTOR=${FACTOR:-4}
BIN=${ATTNSERVE_BIN:-build/release/server/attnserve}
CLI=${ATTNSERVE_CLI:-build/release/client/attnserve-cli}
OUT=$(mktemp -d)
PORT=$((56000 + RANDOM % 900))
GEN=(nice -n -10)
nice -n -10 true 2>/dev/null || GEN=()
start_server() {
  "$BIN" serve --model "$MODEL" --host 127.0.0.1 --port $PORT --metrics-port -1 "$@" \
    2>"$OUT/server.log" &
  SERVER=$!
  for _ in $(seq 300); do
    "$CLI" --target 127.0.0.1:$PORT health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1
}
stop_server() { kill -TERM $SERVER; wait $SERVER || true; }
load() { "${GEN[@]}" "$CLI" --target 127.0.0.1:$PORT load --duration "$DURATION" --warmup 2 --json "$@"; }

if [ -z "${RATE:-}" ]; then
  start_server
  RATE=$(load --concurrency 64 --lengths "$LENGTHS" | python3 -c \
    "import json,sys; print(round($FACTOR * json.load(sys.stdin)[0]['requests_per_s']))")
  stop_server
fi
echo "# $(date -Is) load $(cut -d' ' -f1-3 /proc/loadavg); model $MODEL; lengths $LENGTHS; open loop $RATE req/s"
echo "| build | loadavg | refused | refusal p99 / p99.9 / max ms | p99.9 from send | generator late p99.9 | admitted | admitted p99 |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for variant in default slice pool; do
    case $variant in
      default) start_server --inline-prepare-bytes 4096 ;;
      slice) start_server --inline-prepare-bytes 4096 --serving-slice-us 100 ;;
      pool) start_server --inline-prepare-bytes 0 ;;
    esac
    load --rate "$RATE" --lengths "$LENGTHS" > "$OUT/$variant.json"
    stop_server
    python3 - "$OUT/$variant.json" "$variant" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))[0]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {d['errors'].get('RESOURCE_EXHAUSTED', 0)} | "
      f"{d['refused_p99_ms']:.1f} / {d['refused_p999_ms']:.1f} / {d['refused_max_ms']:.1f} | "
      f"{d['refused_from_send_p999_ms']:.1f} | {d['send_lag_p999_ms']:.1f} | {d['ok']} | "
      f"{d['p99_ms']:.0f} |")
PY
  done
done
rm -rf "$OUT"
