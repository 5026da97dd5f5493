#!/usr/bin/env bash
# Single-thread tokenization throughput, attnserve vs transformers.js, on the same text, in one
# run under `flock /tmp/bench.lock` (the machine is shared: nothing else should be timing).
#
#   bench/tokenizer_vs_transformersjs.sh [BUILD_DIR]      (default build/release)
#
# English: Debian's licence texts (Apache-2.0, GPL-2, GPL-3; ~65 KB) with bert-base-uncased.
# Multilingual: tests/testdata/tokenizer/corpus.jsonl's multilingual phrases (~50 scripts;
# ~64 KB) with bert-base-multilingual-cased. transformers.js comes from the fixture cache
# (tests/testdata/tokenizer/generate_fixtures.sh installs it; so does this script).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
BENCH=$BUILD/bench/tokenizer_bench
CACHE=${ATTNSERVE_FIXTURES_CACHE:-$HOME/.cache/attnserve-tokenizer-fixtures}
TOKS=$ROOT/tests/testdata/tokenizers
[[ -x $BENCH ]] || { echo "build $BENCH first (cmake --build --preset release)" >&2; exit 1; }
if [[ ! -f $CACHE/node_modules/@huggingface/transformers/package.json ]]; then
  mkdir -p "$CACHE" && cp "$ROOT/tests/testdata/tokenizer/package.json" "$CACHE/"
  (cd "$CACHE" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund -s)
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat /usr/share/common-licenses/{Apache-2.0,GPL-2,GPL-3} > "$WORK/english.txt"
/usr/bin/python3 - "$ROOT/tests/testdata/tokenizer" > "$WORK/multilingual.txt" <<'PY'
import random, sys
sys.path.insert(0, sys.argv[1])
import make_corpus
rng = random.Random(7)
out, size = [], 0
while size < 64000:
    line = " ".join(rng.choice(make_corpus.PHRASES) for _ in range(rng.randint(1, 4)))
    out.append(line)
    size += len(line.encode()) + 1
print("\n".join(out))
PY
# transformers.js needs a directory with the full tokenizer.json.
for name in bert-base-uncased bert-base-multilingual-cased; do
  mkdir -p "$WORK/$name"
  /usr/bin/python3 - "$TOKS/$name" "$WORK/$name" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
if os.path.exists(os.path.join(src, "tokenizer.json")):
    j = json.load(open(os.path.join(src, "tokenizer.json"), encoding="utf-8"))
else:
    j = json.load(open(os.path.join(src, "tokenizer.skeleton.json"), encoding="utf-8"))
    vocab = open(os.path.join(src, "vocab.txt"), encoding="utf-8").read().split("\n")
    if vocab[-1] == "":
        vocab.pop()
    j["model"]["vocab"] = {t: i for i, t in enumerate(vocab)}
json.dump(j, open(os.path.join(dst, "tokenizer.json"), "w", encoding="utf-8"), ensure_ascii=False)
open(os.path.join(dst, "tokenizer_config.json"), "w").write(
    open(os.path.join(src, "tokenizer_config.json")).read())
PY
done

run_all() {
  for pair in "english:bert-base-uncased" "multilingual:bert-base-multilingual-cased"; do
    text=${pair%%:*}; name=${pair#*:}
    "$BENCH" --tokenizer="$WORK/$name" --text="$WORK/$text.txt" --benchmark_format=json \
      --benchmark_repetitions=3 --benchmark_report_aggregates_only=false > "$WORK/ours_$text.json"
    node "$ROOT/bench/tokenizer_bench.mjs" "$CACHE/node_modules" "$WORK/$name" "$WORK/$text.txt" \
      > "$WORK/js_$text.json"
  done
}
export -f run_all
export BENCH ROOT CACHE WORK
flock /tmp/bench.lock bash -c run_all

/usr/bin/python3 - "$WORK" <<'PY'
import json, os, sys
w = sys.argv[1]
print("single thread, one encode per line, [CLS]/[SEP] added; best of 3 repetitions")
print(f"{'text':<13} {'tokenizer':<29} {'attnserve MB/s':>14} {'tokens/s':>11} "
      f"{'transformers.js MB/s':>20} {'tokens/s':>11} {'ratio':>6}")
for text, name in [("english", "bert-base-uncased"), ("multilingual", "bert-base-multilingual-cased")]:
    ours = json.load(open(os.path.join(w, f"ours_{text}.json")))
    runs = [b for b in ours["benchmarks"] if b.get("run_type") == "iteration"]
    best = max(runs, key=lambda b: b["bytes_per_second"])
    js = json.loads(open(os.path.join(w, f"js_{text}.json")).read().strip().splitlines()[-1])
    o_mb, o_tok = best["bytes_per_second"] / 1e6, best["tokens_per_second"]
    print(f"{text:<13} {name:<29} {o_mb:>14.1f} {o_tok:>11.3g} {js['mb_per_s']:>20.2f} "
          f"{js['tokens_per_s']:>11.3g} {o_mb / js['mb_per_s']:>5.1f}x")
print(f"({js['bytes']} B multilingual, transformers.js {js['version']}, node {os.popen('node --version').read().strip()})")
PY
