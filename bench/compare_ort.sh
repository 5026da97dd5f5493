#!/usr/bin/env bash
# attnserve vs ONNX Runtime, side by side in one run under one `flock /tmp/bench.lock`:
# BERT-base and MiniLM shapes, batch 32 x 128, mixed lengths 16..256 (ORT pads each batch), and
# single 16-token sequence latency; 2 threads each. Prints a markdown table and appends the raw
# JSON lines to bench/results/compare_ort.jsonl.
#
# Needs the peers of ../shared/peers (models with onnx/model.onnx, onnxruntime-node):
#   ../shared/peers/setup.sh && cd ~/.cache/attnserve-peers && /usr/bin/python3 make_model.py ...
#   (see ../shared/peers/README.md), then:  PEERS_WORK=~/.cache/attnserve-peers bench/compare_ort.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_LOCKED:-}" ]; then exec env BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"; fi
PEERS=${PEERS_WORK:-$HOME/.cache/attnserve-peers}
BIN=${ATTNSERVE_BIN:-build/release/server/attnserve}
ITERS=${ITERS:-5}
THREADS=${THREADS:-2}
export NODE_PATH=$PEERS/node/node_modules OMP_NUM_THREADS=$THREADS
mkdir -p bench/results
OUT=bench/results/compare_ort.jsonl
echo "# $(date -Is) $(uname -n) load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

run_pair() {  # label model attnserve-args... -- ort-args...
  local label=$1 model=$2; shift 2
  local a=() o=()
  while [ "$1" != "--" ]; do a+=("$1"); shift; done; shift
  o=("$@")
  local as os
  as=$("$BIN" bench --model "$PEERS/models/$model" --json --threads "$THREADS" "${a[@]}")
  os=$(node bench/ort_runner.js "$PEERS/models/$model" --threads "$THREADS" "${o[@]}")
  echo "{\"label\":\"$label\",\"attnserve\":$as,\"ort\":$os}" | tee -a $OUT >/dev/null
  python3 - "$label" "$as" "$os" <<'PY'
import json, sys
label, a, o = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
if a["batch"] == 1:
    print(f"| {label} | {a['median_s']*1e3:.2f} ms | {o['median_s']*1e3:.2f} ms | "
          f"{o['median_s']/a['median_s']:.2f}x | {a['gflops']:.0f} | {a['pct_of_peak']:.0f}% |")
else:
    print(f"| {label} | {a['seq_per_s']:.2f} seq/s | {o['seq_per_s']:.2f} seq/s | "
          f"{a['seq_per_s']/o['seq_per_s']:.2f}x | {a['gflops']:.0f} | {a['pct_of_peak']:.0f}% |")
PY
}

echo "| shape | attnserve | ORT 1.30 | ratio | attnserve GFLOP/s | % of matmul peak |"
echo "|---|---|---|---|---|---|"
for m in bert-base minilm; do
  run_pair "$m b32 x s128" $m --batch 32 --seq 128 --iters $ITERS -- --batch 32 --seq 128 --iters $ITERS
  run_pair "$m b32 x 16..256" $m --batch 32 --lengths 16:256 --iters $ITERS -- --batch 32 --lengths 16:256 --iters $ITERS
done
run_pair "minilm 1 x 16 latency" minilm --batch 1 --seq 16 --iters 200 --warmup 20 -- --batch 1 --seq 16 --iters 200 --warmup 20
"$BIN" bench --model "$PEERS/models/bert-base" --batch 32 --seq 128 --iters 2 --peak=false \
  --threads "$THREADS" | tail -1 | sed 's/^ */bert-base memory: /'
