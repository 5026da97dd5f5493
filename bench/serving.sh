#!/usr/bin/env bash
# Serving performance of `attnserve serve` against the offline encoder, in one run under one
# `flock /tmp/bench.lock` (MiniLM shape by default, 2 compute threads):
#   1. offline throughput (`attnserve bench`) on the length distribution LENGTHS;
#   2. saturation: closed-loop load at high concurrency on the same distribution (1 and 8 inputs
#      per request), as a share of (1);
#   3. latency of one client sending 16-token texts vs the offline single-sequence latency;
#   4. a concurrency sweep (latency percentiles vs throughput);
#   5. overload: open loop at 4x the measured capacity: how fast refusals come back
#      (RESOURCE_EXHAUSTED) and the p99 of admitted calls, with the default queue (two batches
#      of 16384 tokens) and with a latency budget (batches and queue of 2048 tokens).
#   MODEL=~/.cache/attnserve-peers/models/minilm bench/serving.sh
# The load generator runs on the same 2 cores as the server, as a co-located client would.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_LOCKED:-}" ]; then exec env BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"; fi
MODEL=${MODEL:-$HOME/.cache/attnserve-peers/models/minilm}
LENGTHS=${LENGTHS:-16:128}
DURATION=${DURATION:-8}
BIN=${ATTNSERVE_BIN:-build/release/server/attnserve}
CLI=${ATTNSERVE_CLI:-build/release/client/attnserve-cli}
OUT=bench/results/serving-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
PORT=$((20000 + RANDOM % 20000))
MPORT=$((PORT + 1))
echo "# $(date -Is) $(uname -n) load: $(cut -d' ' -f1-3 /proc/loadavg); model $MODEL; lengths $LENGTHS"

offline=$("$BIN" bench --model "$MODEL" --batch 32 --lengths "$LENGTHS" --iters 8 --peak=false --json)
single=$("$BIN" bench --model "$MODEL" --batch 1 --seq 16 --iters 300 --warmup 30 --peak=false --json)
echo "$offline" > "$OUT/offline.json"
echo "$single" > "$OUT/offline_single16.json"

start_server() {  # extra flags...
  "$BIN" serve --model "$MODEL" --host 127.0.0.1 --port $PORT --metrics-host 127.0.0.1 \
    --metrics-port $MPORT --http-port 0 "$@" 2>"$OUT/server.log" &
  SERVER=$!
  for _ in $(seq 300); do
    "$CLI" --target 127.0.0.1:$PORT health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; cat "$OUT/server.log" >&2; exit 1
}
stop_server() { kill -TERM $SERVER; wait $SERVER || true; }
load() { "$CLI" --target 127.0.0.1:$PORT load --duration "$DURATION" --warmup 2 --json "$@"; }

start_server
load --concurrency 64 --lengths "$LENGTHS" > "$OUT/saturation_1input.json"
load --concurrency 16 --lengths "$LENGTHS" --inputs-per-request 8 > "$OUT/saturation_8inputs.json"
load --concurrency 1 --lengths 16:16 --text > "$OUT/latency_text16.json"
load --concurrency 1,2,4,8,16,32,64 --lengths "$LENGTHS" > "$OUT/sweep.json"
stop_server

# Overload: a queue of two full batches, open loop at 4x the saturation request rate.
rate=$(python3 -c "import json; print(round(4 * json.load(open('$OUT/saturation_1input.json'))[0]['requests_per_s']))")
start_server --max-queued-tokens 32768
load --rate "$rate" --lengths "$LENGTHS" > "$OUT/overload_4x.json"
stop_server
# The same overload with a latency budget: smaller batches and a queue of one batch.
start_server --max-batch-tokens 2048 --max-queued-tokens 2048
load --rate "$rate" --lengths "$LENGTHS" > "$OUT/overload_4x_small_queue.json"
stop_server

python3 - "$OUT" <<'PY'
import json, sys
d = sys.argv[1]
j = lambda n: json.load(open(f"{d}/{n}"))
off, single = j("offline.json"), j("offline_single16.json")
s1, s8 = j("saturation_1input.json")[0], j("saturation_8inputs.json")[0]
lat = j("latency_text16.json")[0]
over = j("overload_4x.json")[0]
small = j("overload_4x_small_queue.json")[0]
print(f"\n| measure | value | target |")
print(f"|---|---|---|")
print(f"| offline `attnserve bench` b32, lengths {off['lengths']} | {off['seq_per_s']:.1f} seq/s | |")
print(f"| served, 1 input/request, 64 in flight | {s1['sequences_per_s']:.1f} seq/s = {s1['sequences_per_s']/off['seq_per_s']:.0%} of offline | >= 90% |")
print(f"| served, 8 inputs/request, 16 in flight | {s8['sequences_per_s']:.1f} seq/s = {s8['sequences_per_s']/off['seq_per_s']:.0%} of offline | >= 90% |")
print(f"| offline single 16-token sequence | {single['median_s']*1e3:.2f} ms median | |")
print(f"| one client, 16-token texts, p50 / p99 | {lat['p50_ms']:.2f} / {lat['p99_ms']:.2f} ms (p50 = offline + {lat['p50_ms'] - single['median_s']*1e3:.2f} ms) | p50 <= offline + 1 ms |")
print(f"| overload: open loop {over['level']:.0f} req/s (4x), sent {over['offered_per_s']:.0f}/s | {over['requests_per_s']:.0f} req/s admitted, refused {over['errors'].get('RESOURCE_EXHAUSTED', 0)}, refusal p99 {over['refused_p99_ms']:.2f} ms (max {over['refused_max_ms']:.2f}) | refusal <= 10 ms |")
print(f"| overload: admitted calls p50 / p99 / max | {over['p50_ms']:.1f} / {over['p99_ms']:.1f} / {over['max_ms']:.1f} ms | bounded |")
print(f"| same overload, --max-batch-tokens 2048 --max-queued-tokens 2048 | {small['requests_per_s']:.0f} req/s admitted, refused {small['errors'].get('RESOURCE_EXHAUSTED', 0)}, refusal p99 {small['refused_p99_ms']:.2f} ms (max {small['refused_max_ms']:.2f}); admitted p50 / p99 / max {small['p50_ms']:.1f} / {small['p99_ms']:.1f} / {small['max_ms']:.1f} ms | bounded |")
print("\nconcurrency sweep (closed loop, lengths as above):")
print("| concurrency | seq/s | p50 ms | p90 ms | p99 ms | max ms |")
print("|---|---|---|---|---|---|")
for r in j("sweep.json"):
    print(f"| {r['level']:.0f} | {r['sequences_per_s']:.1f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} |")
PY
echo "raw results: $OUT"
