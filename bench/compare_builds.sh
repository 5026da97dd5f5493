#!/usr/bin/env bash
# Before/after of a change, side by side in one run under one `flock /tmp/bench.lock`: two builds
# of attnserve (BASE_* and NEW_*, e.g. a worktree of the parent commit and build/release), the
# same model, measured alternately REPEATS times (so drift on a shared machine hits both):
#   encoder   `attnserve bench`, batches of 32, lengths uniform LENGTHS      (seq/s)
#   serving   closed loop, 64 calls in flight x 1 input, and 16 x 8 inputs   (seq/s)
#   latency   one client, 16-token texts                                     (p50 / p99 ms)
# Prints the medians and new/base ratios.
#   BASE_BIN=/work/wt-base/build/release/server/attnserve \
#   BASE_CLI=/work/wt-base/build/release/client/attnserve-cli \
#   MODEL=~/.cache/attnserve-peers/models/minilm bench/compare_builds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_LOCKED:-}" ]; then exec env BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"; fi
: "${BASE_BIN:?set BASE_BIN (and BASE_CLI) to the build to compare against}"
: "${BASE_CLI:?}"
NEW_BIN=${NEW_BIN:-build/release/server/attnserve}
NEW_CLI=${NEW_CLI:-build/release/client/attnserve-cli}
MODEL=${MODEL:-$HOME/.cache/attnserve-peers/models/minilm}
LENGTHS=${LENGTHS:-16:128}
DURATION=${DURATION:-6}
REPEATS=${REPEATS:-3}
OUT=bench/results/compare-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
echo "# $(date -Is) load: $(cut -d' ' -f1-3 /proc/loadavg); model $MODEL; lengths $LENGTHS; $REPEATS rounds"

run_one() {  # NAME BIN CLI ROUND
  local name=$1 bin=$2 cli=$3 round=$4 port=$((20000 + RANDOM % 20000))
  "$bin" bench --model "$MODEL" --batch 32 --lengths "$LENGTHS" --iters 8 --peak=false --json \
    > "$OUT/$name.$round.encoder.json"
  "$bin" serve --model "$MODEL" --host 127.0.0.1 --port $port --metrics-port -1 --http-port 0 --threads 2 \
    2>"$OUT/$name.$round.server.log" &
  local server=$!
  for _ in $(seq 300); do "$cli" --target 127.0.0.1:$port health >/dev/null 2>&1 && break; sleep 0.1; done
  local load=("$cli" --target 127.0.0.1:$port load --duration "$DURATION" --warmup 2 --json)
  "${load[@]}" --concurrency 64 --lengths "$LENGTHS" > "$OUT/$name.$round.c64.json"
  "${load[@]}" --concurrency 16 --lengths "$LENGTHS" --inputs-per-request 8 > "$OUT/$name.$round.c16x8.json"
  "${load[@]}" --concurrency 1 --lengths 16:16 --text > "$OUT/$name.$round.latency.json"
  kill -TERM $server; wait $server || true
}

for round in $(seq "$REPEATS"); do
  run_one base "$BASE_BIN" "$BASE_CLI" "$round"
  run_one new "$NEW_BIN" "$NEW_CLI" "$round"
done

python3 - "$OUT" "$REPEATS" <<'PY'
import json, statistics, sys
out, repeats = sys.argv[1], int(sys.argv[2])
def load(name, round_, what):
    with open(f"{out}/{name}.{round_}.{what}.json") as f:
        return json.load(f)
def med(name, what, key):
    vals = []
    for r in range(1, repeats + 1):
        j = load(name, r, what)
        j = j[0] if isinstance(j, list) else j
        vals.append(j[key])
    return statistics.median(vals), vals
rows = [("encoder seq/s (bench, b32)", "encoder", "seq_per_s", True),
        ("served seq/s, 64 x 1 input", "c64", "sequences_per_s", True),
        ("served seq/s, 16 x 8 inputs", "c16x8", "sequences_per_s", True),
        ("one client, 16-token text p50 ms", "latency", "p50_ms", False),
        ("one client, 16-token text p99 ms", "latency", "p99_ms", False)]
print(f"| measure | base | new | new/base |\n|---|---|---|---|")
for label, what, key, higher in rows:
    b, bv = med("base", what, key)
    n, nv = med("new", what, key)
    print(f"| {label} | {b:.2f} | {n:.2f} | {n / b:.3f} |")
    print(f"|   (all rounds) | {', '.join(f'{v:.2f}' for v in bv)} | {', '.join(f'{v:.2f}' for v in nv)} | |")
PY
echo "# results in $OUT"
