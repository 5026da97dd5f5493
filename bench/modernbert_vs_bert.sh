#!/usr/bin/env bash
# ModernBERT vs BERT in attnserve, side by side in one run under one `flock /tmp/bench.lock`:
# the same depth, width and heads (12 x 768, 12 heads; each family's own feed-forward: BERT
# I 3072, ModernBERT GeGLU I 1152 with local_attention 128 and a global layer every 3rd), batch
# 32 x 128 and mixed lengths 16..256, GFLOP/s counted by each model's own ForwardFlops (local
# layers count only the pairs their window keeps). Then ModernBERT alone on long inputs, one
# sequence of 512, 2048 and 8192 tokens: batch latency and peak RSS. 2 threads. Prints markdown
# tables and appends the raw JSON lines to bench/results/modernbert_vs_bert.jsonl.
#
# Models: random-init, made once with the torch virtualenv (~/.cache/attnserve-stvenv):
#   ~/.cache/attnserve-stvenv/bin/python bench/make_random_models.py ~/.cache/attnserve-bench-models
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH_LOCKED:-}" ]; then exec env BENCH_LOCKED=1 flock /tmp/bench.lock "$0" "$@"; fi
MODELS=${MODELS:-$HOME/.cache/attnserve-bench-models}
BIN=${ATTNSERVE_BIN:-build/release/server/attnserve}
ITERS=${ITERS:-5}
THREADS=${THREADS:-2}
export OMP_NUM_THREADS=$THREADS
mkdir -p bench/results
OUT=bench/results/modernbert_vs_bert.jsonl
echo "# $(date -Is) $(uname -n) load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

bench() {  # label model args...
  local label=$1 model=$2; shift 2
  local j
  j=$("$BIN" bench --model "$MODELS/$model" --json --threads "$THREADS" --iters "$ITERS" "$@")
  echo "{\"label\":\"$label\",\"model\":\"$model\",\"attnserve\":$j}" >> $OUT
  echo "$j"
}

row() {  # label bert-json modernbert-json
  python3 - "$@" <<'PY'
import json, sys
label, b, m = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"| {label} | {b['gflops']:.0f} | {m['gflops']:.0f} | {m['gflops'] / b['gflops']:.2f} | "
      f"{b['seq_per_s']:.1f} | {m['seq_per_s']:.1f} |")
PY
}

echo "| shape | BERT GFLOP/s | ModernBERT GFLOP/s | ratio | BERT seq/s | ModernBERT seq/s |"
echo "|---|---|---|---|---|---|"
row "32 x 128" "$(bench bert-32x128 bert-base --batch 32 --seq 128)" \
    "$(bench modernbert-32x128 modernbert-base-l12 --batch 32 --seq 128)"
row "32 x 16..256" "$(bench bert-mixed bert-base --batch 32 --seq 256 --lengths 16:256)" \
    "$(bench modernbert-mixed modernbert-base-l12 --batch 32 --seq 256 --lengths 16:256)"

echo
echo "| ModernBERT, 1 sequence | batch latency (median) | GFLOP/s | peak RSS |"
echo "|---|---|---|---|"
for n in 512 2048 8192; do
  j=$(bench "modernbert-long-$n" modernbert-base-l12 --batch 1 --seq $n --iters 3)
  python3 - "$n" "$j" <<'PY'
import json, sys
n, j = sys.argv[1], json.loads(sys.argv[2])
print(f"| {n} tokens | {j['median_s'] * 1e3:.0f} ms | {j['gflops']:.0f} | "
      f"{j['peak_rss_mb']:.0f} MiB |")
PY
done
